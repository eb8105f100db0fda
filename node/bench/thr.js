"use strict"
/*
 * Throughput: 8-byte messages PUSH -> PULL over tcp loopback, ferromq and zeromq.js (real
 * libzmq) in the same run. The receiver runs here, the sender in a child process (like
 * libzmq's local_thr/remote_thr); the rate is measured at the receiver from the first
 * message to the last.
 *
 *   node bench/thr.js [count] [size]        # both libraries
 *   node bench/thr.js send <lib> <endpoint> <count> <size>   # (the child)
 */
const { spawn } = require("child_process")
const path = require("path")

function load(lib) {
  return lib === "ferromq" ? require(path.join(__dirname, "..")) : require("zeromq")
}

async function sender(lib, endpoint, count, size) {
  const zmq = load(lib)
  const push = new zmq.Push({ linger: -1, sendHighWaterMark: 1000 })
  push.connect(endpoint)
  const msg = Buffer.alloc(size, 7)
  for (let i = 0; i < count; i++) {
    await push.send(msg)
  }
  push.close()
}

async function receiver(lib, count, size) {
  const zmq = load(lib)
  const pull = new zmq.Pull({ receiveHighWaterMark: 1000 })
  await pull.bind("tcp://127.0.0.1:*")
  const child = spawn(process.execPath, [__filename, "send", lib, pull.lastEndpoint, String(count), String(size)], {
    stdio: "inherit",
  })
  const exited = new Promise((resolve) => child.on("exit", resolve))
  await pull.receive()
  const start = process.hrtime.bigint()
  for (let i = 1; i < count; i++) {
    await pull.receive()
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  pull.close()
  await exited
  const rate = (count - 1) / seconds
  console.log(
    `${lib.padEnd(8)} ${size} B x ${count}: ${Math.round(rate).toLocaleString("en-US")} msg/s ` +
      `(${((rate * size * 8) / 1e6).toFixed(1)} Mb/s)`,
  )
  return rate
}

async function main() {
  if (process.argv[2] === "send") {
    const [, , , lib, endpoint, count, size] = process.argv
    await sender(lib, endpoint, Number(count), Number(size))
    return
  }
  const count = Number(process.argv[2] || 1000000)
  const size = Number(process.argv[3] || 8)
  const ours = await receiver("ferromq", count, size)
  const theirs = await receiver("zeromq", count, size)
  console.log(`ferromq / zeromq.js: ${(ours / theirs).toFixed(2)}x`)
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
