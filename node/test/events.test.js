"use strict"
/* sock.events (the monitor Observer): event sequences over tcp and ipc against a FerroMQ
   and a zeromq.js (libzmq) peer, listeners, async iteration, errors, and process liveness. */
const test = require("node:test")
const assert = require("node:assert/strict")
const net = require("node:net")
const ferro = require("..")
const libzmq = require("zeromq")
const { ipcEndpoint, within, sleep, closeAll, runChild } = require("./helpers")

const types = (events) => events.map((e) => e.type)

/* Records a socket's events by iterating `sock.events` in the background. */
function record(socket) {
  const events = []
  const done = (async () => {
    for await (const event of socket.events) {
      events.push(event)
    }
  })()
  return {
    events,
    /* Resolves with the first event of `type` (waits up to `ms`). */
    async until(type, ms = 5000) {
      const deadline = Date.now() + ms
      for (;;) {
        const found = events.find((e) => e.type === type)
        if (found) {
          return found
        }
        if (Date.now() > deadline) {
          throw new Error(`no "${type}" event within ${ms} ms; got ${types(events).join(", ")}`)
        }
        await sleep(5)
      }
    },
    /* Resolves once the iteration has ended (after "end"). */
    finished: (ms = 5000) => within(ms, done, "the event iteration"),
  }
}

/* The 64-byte ZMTP 3.0 greeting with `mechanism`. */
function greeting(mechanism, asServer) {
  const g = Buffer.alloc(64)
  g[0] = 0xff
  g[9] = 0x7f
  g[10] = 3
  g.write(mechanism, 12, "ascii")
  g[32] = asServer ? 1 : 0
  return g
}

const transports = {
  tcp: () => "tcp://127.0.0.1:*",
  ipc: ipcEndpoint,
}
const peers = { ferromq: ferro, "zeromq.js": libzmq }

for (const [transport, endpoint] of Object.entries(transports)) {
  for (const [peerName, peer] of Object.entries(peers)) {
    test(`${transport}: ferromq binds, ${peerName} connects: bind, accept, handshake, disconnect, close, end`, async () => {
      const pull = new ferro.Pull()
      const observed = record(pull)
      await pull.bind(endpoint())
      const address = pull.lastEndpoint
      const push = new peer.Push({ linger: 0 })
      push.connect(address)
      await push.send("x")
      assert.deepEqual((await within(3000, pull.receive())).map(String), ["x"])
      await observed.until("handshake")
      push.close()
      await observed.until("disconnect")
      pull.close()
      await observed.finished()
      assert.deepEqual(types(observed.events), [
        "bind",
        "accept",
        "handshake",
        "disconnect",
        "close",
        "end",
      ])
      for (const event of observed.events.slice(0, -1)) {
        assert.equal(event.address, address, `${event.type}'s address`)
      }
      assert.deepEqual(observed.events.at(-1), { type: "end" })
      assert.equal(pull.events.closed, true)
    })

    test(`${transport}: ${peerName} binds, ferromq connects: connect, handshake, disconnect, connect:retry, end`, async () => {
      const pull = new peer.Pull()
      await pull.bind(endpoint())
      const address = pull.lastEndpoint
      const push = new ferro.Push({ linger: 0, reconnectInterval: 100 })
      const observed = record(push)
      push.connect(address)
      await push.send("x")
      await within(3000, pull.receive())
      await observed.until("handshake")
      pull.close()
      const retry = await observed.until("connect:retry")
      push.close()
      await observed.finished()
      const expected = transport === "tcp" ? ["connect:delay"] : []
      expected.push("connect", "handshake", "disconnect", "connect:retry")
      assert.deepEqual(types(observed.events).slice(0, expected.length), expected)
      // reconnectInterval (100) plus up to one interval of random jitter, as in libzmq.
      assert.ok(retry.interval >= 100 && retry.interval < 200, `interval ${retry.interval}`)
      assert.equal(retry.address, address)
      assert.equal(observed.events.at(-1).type, "end")
      assert.equal(types(observed.events).indexOf("end"), observed.events.length - 1)
    })
  }
}

test("inproc connections emit no events (as libzmq); close and end still come", async () => {
  const pull = new ferro.Pull()
  const observed = record(pull)
  await pull.bind("inproc://ferromq-events-inproc")
  const push = new ferro.Push({ linger: 0 })
  push.connect("inproc://ferromq-events-inproc")
  await push.send("x")
  await pull.receive()
  closeAll(push, pull)
  await observed.finished()
  assert.deepEqual(types(observed.events), ["end"])
})

test("on(): listeners get the events of their type; off() removes one; end closes", async () => {
  const pull = new ferro.Pull()
  const observer = pull.events
  const binds = []
  const accepts = []
  const removed = []
  let ended = null
  const onRemoved = (e) => removed.push(e)
  assert.equal(
    observer.on("bind", (e) => binds.push(e)).on("accept", (e) => accepts.push(e)),
    observer,
    "on() returns the observer (chainable)",
  )
  observer.on("bind", onRemoved)
  observer.off("bind", onRemoved)
  const end = new Promise((resolve) => observer.on("end", resolve))
  assert.throws(() => observer.receive(), /event emitter mode/)

  await pull.bind("tcp://127.0.0.1:*")
  const push = new libzmq.Push({ linger: 0 })
  push.connect(pull.lastEndpoint)
  await push.send("x")
  await pull.receive()
  await within(3000, (async () => {
    while (accepts.length === 0) await sleep(5)
  })())
  assert.deepEqual(binds, [{ type: "bind", address: pull.lastEndpoint }])
  assert.deepEqual(accepts, [{ type: "accept", address: pull.lastEndpoint }])
  assert.deepEqual(removed, [])
  closeAll(push, pull)
  ended = await within(3000, end, "the end event")
  assert.deepEqual(ended, { type: "end" })
  assert.equal(observer.closed, true)
})

test("async iteration: yields events until end, then stays done", async () => {
  const pull = new ferro.Pull()
  const observer = pull.events
  await pull.bind("tcp://127.0.0.1:*")
  const address = pull.lastEndpoint
  setTimeout(() => pull.close(), 50)
  const seen = []
  await within(3000, (async () => {
    for await (const event of observer) {
      seen.push(event)
    }
  })())
  assert.deepEqual(seen, [{ type: "bind", address }, { type: "close", address }, { type: "end" }])
  assert.equal(observer.closed, true)
  for await (const event of observer) {
    assert.fail(`a closed observer yielded ${event.type}`)
  }
  assert.throws(() => observer.receive(), { code: "EBADF" })
})

test("bind error: the bind rejects with EADDRINUSE and bind:error carries the error", async () => {
  const first = new ferro.Pull()
  await first.bind("tcp://127.0.0.1:*")
  const second = new ferro.Pull()
  const observed = record(second)
  await assert.rejects(second.bind(first.lastEndpoint), { code: "EADDRINUSE" })
  const failed = await observed.until("bind:error")
  const port = first.lastEndpoint.split(":").pop()
  assert.ok(failed.address.endsWith(`:${port}`), `address ${failed.address}`)
  assert.ok(failed.error instanceof Error)
  assert.equal(failed.error.code, "EADDRINUSE")
  assert.equal(failed.error.errno, 98)
  assert.equal(failed.error.message, "Address already in use")
  closeAll(first, second)
  await observed.finished()
  assert.equal(observed.events.at(-1).type, "end")
})

test("connecting to nobody: connect:delay, close, connect:retry with the interval", async () => {
  const push = new ferro.Push({ linger: 0, reconnectInterval: 50 })
  const observed = record(push)
  push.connect("tcp://127.0.0.1:1")
  const retry = await observed.until("connect:retry")
  push.close()
  await observed.finished()
  assert.deepEqual(types(observed.events).slice(0, 3), ["connect:delay", "close", "connect:retry"])
  const { interval, ...rest } = retry
  assert.deepEqual(rest, { type: "connect:retry", address: "tcp://127.0.0.1:1" })
  // reconnectInterval (50) plus up to one interval of random jitter, as in libzmq.
  assert.ok(interval >= 50 && interval < 100, `interval ${interval}`)
})

test("handshake:error:protocol: a peer greeting with another mechanism (ERR_ZMTP_MECHANISM_MISMATCH)", async () => {
  const router = new ferro.Router()
  const observed = record(router)
  await router.bind("tcp://127.0.0.1:*")
  const port = Number(router.lastEndpoint.split(":").pop())
  const client = net.connect(port, "127.0.0.1", () => client.write(greeting("PLAIN", false)))
  client.on("error", () => {})
  client.on("data", () => {})
  const failed = await observed.until("handshake:error:protocol")
  assert.equal(failed.address, router.lastEndpoint)
  assert.ok(failed.error instanceof Error)
  assert.equal(failed.error.code, "ERR_ZMTP_MECHANISM_MISMATCH")
  assert.equal(failed.error.message, "ZMTP protocol error")
  await observed.until("disconnect")
  client.destroy()
  router.close()
  await observed.finished()
})

test("handshake:error:other: a peer that does not speak ZMTP", async () => {
  const router = new ferro.Router()
  const observed = record(router)
  await router.bind("tcp://127.0.0.1:*")
  const port = Number(router.lastEndpoint.split(":").pop())
  const client = net.connect(port, "127.0.0.1", () => client.write("GET / HTTP/1.0\r\n\r\n"))
  client.on("error", () => {})
  client.on("data", () => {})
  const failed = await observed.until("handshake:error:other")
  assert.ok(failed.error instanceof Error)
  assert.equal(typeof failed.error.code, "string")
  assert.equal(typeof failed.error.errno, "number")
  client.destroy()
  router.close()
  await observed.finished()
})

test("handshake:error:auth: a zeromq.js server whose ZAP handler denies (status 400)", async () => {
  /* zeromq.js's ZAP handler: a ROUTER at libzmq's inproc ZAP endpoint, denying everyone */
  const zap = new libzmq.Router({ linger: 0 })
  await zap.bind("inproc://zeromq.zap.01")
  const handler = (async () => {
    for await (const [id, empty, version, requestId] of zap) {
      await zap.send([id, empty, version, requestId, "400", "denied", "", ""])
    }
  })()
  const server = new libzmq.Router({ zapDomain: "test", linger: 0 })
  await server.bind("tcp://127.0.0.1:*")
  const dealer = new ferro.Dealer({ linger: 0 })
  const observed = record(dealer)
  dealer.connect(server.lastEndpoint)
  const failed = await observed.until("handshake:error:auth")
  assert.equal(failed.address, server.lastEndpoint)
  assert.ok(failed.error instanceof Error)
  assert.equal(failed.error.status, 400)
  assert.equal(failed.error.message, "Authentication failure")
  closeAll(dealer, server, zap)
  await observed.finished()
  await handler
})

test("Observer API: one observer per socket, receive/close/EBUSY/EBADF, closed sockets", async () => {
  const pull = new ferro.Pull()
  const observer = pull.events
  assert.ok(observer instanceof ferro.Observer)
  assert.equal(pull.events, observer, "the same observer on every access")
  assert.equal(observer.closed, false)

  const pending = observer.receive()
  assert.throws(() => observer.receive(), { code: "EBUSY" })
  await pull.bind("tcp://127.0.0.1:*")
  assert.deepEqual(await within(3000, pending), { type: "bind", address: pull.lastEndpoint })

  const waiting = observer.receive()
  observer.close()
  assert.equal(observer.closed, true)
  await assert.rejects(waiting, { code: "ENOTSOCK" })
  assert.throws(() => observer.receive(), { code: "EBADF", message: "Socket is closed" })
  observer.close() /* twice is fine */
  await pull.unbind(pull.lastEndpoint) /* the socket is unaffected */
  pull.close()

  const closed = new ferro.Push()
  closed.close()
  assert.throws(() => closed.events, { code: "ENOTSOCK" })
  assert.throws(() => new ferro.Observer({}), { name: "Error", message: "Invalid argument" })
  assert.throws(() => new ferro.Observer(5), TypeError)
})

test("new Observer(socket) replaces the socket's monitor: the previous observer ends", async () => {
  const pull = new ferro.Pull()
  const first = record(pull)
  await pull.bind("tcp://127.0.0.1:*")
  await first.until("bind")
  const second = new ferro.Observer(pull)
  await first.finished()
  assert.deepEqual(types(first.events), ["bind", "end"])
  assert.equal(pull.events.closed, true)
  await pull.bind("tcp://127.0.0.1:*")
  assert.deepEqual(await within(3000, second.receive()), { type: "bind", address: pull.lastEndpoint })
  pull.close()
  const rest = []
  for await (const event of second) {
    rest.push(event.type)
  }
  assert.deepEqual(rest, ["close", "close", "end"])
})

test("the process exits on its own once sockets with observers close", async () => {
  const { code, signal, output, elapsed } = await runChild(
    `
    const zmq = require(".")
    ;(async () => {
      const pull = new zmq.Pull()
      const push = new zmq.Push()
      pull.events.on("accept", (e) => console.log("pull", e.type))
      pull.events.on("end", (e) => console.log("pull", e.type))
      ;(async () => {
        for await (const e of push.events) console.log("push", e.type)
        console.log("push iteration done")
      })()
      await pull.bind("tcp://127.0.0.1:*")
      push.connect(pull.lastEndpoint)
      await push.send("hi")
      const [m] = await pull.receive()
      console.log("got", m.toString())
      push.close()
      pull.close()
    })()
    `,
    8000,
  )
  assert.equal(signal, null, `killed after ${elapsed} ms; output: ${output}`)
  assert.equal(code, 0, output)
  assert.match(output, /got hi/)
  assert.match(output, /pull accept/)
  assert.match(output, /pull end/, "listeners get the last events before the process exits")
  assert.match(output, /push handshake/)
  assert.ok(
    output.includes("push end") && output.indexOf("push end") < output.indexOf("push iteration done"),
    `the iteration yields "end" and then finishes: ${output}`,
  )
  assert.ok(elapsed < 5000, `exited after ${elapsed} ms`)

  /* Listeners alone: once the socket is closed they hold the process until "end". */
  const listeners = await runChild(
    `
    const zmq = require(".")
    const pull = new zmq.Pull()
    pull.events.on("close", (e) => console.log("close", e.address))
    pull.events.on("end", () => console.log("end"))
    pull.bindSync("tcp://127.0.0.1:*")
    pull.close()
    `,
    5000,
  )
  assert.equal(listeners.signal, null, listeners.output)
  assert.equal(listeners.code, 0, listeners.output)
  assert.match(listeners.output, /close tcp:\/\/127\.0\.0\.1:\d+\nend\n/)
})

test("an idle observer does not keep the process alive; a pending receive() does", async () => {
  const idle = await runChild(
    `
    const zmq = require(".")
    const pull = new zmq.Pull()
    pull.events.on("accept", () => {})
    const push = new zmq.Push()
    push.events
    pull.bindSync("tcp://127.0.0.1:*")
    push.connect(pull.lastEndpoint)
    `,
    5000,
  )
  assert.equal(idle.signal, null, `an observer with listeners kept the process alive: ${idle.output}`)
  assert.equal(idle.code, 0, idle.output)

  /* The only thing left is the pending events.receive() (the timer is unref'd): it keeps
     the process alive until the bind 300 ms later produces an event. */
  const waiting = await runChild(
    `
    const zmq = require(".")
    const pull = new zmq.Pull()
    pull.events.receive().then((e) => console.log("received", e.type))
    setTimeout(() => pull.bindSync("tcp://127.0.0.1:*"), 300).unref()
    `,
    5000,
  )
  assert.equal(waiting.signal, null, waiting.output)
  assert.equal(waiting.code, 0, waiting.output)
  assert.match(waiting.output, /received bind/)
})
