"use strict"
/*
 * Latency: REQ/REP round trips of 8-byte messages over tcp loopback, ferromq and zeromq.js
 * (real libzmq) in the same run. The Request socket binds here, the Reply socket runs in a
 * child process and echoes every request (like thr.js, and like python/bench/lat.py). After
 * WARMUP (--warmup, 100) round trips each of COUNT round trips is timed on its own
 * (process.hrtime.bigint() around send + receive); the mean and the 99th percentile are
 * printed in µs. These are FULL round trips, not the half round trips libzmq's remote_lat
 * reports.
 *
 *   node bench/lat.js [--count 20000] [--size 8] [--lib ferromq,zeromq] [--repeat 1] [--warmup 100]
 *   node bench/lat.js reply <lib> <endpoint> <count>      # (the child)
 */
const { spawn } = require("child_process")
const path = require("path")

function load(lib) {
  return lib === "ferromq" ? require(path.join(__dirname, "..")) : require("zeromq")
}

async function replier(lib, endpoint, count) {
  const zmq = load(lib)
  const rep = new zmq.Reply({ linger: -1 })
  rep.connect(endpoint)
  for (let i = 0; i < count; i++) {
    const [msg] = await rep.receive()
    await rep.send(msg)
  }
  rep.close() // linger -1: the last reply still goes out
}

async function requester(lib, count, size, warmup) {
  const zmq = load(lib)
  const req = new zmq.Request()
  await req.bind("tcp://127.0.0.1:*")
  const child = spawn(process.execPath, [__filename, "reply", lib, req.lastEndpoint, String(warmup + count)], {
    stdio: "inherit",
  })
  const exited = new Promise((resolve) => child.on("exit", resolve))
  /* A replier that dies (zeromq.js aborts on some large echoes) would leave us waiting. */
  child.on("exit", (code) => {
    if (code !== 0) {
      console.error(`the ${lib} replier exited with ${code}`)
      process.exit(1)
    }
  })
  const msg = Buffer.alloc(size, 7)
  for (let i = 0; i < warmup; i++) {
    await req.send(msg)
    await req.receive()
  }
  const rtt = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint()
    await req.send(msg)
    await req.receive()
    rtt[i] = Number(process.hrtime.bigint() - start)
  }
  req.close()
  const code = await exited
  if (code !== 0) {
    throw new Error(`the ${lib} replier exited with ${code}`)
  }
  rtt.sort()
  const mean = rtt.reduce((a, b) => a + b, 0) / count / 1e3
  const p99 = rtt[Math.min(Math.floor(count * 0.99), count - 1)] / 1e3 // as bench/libzmq/perf.c
  console.log(`${lib.padEnd(8)} ${size} B: mean ${mean.toFixed(1)} us  p99 ${p99.toFixed(1)} us  (${count} round trips)`)
  return { mean, p99 }
}

function options(argv) {
  const opts = { count: 20000, size: 8, lib: "ferromq,zeromq", repeat: 1, warmup: 100 }
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "")
    if (!(name in opts) || argv[i + 1] === undefined) {
      throw new Error(`usage: node bench/lat.js [--count N] [--size BYTES] [--lib ferromq,zeromq] [--repeat N] [--warmup N]`)
    }
    opts[name] = name === "lib" ? argv[i + 1] : Number(argv[i + 1])
  }
  if (!(opts.count >= 1)) {
    throw new Error("--count must be at least 1")
  }
  return opts
}

async function main() {
  if (process.argv[2] === "reply") {
    const [, , , lib, endpoint, count] = process.argv
    await replier(lib, endpoint, Number(count))
    return
  }
  const opts = options(process.argv.slice(2))
  const results = {}
  for (const lib of opts.lib.split(",")) {
    results[lib] = []
    for (let r = 0; r < opts.repeat; r++) {
      results[lib].push(await requester(lib, opts.count, opts.size, opts.warmup))
    }
  }
  if (results.ferromq && results.zeromq) {
    const median = (runs, key) => {
      const v = runs.map((r) => r[key]).sort((a, b) => a - b)
      return v.length % 2 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2
    }
    const ratio = (key) => (median(results.ferromq, key) / median(results.zeromq, key)).toFixed(2)
    console.log(`ratio ferromq / zeromq.js (lower is better): mean ${ratio("mean")}x  p99 ${ratio("p99")}x`)
  }
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
