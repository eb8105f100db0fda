"use strict"
/* Interop with the `zeromq` npm package (zeromq.js v6 over the real libzmq), both ways,
   over tcp and ipc. The same code drives both libraries: that is the point of the API. */
const test = require("node:test")
const assert = require("node:assert/strict")
const ferro = require("..")
const libzmq = require("zeromq")
const { ipcEndpoint, within, sleep, closeAll } = require("./helpers")

const str = (frames) => frames.map((f) => f.toString())

const transports = {
  tcp: () => "tcp://127.0.0.1:*",
  ipc: ipcEndpoint,
}

const sides = [
  ["ferromq binds, libzmq connects", ferro, libzmq],
  ["libzmq binds, ferromq connects", libzmq, ferro],
]

for (const [transport, endpoint] of Object.entries(transports)) {
  for (const [label, binder, connecter] of sides) {
    const name = `${transport}: ${label}`

    test(`${name}: PUSH/PULL both directions, multipart`, async () => {
      const pull = new binder.Pull()
      await pull.bind(endpoint())
      const push = new connecter.Push({ linger: 0 })
      push.connect(pull.lastEndpoint)
      for (let i = 0; i < 50; i++) {
        await push.send([`part-${i}`, Buffer.alloc(i * 100, i)])
      }
      for (let i = 0; i < 50; i++) {
        const [a, b] = await within(3000, pull.receive())
        assert.equal(a.toString(), `part-${i}`)
        assert.ok(b.equals(Buffer.alloc(i * 100, i)))
      }
      const push2 = new binder.Push({ linger: 0 })
      await push2.bind(endpoint())
      const pull2 = new connecter.Pull()
      pull2.connect(push2.lastEndpoint)
      await push2.send("back")
      assert.deepEqual(str(await within(3000, pull2.receive())), ["back"])
      closeAll(pull, push, push2, pull2)
    })

    test(`${name}: REQ/REP`, async () => {
      const rep = new binder.Reply()
      await rep.bind(endpoint())
      const req = new connecter.Request({ linger: 0 })
      req.connect(rep.lastEndpoint)
      const server = (async () => {
        for (let i = 0; i < 5; i++) {
          const [q] = await rep.receive()
          await rep.send(`${q}!`)
        }
      })()
      for (let i = 0; i < 5; i++) {
        await req.send(`q${i}`)
        assert.deepEqual(str(await within(3000, req.receive())), [`q${i}!`])
      }
      await server
      closeAll(rep, req)
    })

    test(`${name}: ROUTER/DEALER with routing ids`, async () => {
      const router = new binder.Router()
      await router.bind(endpoint())
      const dealer = new connecter.Dealer({ routingId: "worker-7", linger: 0 })
      dealer.connect(router.lastEndpoint)
      await dealer.send("ready")
      const [id, body] = await within(3000, router.receive())
      assert.equal(id.toString(), "worker-7")
      assert.equal(body.toString(), "ready")
      await router.send([id, "job"])
      assert.deepEqual(str(await within(3000, dealer.receive())), ["job"])
      closeAll(router, dealer)
    })

    test(`${name}: PUB/SUB with subscriptions`, async () => {
      const pub = new binder.Publisher({ linger: 0 })
      await pub.bind(endpoint())
      const sub = new connecter.Subscriber()
      sub.connect(pub.lastEndpoint)
      sub.subscribe("a")
      let got = null
      const receiving = sub.receive().then((m) => (got = m))
      for (let i = 0; i < 100 && got === null; i++) {
        await pub.send(["b", "ignored"])
        await pub.send(["a", "kept"])
        await sleep(20)
      }
      await within(3000, receiving)
      assert.deepEqual(str(got), ["a", "kept"])
      closeAll(pub, sub)
    })
  }
}

test("XPUB (ferromq) sees a libzmq SUB's subscription, and the reverse", async () => {
  for (const [xlib, slib] of [
    [ferro, libzmq],
    [libzmq, ferro],
  ]) {
    const xpub = new xlib.XPublisher({ linger: 0 })
    await xpub.bind("tcp://127.0.0.1:*")
    const sub = new slib.Subscriber()
    sub.connect(xpub.lastEndpoint)
    sub.subscribe("topic")
    const [subscription] = await within(3000, xpub.receive())
    assert.equal(subscription[0], 1)
    assert.equal(subscription.subarray(1).toString(), "topic")
    closeAll(xpub, sub)
  }
})
