"use strict"
/* Event-loop integration: back-pressure, timeouts, EBUSY, close, responsiveness, exit. */
const test = require("node:test")
const assert = require("node:assert/strict")
const zmq = require("..")
const { sleep, within, stillPending, closeAll, tcpPair, inprocEndpoint, runChild } = require("./helpers")

test("back-pressure: send waits at the high water mark and resolves when the peer reads", async () => {
  const pull = new zmq.Pull({ receiveHighWaterMark: 1 })
  const push = new zmq.Push({ sendHighWaterMark: 1, linger: 0 })
  const address = inprocEndpoint()
  await pull.bind(address)
  push.connect(address)
  let sent = 0
  let blocked = null
  for (let i = 0; i < 100; i++) {
    const promise = push.send(`m${i}`)
    if (await stillPending(promise, 30)) {
      blocked = promise
      break
    }
    sent++
  }
  assert.ok(blocked, "a send eventually waits")
  assert.ok(sent >= 1, "some sends went through first")
  assert.ok(await stillPending(blocked, 100), "it keeps waiting while nobody reads")
  /* nothing was dropped: reading everything releases the blocked send */
  for (let i = 0; i <= sent; i++) {
    const [msg] = await within(2000, pull.receive(), "receive")
    assert.equal(msg.toString(), `m${i}`)
  }
  await within(2000, blocked, "blocked send")
  closeAll(push, pull)
})

test("a send to nobody waits (PUSH never drops) and sendTimeout rejects with EAGAIN", async () => {
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 1 })
  push.connect("tcp://127.0.0.1:1") /* nobody there: messages queue up to the HWM */
  push.sendTimeout = 0
  let queued = 0
  for (; queued < 100; queued++) {
    try {
      await push.send("x")
    } catch (error) {
      assert.equal(error.code, "EAGAIN")
      assert.equal(error.errno, 11)
      break
    }
  }
  assert.ok(queued >= 1 && queued < 100, `queued ${queued} before EAGAIN`)
  push.sendTimeout = 150
  const start = Date.now()
  await assert.rejects(push.send("x"), { code: "EAGAIN", errno: 11 })
  const elapsed = Date.now() - start
  assert.ok(elapsed >= 140 && elapsed < 1500, `timed out after ${elapsed} ms`)
  push.close()
})

test("receiveTimeout rejects with EAGAIN after the timeout; 0 means do not wait", async () => {
  const pull = new zmq.Pull({ receiveTimeout: 100 })
  await pull.bind("tcp://127.0.0.1:*")
  const start = Date.now()
  await assert.rejects(pull.receive(), { code: "EAGAIN", errno: 11 })
  const elapsed = Date.now() - start
  assert.ok(elapsed >= 90 && elapsed < 1500, `timed out after ${elapsed} ms`)
  pull.receiveTimeout = 0
  await assert.rejects(pull.receive(), { code: "EAGAIN" })
  assert.equal(pull.receiveTimeout, 0)
  pull.close()
})

test("only one receive and one send may be pending (EBUSY)", async () => {
  const dealer = new zmq.Dealer({ linger: 0, sendHighWaterMark: 1 })
  dealer.connect("tcp://127.0.0.1:1")
  const receiving = dealer.receive()
  /* fill the queue to the silent peer so that a send has to wait */
  let sending = dealer.send("x")
  for (let i = 0; i < 100 && !(await stillPending(sending, 20)); i++) {
    sending = dealer.send("x")
  }
  assert.throws(() => dealer.receive(), { code: "EBUSY", errno: 16 })
  assert.throws(() => dealer.send("y"), { code: "EBUSY" })
  dealer.close()
  await assert.rejects(receiving, { code: "EAGAIN" })
  await assert.rejects(sending, { code: "EAGAIN" })
})

test("close() rejects a pending receive with EAGAIN and later calls with EBADF", async () => {
  const pull = new zmq.Pull()
  await pull.bind("tcp://127.0.0.1:*")
  const pending = pull.receive()
  await sleep(20)
  pull.close()
  await assert.rejects(pending, { code: "EAGAIN" })
  assert.equal(pull.closed, true)
  assert.throws(() => pull.receive(), { code: "EBADF", errno: 9 })
  assert.throws(() => pull.connect("tcp://127.0.0.1:5"), { code: "EBADF" })
  pull.close() /* twice is fine */
})

test("the event loop stays responsive while a receive is pending", async () => {
  const pull = new zmq.Pull()
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  let ticks = 0
  const timer = setInterval(() => ticks++, 10)
  const pending = pull.receive()
  await sleep(300)
  assert.ok(ticks >= 10, `the interval fired ${ticks} times`)
  await push.send("done")
  assert.equal((await within(2000, pending))[0].toString(), "done")
  clearInterval(timer)
  closeAll(push, pull)
})

test("a busy socket does not starve timers", async () => {
  const pull = new zmq.Pull()
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  for (let i = 0; i < 5000; i++) {
    await push.send("x")
  }
  await sleep(100)
  let fired = false
  setTimeout(() => (fired = true), 0)
  for (let i = 0; i < 5000; i++) {
    await pull.receive()
  }
  assert.ok(fired, "a timer ran during 5000 receives that never had to wait")
  closeAll(push, pull)
})

test("a process whose sockets are closed exits on its own", async () => {
  const { code, signal, output, elapsed } = await runChild(
    `
    const zmq = require(".")
    ;(async () => {
      const pull = new zmq.Pull()
      await pull.bind("tcp://127.0.0.1:*")
      const push = new zmq.Push()
      push.connect(pull.lastEndpoint)
      await push.send("hi")
      const [m] = await pull.receive()
      const waiting = pull.receive().catch((e) => console.log("pending:", e.code))
      setTimeout(() => { push.close(); pull.close() }, 100)
      await waiting
      console.log("got", m.toString())
    })()
    `,
    5000,
  )
  assert.equal(signal, null, `killed after ${elapsed} ms; output: ${output}`)
  assert.equal(code, 0, output)
  assert.match(output, /pending: EAGAIN/)
  assert.match(output, /got hi/)
  assert.ok(elapsed < 3000, `exited after ${elapsed} ms`)
})

test("a process with an idle open socket exits; a pending receive keeps it alive", async () => {
  const idle = await runChild(
    `const zmq = require("."); const s = new zmq.Pull(); s.bindSync("tcp://127.0.0.1:*")`,
    5000,
  )
  assert.equal(idle.signal, null, "an idle socket does not keep the process alive")
  assert.equal(idle.code, 0, idle.output)
  const waiting = await runChild(
    `const zmq = require("."); const s = new zmq.Pull(); s.bindSync("tcp://127.0.0.1:*"); s.receive()`,
    1000,
  )
  assert.equal(waiting.signal, "SIGKILL", "a pending receive keeps the process alive (as in zeromq.js)")
})

test("linger: queued messages are delivered before exit; blocky=false exits at once", async () => {
  const pull = new zmq.Pull({ receiveTimeout: 5000 })
  await pull.bind("tcp://127.0.0.1:*")
  const sender = runChild(
    `
    const zmq = require(".")
    const push = new zmq.Push()
    push.connect(${JSON.stringify(pull.lastEndpoint)})
    ;(async () => {
      for (let i = 0; i < 2000; i++) await push.send(Buffer.alloc(1000, i & 0xff))
      push.close()
    })()
    `,
    10000,
  )
  for (let i = 0; i < 2000; i++) {
    const [msg] = await pull.receive()
    assert.equal(msg[0], i & 0xff)
  }
  const { code, signal } = await sender
  assert.equal(signal, null)
  assert.equal(code, 0)
  pull.close()

  const unreachable = await runChild(
    `
    const zmq = require(".")
    zmq.context.blocky = false
    const push = new zmq.Push()
    push.connect("tcp://127.0.0.1:1")
    push.send("never delivered").then(() => push.close())
    `,
    5000,
  )
  assert.equal(unreachable.signal, null, "blocky=false (linger 0): exits although a message is queued")
  assert.equal(unreachable.code, 0, unreachable.output)
})

for (const lib of ["zeromq", "ferromq"]) {
  test(`${lib}: exiting with a message queued for LINGER waits, and says so`, async () => {
    const { code, signal, output, elapsed } = await runChild(
      `
      const zmq = require(${JSON.stringify(lib === "zeromq" ? "zeromq" : ".")})
      zmq.context.blocky = true
      const dealer = new zmq.Dealer({ linger: 600 })
      dealer.connect("tcp://127.0.0.1:1")
      dealer.send(null)
      `,
      10000,
    )
    assert.equal(signal, null, output)
    assert.equal(code, 0, output)
    assert.match(
      output,
      /\(node:\d+\) WARNING: Waiting for queued ZeroMQ messages to be delivered\. Set 'context\.blocky = false' to change this behaviour\.\r?\n/,
    )
    assert.ok(elapsed >= 500, `exited after ${elapsed} ms, before LINGER`)
  })
}
