"use strict"
/* Every socket pattern, over tcp, ipc and inproc, with zeromq.js's API. */
const test = require("node:test")
const assert = require("node:assert/strict")
const zmq = require("..")
const { ipcEndpoint, inprocEndpoint, sleep, within, closeAll, tcpPair } = require("./helpers")

const str = (frames) => frames.map((f) => f.toString())

test("PUSH/PULL over tcp: single and multipart messages, strings as UTF-8", async () => {
  const pull = new zmq.Pull()
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  await push.send("héllo ✓")
  await push.send(["a", Buffer.from("b"), new Uint8Array([99]), null])
  const [first] = await pull.receive()
  assert.ok(Buffer.isBuffer(first))
  assert.deepEqual(first, Buffer.from("héllo ✓", "utf8"))
  const multi = await pull.receive()
  assert.deepEqual(str(multi), ["a", "b", "c", ""])
  await push.send([42, 2.5])
  assert.deepEqual(str(await pull.receive()), ["42", "2.5"])
  closeAll(push, pull)
})

for (const [name, endpoint] of [
  ["ipc", ipcEndpoint],
  ["inproc", inprocEndpoint],
]) {
  test(`PUSH/PULL over ${name}`, async () => {
    const pull = new zmq.Pull()
    const push = new zmq.Push({ linger: 0 })
    const address = endpoint()
    await pull.bind(address)
    push.connect(address)
    for (let i = 0; i < 100; i++) {
      await push.send(`m${i}`)
    }
    for (let i = 0; i < 100; i++) {
      const [msg] = await pull.receive()
      assert.equal(msg.toString(), `m${i}`)
    }
    closeAll(push, pull)
  })
}

test("REQ/REP", async () => {
  const rep = new zmq.Reply()
  const req = new zmq.Request({ linger: 0 })
  await tcpPair(rep, req)
  const server = (async () => {
    for (let i = 0; i < 3; i++) {
      const [msg] = await rep.receive()
      await rep.send(`re:${msg}`)
    }
  })()
  for (let i = 0; i < 3; i++) {
    await req.send(`q${i}`)
    const [reply] = await req.receive()
    assert.equal(reply.toString(), `re:q${i}`)
  }
  await server
  closeAll(req, rep)
})

test("DEALER/ROUTER with routing ids", async () => {
  const router = new zmq.Router()
  const dealer = new zmq.Dealer({ routingId: "dealer-1", linger: 0 })
  await tcpPair(router, dealer)
  await dealer.send(["", "hello"])
  const [id, delimiter, body] = await router.receive()
  assert.equal(id.toString(), "dealer-1")
  assert.equal(delimiter.length, 0)
  assert.equal(body.toString(), "hello")
  await router.send([id, "", "world"])
  assert.deepEqual(str(await dealer.receive()), ["", "world"])
  closeAll(dealer, router)
})

test("ROUTER mandatory rejects unknown peers with EHOSTUNREACH", async () => {
  const router = new zmq.Router({ mandatory: true })
  await router.bind("tcp://127.0.0.1:*")
  await assert.rejects(router.send(["nobody", "x"]), { code: "EHOSTUNREACH" })
  router.close()
})

test("PUB/SUB: prefix subscriptions, unsubscribe, subscribe-all", async () => {
  const pub = new zmq.Publisher({ linger: 0 })
  const sub = new zmq.Subscriber()
  await tcpPair(pub, sub)
  sub.subscribe("weather", "news")
  await sleep(200) /* subscriptions travel to the publisher */
  await pub.send(["sports", "x"])
  await pub.send(["weather", "sunny"])
  await pub.send(["news", "today"])
  assert.deepEqual(str(await sub.receive()), ["weather", "sunny"])
  assert.deepEqual(str(await sub.receive()), ["news", "today"])
  sub.unsubscribe("weather")
  sub.subscribe()
  await sleep(200)
  await pub.send("anything")
  assert.deepEqual(str(await sub.receive()), ["anything"])
  closeAll(pub, sub)
})

test("XPUB/XSUB: subscriptions arrive as messages", async () => {
  const xpub = new zmq.XPublisher({ linger: 0 })
  const xsub = new zmq.XSubscriber({ linger: 0 })
  await tcpPair(xpub, xsub)
  await xsub.send(Buffer.from("\x01topic"))
  const [subscription] = await within(2000, xpub.receive(), "subscription")
  assert.equal(subscription[0], 1)
  assert.equal(subscription.subarray(1).toString(), "topic")
  await xpub.send("topic: data")
  await xpub.send("other")
  assert.deepEqual(str(await xsub.receive()), ["topic: data"])
  closeAll(xpub, xsub)
})

test("PAIR both ways", async () => {
  const a = new zmq.Pair({ linger: 0 })
  const b = new zmq.Pair({ linger: 0 })
  const address = inprocEndpoint()
  await a.bind(address)
  b.connect(address)
  await a.send("ping")
  assert.deepEqual(str(await b.receive()), ["ping"])
  await b.send("pong")
  assert.deepEqual(str(await a.receive()), ["pong"])
  closeAll(a, b)
})

test("async iteration: for await (const [msg] of sock) until close", async () => {
  const pull = new zmq.Pull()
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  const got = []
  const loop = (async () => {
    for await (const [msg] of pull) {
      got.push(msg.toString())
      if (got.length === 3) {
        pull.close()
      }
    }
  })()
  for (const m of ["x", "y", "z"]) {
    await push.send(m)
  }
  await within(2000, loop, "iteration")
  assert.deepEqual(got, ["x", "y", "z"])
  push.close()
})

test("large messages cross in both directions without corruption", async () => {
  const pull = new zmq.Pull()
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  for (const size of [31, 9000, 70000, 1 << 20]) {
    const payload = Buffer.alloc(size)
    for (let i = 0; i < size; i++) payload[i] = (i * 7) & 0xff
    await push.send(payload)
    const [got] = await pull.receive()
    assert.equal(got.length, size)
    assert.ok(got.equals(payload), `payload of ${size} bytes`)
  }
  closeAll(push, pull)
})

test("a large Buffer sent over inproc and received back is safe to keep", async () => {
  const a = new zmq.Pair({ linger: 0 })
  const b = new zmq.Pair({ linger: 0 })
  const address = inprocEndpoint()
  await a.bind(address)
  b.connect(address)
  const payload = Buffer.alloc(200000, 5)
  await a.send(payload)
  const [got] = await b.receive()
  assert.ok(got.equals(payload))
  /* forward the received buffer again: the same memory may come back */
  await b.send(got)
  const [again] = await a.receive()
  assert.ok(again.equals(payload))
  closeAll(a, b)
})

test("many sockets with pending receives (more than libuv's 4 pool threads)", async () => {
  const count = 16
  const pulls = []
  const pushes = []
  for (let i = 0; i < count; i++) {
    const pull = new zmq.Pull()
    const push = new zmq.Push({ linger: 0 })
    await tcpPair(pull, push)
    pulls.push(pull)
    pushes.push(push)
  }
  const receives = pulls.map((p) => p.receive())
  await sleep(50)
  /* the pool is free: a file read completes while 16 receives wait */
  await within(2000, require("fs").promises.readFile(__filename), "fs read")
  for (let i = 0; i < count; i++) {
    await pushes[i].send(`to ${i}`)
  }
  const got = await within(3000, Promise.all(receives), "receives")
  assert.deepEqual(
    got.map(([m]) => m.toString()),
    pulls.map((_, i) => `to ${i}`),
  )
  closeAll(...pulls, ...pushes)
})
