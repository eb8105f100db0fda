"use strict"
/* Errors (codes, errno, TypeError) and options (constructor, properties, context). */
const test = require("node:test")
const assert = require("node:assert/strict")
const zmq = require("..")
const { closeAll, tcpPair, sleep } = require("./helpers")

test("wrong arguments throw TypeError with a message that says what was wrong", async () => {
  const sock = new zmq.Dealer({ linger: 0 })
  assert.throws(() => sock.bind(123), { name: "TypeError", message: /Address must be a string/ })
  assert.throws(() => sock.connect(), { name: "TypeError", message: /Address must be a string/ })
  assert.throws(() => sock.send(), { name: "TypeError", message: /Message must be present/ })
  assert.throws(() => sock.send(["ok", Symbol("s")]), { name: "TypeError", message: /Symbol/ })
  assert.throws(() => sock.send([]), { name: "TypeError", message: /at least one frame/ })
  assert.throws(() => (sock.linger = "10"), { name: "TypeError", message: /must be a number/ })
  assert.throws(() => (sock.immediate = 1), { name: "TypeError", message: /must be a boolean/ })
  assert.throws(() => (sock.routingId = 5), { name: "TypeError", message: /string or buffer/ })
  assert.throws(() => new zmq.Dealer("x"), { name: "TypeError", message: /Options must be an object/ })
  assert.throws(() => new zmq.Dealer({ context: {} }), { name: "Error", message: "Invalid argument" })
  /* sockets are sealed, as in zeromq.js: unknown options are errors, not silent no-ops */
  assert.throws(() => new zmq.Dealer({ noSuchOption: 1 }), TypeError)
  assert.throws(() => new zmq.Subscriber().subscribe(42), { name: "TypeError" })
  sock.close()
})

test("the addon's raw send/receive functions throw on wrong arguments instead of crashing", () => {
  const native = require(`../ferromq.${process.platform}-${process.arch}-gnu.node`)
  const ctx = new native.NativeContext(1, () => {}, false)
  const push = new native.NativeSocket(ctx, 8)
  const pull = new native.NativeSocket(ctx, 7)
  const [send] = push.fastOps()
  const [, receive] = pull.fastOps()
  const invalid = (message) => ({ code: "ERR_INVALID_ARG_TYPE", message })
  assert.throws(() => send(), invalid(/token and timeout must be numbers/))
  assert.throws(() => send("x", "1", 0), invalid(/token and timeout must be numbers/))
  /* Values without bytes are sent as their string, as zeromq.js does; a Symbol has none. */
  assert.throws(() => send(Symbol("s"), 1, 0), { name: "TypeError", message: /Symbol/ })
  assert.throws(() => send([], 1, 0), invalid(/at least one frame/))
  /* An exception raised in JavaScript while the addon reads the message is the one thrown. */
  const tricky = ["ok"]
  Object.defineProperty(tricky, 1, {
    get() {
      throw new Error("getter boom")
    },
  })
  assert.throws(() => send(tricky, 1, 0), /getter boom/)
  assert.throws(() => receive(), invalid(/token, timeout and max must be numbers/))
  assert.throws(() => receive(1, 0, {}), invalid(/must be numbers/))
  /* Bound to their socket: no `this` needed, any `this` ignored. */
  assert.throws(() => receive.call({}, 1, 0, 8), { code: "EAGAIN" })
  assert.throws(() => send.call(null, "x", 1, 0), { code: "EAGAIN" })
  push.close()
  pull.close()
})

test("errors carry libzmq's code and errno", async () => {
  const a = new zmq.Pull()
  await a.bind("tcp://127.0.0.1:*")
  const b = new zmq.Pull()
  const inUse = await b.bind(a.lastEndpoint).catch((e) => e)
  assert.ok(inUse instanceof Error)
  assert.equal(inUse.code, "EADDRINUSE")
  assert.equal(inUse.errno, 98)
  await assert.rejects(b.bind("bogus://x"), { code: "EPROTONOSUPPORT" })
  await assert.rejects(b.bind("tcp://no-such-interface-here:5"), (e) => typeof e.code === "string" && e.errno > 0)
  await assert.rejects(b.unbind("tcp://127.0.0.1:1"), { code: "ENOENT" })
  assert.throws(() => b.disconnect("tcp://127.0.0.1:1"), { code: "ENOENT" })
  assert.throws(() => (b.receiveHighWaterMark = -5), { code: "EINVAL", errno: 22 })

  const req = new zmq.Request({ linger: 0 })
  await assert.rejects(req.receive(), { code: "EFSM", errno: 156384763 })
  const push = new zmq.Push({ linger: 0 })
  await assert.rejects(push.receive(), { code: "ENOTSUP" })
  closeAll(a, b, req, push)
})

test("options in the constructor and as properties", async () => {
  const sock = new zmq.Dealer({
    sendHighWaterMark: 10,
    receiveHighWaterMark: 20,
    linger: 250,
    routingId: "me",
    immediate: true,
    reconnectInterval: 50,
    sendTimeout: 300,
    receiveTimeout: 400,
  })
  assert.equal(sock.sendHighWaterMark, 10)
  assert.equal(sock.receiveHighWaterMark, 20)
  assert.equal(sock.linger, 250)
  assert.equal(sock.routingId, "me")
  assert.equal(sock.immediate, true)
  assert.equal(sock.reconnectInterval, 50)
  assert.equal(sock.sendTimeout, 300)
  assert.equal(sock.receiveTimeout, 400)
  assert.equal(sock.type, 5)
  assert.equal(sock.securityMechanism, null)
  assert.equal(sock.threadSafe, false)
  sock.linger = 0
  sock.maxMessageSize = 1 << 20
  assert.equal(sock.linger, 0)
  assert.equal(sock.maxMessageSize, 1 << 20)
  assert.equal(sock.lastEndpoint, null)
  await sock.bind("tcp://127.0.0.1:*")
  assert.match(sock.lastEndpoint, /^tcp:\/\/127\.0\.0\.1:\d+$/)
  assert.equal(sock.closed, false)
  assert.equal(sock.context, zmq.context)
  sock.close()
  assert.equal(sock.closed, true)
})

test("maxMessageSize drops oversized messages", async () => {
  const pull = new zmq.Pull({ maxMessageSize: 100, receiveTimeout: 300 })
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  await push.send(Buffer.alloc(1000))
  await assert.rejects(pull.receive(), { code: "EAGAIN" })
  closeAll(pull, push)
})

test("readable and writable reflect ZMQ_EVENTS", async () => {
  const pull = new zmq.Pull()
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  assert.equal(pull.readable, false)
  await push.send("x")
  for (let i = 0; i < 100 && !pull.readable; i++) await sleep(10)
  assert.equal(pull.readable, true)
  assert.equal(push.writable, true)
  closeAll(pull, push)
})

test("a Context of one's own: ioThreads, blocky (linger 0), ipv6", async () => {
  const ctx = new zmq.Context({ ioThreads: 2, blocky: false })
  assert.equal(ctx.ioThreads, 2)
  assert.equal(ctx.blocky, false)
  const sock = new zmq.Push({ context: ctx })
  assert.equal(sock.context, ctx)
  assert.equal(sock.linger, 0)
  assert.throws(() => (ctx.ioThreads = 3), { code: "EINVAL" })
  ctx.ipv6 = true
  const six = new zmq.Pull({ context: ctx })
  assert.equal(six.ipv6, true)
  assert.throws(() => new zmq.Context({ ioThreads: "2" }), TypeError)
  closeAll(sock, six)
})

test("module exports zeromq.js's names", () => {
  for (const name of [
    "Context", "Socket", "Proxy", "Pair", "Publisher", "Subscriber", "Request", "Reply",
    "Dealer", "Router", "Pull", "Push", "XPublisher", "XSubscriber",
  ]) {
    assert.equal(typeof zmq[name], "function", name)
  }
  assert.ok(zmq.context instanceof zmq.Context)
  assert.equal(zmq.capability.ipc, true)
  assert.equal(typeof zmq.version, "string")
  assert.ok(new zmq.Push() instanceof zmq.Socket)
})

test("out of file descriptors: making a socket fails with EMFILE", async () => {
  /* In a child whose descriptor limit is low (prlimit, util-linux). */
  const { execFileSync } = require("node:child_process")
  const source = `
    const zmq = require(".")
    const kept = []
    try {
      for (let i = 0; i < 200; i++) kept.push(new zmq.Pair())
      console.log("no error")
    } catch (e) {
      console.log("code", e.code, "errno", e.errno, "|", e.message)
    }
    for (const s of kept) s.close()
  `
  const out = execFileSync("prlimit", ["--nofile=64", process.execPath, "-e", source], {
    cwd: require("node:path").join(__dirname, ".."),
    encoding: "utf8",
    timeout: 30000,
  })
  assert.match(out, /code EMFILE errno 24 \|/)
  assert.match(out, /Too many open file descriptors/) /* zeromq.js's words for EMFILE */
})

test("version is the libzmq version, as zeromq.js's; ES modules import the names", async () => {
  assert.equal(zmq.version, require("zeromq").version)
  assert.match(zmq.ferromqVersion, /^\d+\.\d+\.\d+/)
  const path = require("node:path")
  const url = require("node:url").pathToFileURL(path.join(__dirname, "..", "index.js")).href
  const esm = await import(url)
  for (const name of ["Push", "Pull", "Router", "Dealer", "Proxy", "Context", "version"]) {
    assert.equal(esm[name], zmq[name], name)
  }
  assert.equal(zmq.__esModule, true)
})
