"use strict"
/* Proxy: zmq_proxy_steerable on a native thread; run() resolves on terminate(). */
const test = require("node:test")
const assert = require("node:assert/strict")
const zmq = require("..")
const { within, stillPending, closeAll, sleep } = require("./helpers")

test("Proxy shuttles ROUTER/DEALER traffic, pauses, resumes and terminates", async () => {
  const frontEnd = new zmq.Router({ linger: 0 })
  const backEnd = new zmq.Dealer({ linger: 0 })
  await frontEnd.bind("tcp://127.0.0.1:*")
  await backEnd.bind("tcp://127.0.0.1:*")
  const proxy = new zmq.Proxy(frontEnd, backEnd)
  assert.equal(proxy.frontEnd, frontEnd)
  assert.equal(proxy.backEnd, backEnd)
  assert.throws(() => proxy.pause(), { code: "EBADF" })
  const running = proxy.run()

  const worker = new zmq.Reply({ linger: 0 })
  worker.connect(backEnd.lastEndpoint)
  const client = new zmq.Request({ linger: 0 })
  client.connect(frontEnd.lastEndpoint)
  const serving = (async () => {
    for (let i = 0; i < 2; i++) {
      const [q] = await worker.receive()
      await worker.send(`${q} done`)
    }
  })()

  await client.send("job 1")
  assert.deepEqual((await within(3000, client.receive())).map(String), ["job 1 done"])

  proxy.pause()
  await sleep(50)
  await client.send("job 2")
  const reply = client.receive()
  assert.ok(await stillPending(reply, 200), "paused: nothing moves")
  proxy.resume()
  assert.deepEqual((await within(3000, reply)).map(String), ["job 2 done"])
  await serving

  proxy.terminate()
  await within(3000, running, "proxy.run()")
  closeAll(frontEnd, backEnd, worker, client)
})

test("Proxy argument checks", () => {
  assert.throws(() => new zmq.Proxy({}, {}), { name: "Error", message: "Invalid argument" })
  assert.throws(() => new zmq.Proxy(null, {}), { name: "TypeError", message: "Front-end must be a socket object" })
})

test("Proxy first forwards what its sockets had already taken into their receive queues", async () => {
  const frontEnd = new zmq.Pull({ linger: 0 })
  const backEnd = new zmq.Push({ linger: 0 })
  const sender = new zmq.Push({ linger: 0 })
  const sink = new zmq.Pull({ linger: 0 })
  await frontEnd.bind("inproc://proxy-queued-front")
  await backEnd.bind("inproc://proxy-queued-back")
  sender.connect("inproc://proxy-queued-front")
  sink.connect("inproc://proxy-queued-back")
  for (let i = 0; i < 5; i++) {
    await sender.send(`m${i}`)
  }
  await sleep(50)
  // One receive takes the whole batch: m0 is returned, m1..m4 wait in the socket's queue.
  assert.deepEqual((await frontEnd.receive()).map(String), ["m0"])
  assert.ok(frontEnd.readable, "the rest is queued")

  const proxy = new zmq.Proxy(frontEnd, backEnd)
  const running = proxy.run()
  await sender.send("m5")
  for (let i = 1; i <= 5; i++) {
    assert.deepEqual((await within(3000, sink.receive())).map(String), [`m${i}`])
  }
  proxy.terminate()
  await within(3000, running, "proxy.run()")
  closeAll(frontEnd, backEnd, sender, sink)
})

for (const [lib, load] of [["zeromq", () => require("zeromq")], ["ferromq", () => zmq]]) {
  test(`${lib}: run() with an end neither bound nor connected throws EINVAL`, async () => {
    const z = load()
    const front = new z.Router({ linger: 0 })
    const back = new z.Dealer({ linger: 0 })
    const proxy = new z.Proxy(front, back)
    assert.throws(() => proxy.run(), { code: "EINVAL", message: "Front-end socket must be bound or connected" })
    await front.bind("inproc://proxy-unbound-" + lib)
    assert.throws(() => proxy.run(), { code: "EINVAL", message: "Back-end socket must be bound or connected" })
    front.close()
    back.close()
  })
}
