"use strict"
/*
 * Batched receive: one call into the addon takes every message that is ready (up to a
 * bound) and `receive()` serves the rest from a JavaScript queue, as Buffers that are views
 * into one slab per batch (large frames keep Buffers of their own). These tests pin what
 * must not change because of it: order, whole multipart messages, content that stays valid,
 * `readable`, timeouts, close(), iteration and EBUSY.
 */
const test = require("node:test")
const assert = require("node:assert/strict")
const zmq = require("..")
const { inprocEndpoint, sleep, within, closeAll, tcpPair } = require("./helpers")

/* A PULL with `count` messages already queued in it (inproc: a send queues at once). */
async function loaded(messages, options = {}) {
  const pull = new zmq.Pull(options)
  const push = new zmq.Push({ linger: 0, sendHighWaterMark: 0 })
  const address = inprocEndpoint()
  await pull.bind(address)
  push.connect(address)
  for (const message of messages) {
    await push.send(message)
  }
  return { pull, push }
}

const pattern = (size, seed) => {
  const buffer = Buffer.alloc(size)
  for (let i = 0; i < size; i++) buffer[i] = (i * 31 + seed) & 0xff
  return buffer
}

test("more messages than one batch: order, whole multipart messages, every frame kind", async () => {
  /* Batch boundaries fall at 64 messages and after 32 KiB of small frames; mix single and
     multipart messages, empty frames, 1 KiB frames (several slabs) and large frames (Buffers
     of their own, between small ones in the same message). */
  const sent = []
  for (let i = 0; i < 400; i++) {
    switch (i % 7) {
      case 0:
        sent.push([Buffer.from(`m${i}`)])
        break
      case 1:
        sent.push([Buffer.from(`a${i}`), Buffer.alloc(0), pattern(1024, i), Buffer.from(`z${i}`)])
        break
      case 2:
        sent.push([Buffer.from(`h${i}`), pattern(9000 + i, i), Buffer.from(`t${i}`)])
        break
      case 3:
        sent.push([pattern(70000, i)])
        break
      case 4:
        sent.push([Buffer.alloc(0)])
        break
      default:
        sent.push([pattern(1000 + i, i), pattern(i, i)])
    }
  }
  const { pull, push } = await loaded(sent)
  const received = []
  for (let i = 0; i < sent.length; i++) {
    received.push(await pull.receive())
  }
  /* Checked at the end: buffers handed out earlier stay valid as later batches arrive. */
  for (let i = 0; i < sent.length; i++) {
    assert.equal(received[i].length, sent[i].length, `message ${i} has all its frames`)
    for (let f = 0; f < sent[i].length; f++) {
      assert.ok(Buffer.isBuffer(received[i][f]), `message ${i} frame ${f} is a Buffer`)
      assert.ok(received[i][f].equals(sent[i][f]), `message ${i} frame ${f}`)
    }
  }
  assert.equal(pull.readable, false)
  closeAll(push, pull)
})

test("received Buffers are independent views: writing one leaves the others intact", async () => {
  const { pull, push } = await loaded(["aaaa", "bbbb", ["cc", "dd"]])
  const [a] = await pull.receive()
  const [b] = await pull.receive()
  const [c, d] = await pull.receive()
  a.fill(0x78)
  assert.equal(a.toString(), "xxxx")
  assert.deepEqual([b, c, d].map(String), ["bbbb", "cc", "dd"])
  assert.equal(b.length, 4)
  assert.equal(Buffer.concat([a, b]).toString(), "xxxxbbbb")
  closeAll(push, pull)
})

test("readable is true while received messages wait in the queue", async () => {
  const { pull, push } = await loaded(["1", "2", "3"])
  assert.equal(pull.readable, true)
  assert.equal((await pull.receive())[0].toString(), "1")
  /* the other two now wait in JavaScript, no longer in the socket */
  assert.equal(pull.readable, true)
  assert.equal((await pull.receive())[0].toString(), "2")
  assert.equal(pull.readable, true)
  assert.equal((await pull.receive())[0].toString(), "3")
  assert.equal(pull.readable, false)
  await push.send("4")
  assert.equal(pull.readable, true)
  assert.equal((await pull.receive())[0].toString(), "4")
  closeAll(push, pull)
})

test("receiveTimeout: queued messages come at once, then an empty queue times out", async () => {
  const { pull, push } = await loaded(["1", "2"], { receiveTimeout: 80 })
  assert.equal((await pull.receive())[0].toString(), "1")
  assert.equal((await pull.receive())[0].toString(), "2")
  const start = Date.now()
  await assert.rejects(pull.receive(), { code: "EAGAIN" })
  const elapsed = Date.now() - start
  assert.ok(elapsed >= 70 && elapsed < 1500, `timed out after ${elapsed} ms`)
  /* and with 0: whatever is queued, then EAGAIN at once */
  pull.receiveTimeout = 0
  await push.send("3")
  await push.send("4")
  assert.equal((await pull.receive())[0].toString(), "3")
  assert.equal((await pull.receive())[0].toString(), "4")
  await assert.rejects(pull.receive(), { code: "EAGAIN" })
  /* after a timeout the socket still works */
  pull.receiveTimeout = 80
  const later = pull.receive()
  await push.send("5")
  assert.equal((await within(2000, later))[0].toString(), "5")
  closeAll(push, pull)
})

test("close() with messages still queued: they are dropped, calls fail with EBADF", async () => {
  const { pull, push } = await loaded(["1", "2", "3"])
  assert.equal((await pull.receive())[0].toString(), "1")
  pull.close()
  assert.equal(pull.readable, false)
  assert.throws(() => pull.receive(), { code: "EBADF" })
  push.close()
})

test("async iteration over queued messages ends at close()", async () => {
  const { pull, push } = await loaded(["a", "b", "c", "d", "e"])
  const got = []
  await within(
    2000,
    (async () => {
      for await (const [msg] of pull) {
        got.push(msg.toString())
        if (got.length === 3) {
          pull.close()
        }
      }
    })(),
    "iteration",
  )
  assert.deepEqual(got, ["a", "b", "c"])
  push.close()
})

test("EBUSY only while a receive waits; a queued message is never delivered twice", async () => {
  const { pull, push } = await loaded(["1", "2"])
  const first = pull.receive()
  const second = pull.receive() /* served from the queue: nothing is pending */
  assert.deepEqual([(await first)[0].toString(), (await second)[0].toString()], ["1", "2"])
  const waiting = pull.receive()
  assert.throws(() => pull.receive(), { code: "EBUSY" })
  await push.send("3")
  assert.equal((await within(2000, waiting))[0].toString(), "3")
  closeAll(push, pull)
})

test("many messages over tcp arrive complete and in order", async () => {
  const pull = new zmq.Pull()
  const push = new zmq.Push({ linger: 0 })
  await tcpPair(pull, push)
  const count = 20000
  const sending = (async () => {
    for (let i = 0; i < count; i++) {
      await push.send(i % 100 === 0 ? [`${i}`, "more"] : `${i}`)
    }
  })()
  for (let i = 0; i < count; i++) {
    const msg = await pull.receive()
    assert.equal(msg[0].toString(), `${i}`)
    assert.equal(msg.length, i % 100 === 0 ? 2 : 1)
  }
  await sending
  closeAll(push, pull)
})

test("REQ/REP and CONFLATE still see one message at a time", async () => {
  const rep = new zmq.Reply()
  const req = new zmq.Request({ linger: 0 })
  await tcpPair(rep, req)
  for (let i = 0; i < 5; i++) {
    await req.send(`q${i}`)
    const [q] = await rep.receive()
    await rep.send(`r${q}`)
    assert.equal((await req.receive())[0].toString(), `rq${i}`)
  }
  closeAll(req, rep)

  /* CONFLATE keeps only the newest message: nothing older may wait in a queue. */
  const sub = new zmq.Pull({ conflate: true })
  const push = new zmq.Push({ linger: 0 })
  const address = inprocEndpoint()
  await sub.bind(address)
  push.connect(address)
  await push.send("old")
  await push.send("new")
  await sleep(20)
  assert.equal((await sub.receive())[0].toString(), "new")
  await push.send("newer")
  await sleep(20)
  assert.equal((await sub.receive())[0].toString(), "newer")
  closeAll(push, sub)
})
