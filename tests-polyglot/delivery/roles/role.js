// Delivery-at-close role, zeromq.js v6's API: runs on the `zeromq` npm package (node-libzmq)
// and on FerroMQ's Node package (node-ferromq); POLYGLOT_NODE_ZMQ names the module.
// Usage: node role.js send|receive PATTERN ENDPOINT bind|connect SIZE COUNT  (see ../README.md)
const zmq = require(process.env.POLYGLOT_NODE_ZMQ || "zeromq")

const RECEIVER_OF = { push: zmq.Pull, dealer: zmq.Router, pub: zmq.Subscriber,
                      req: zmq.Reply, rep: zmq.Request, router: zmq.Dealer }
const SENDER_OF = { push: zmq.Push, dealer: zmq.Dealer, pub: zmq.Publisher,
                    req: zmq.Request, rep: zmq.Reply, router: zmq.Router }
const FIRST_WAIT_MS = 15000
const NEXT_WAIT_MS = 5000

function payload(i, size) {
  // A fresh buffer per message: zeromq.js may send large buffers without copying them.
  const buf = Buffer.alloc(size, "x")
  buf.write(String(i).padStart(8, "0"), 0, "latin1")
  return buf
}

function say(line) {
  console.log(line) // synchronous for files and pipes on Linux
}

async function attach(sock, endpoint, how) {
  if (how === "bind") await sock.bind(endpoint)
  else sock.connect(endpoint)
  say("ready")
}

async function send(pattern, endpoint, how, size, count) {
  const s = new SENDER_OF[pattern]()
  if (pattern === "pub") s.sendHighWaterMark = 0
  if (pattern === "router") s.mandatory = true
  await attach(s, endpoint, how)
  if (pattern === "pub") await new Promise((resolve) => setTimeout(resolve, 1000))
  if (["push", "dealer", "pub"].includes(pattern)) {
    for (let i = 0; i < count; i++) await s.send(payload(i, size))
  } else if (pattern === "req") {
    for (let i = 0; i < count; i++) {
      await s.send(payload(i, size))
      if (i < count - 1) await s.receive()
    }
  } else if (pattern === "rep") {
    for (let i = 0; i < count; i++) {
      await s.receive()
      await s.send(payload(i, size))
    }
  } else if (pattern === "router") {
    const [ident] = await s.receive() // [id, "hello"]
    for (let i = 0; i < count; i++) await s.send([ident, payload(i, size)])
  }
  // Default LINGER: the pending messages are delivered while the process winds down
  // (zeromq.js terminates the context at exit, waiting for them).
  s.close()
}

// Resolves to true when every message arrived, in order and intact.
async function receive(pattern, endpoint, how, size, count) {
  const s = new RECEIVER_OF[pattern]()
  if (pattern === "pub") s.subscribe()
  await attach(s, endpoint, how)
  if (pattern === "router") await s.send("hello")
  let received = 0, errors = 0, expected = 0
  try {
    s.receiveTimeout = FIRST_WAIT_MS
    while (received < count) {
      if (received === 1) s.receiveTimeout = NEXT_WAIT_MS
      if (pattern === "rep") await s.send("next")
      let frames
      try {
        frames = await s.receive()
      } catch (e) {
        if (e.code === "EAGAIN") break // nothing arrived in time
        throw e
      }
      if (pattern === "req") await s.send("ok")
      const body = frames[frames.length - 1]
      let problem = null
      if (frames.length !== (pattern === "dealer" ? 2 : 1)) {
        problem = `${frames.length} frames`
      } else if (body.length !== size) {
        problem = `${body.length} bytes, expected ${size}`
      } else {
        const seq = parseInt(body.toString("latin1", 0, 8), 10)
        if (seq !== expected) problem = `sequence number ${seq}, expected ${expected}`
        expected = seq
      }
      if (problem) {
        errors++
        if (errors <= 5) say(`error: message ${received}: ${problem}`)
      }
      received++
      expected++
    }
  } finally {
    say(`received ${received} of ${count}`)
    // A last reply or `hello` may have no reader left: do not wait for one.
    s.linger = 0
    s.close()
  }
  return received === count && errors === 0
}

async function main() {
  const [mode, pattern, endpoint, how] = process.argv.slice(2, 6)
  const size = parseInt(process.argv[6], 10), count = parseInt(process.argv[7], 10)
  let ok = true
  if (mode === "send" && endpoint.startsWith("inproc://")) {
    // Both sockets live on the default shared context, the receiver running concurrently.
    const other = how === "bind" ? "connect" : "bind"
    const results = await Promise.all([
      receive(pattern, endpoint, other, size, count),
      send(pattern, endpoint, how, size, count),
    ])
    ok = results[0]
  } else if (mode === "send") {
    await send(pattern, endpoint, how, size, count)
  } else {
    ok = await receive(pattern, endpoint, how, size, count)
  }
  if (mode === "send") say(`sent ${count}`)
  // No process.exit(): the process ends once the closed sockets have delivered everything.
  process.exitCode = ok ? 0 : 1
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
