"use strict"
/* Large messages: one message costs time linear in its size (256 MiB must take well under
 * 16 times what 64 MiB takes: a quadratic path takes 16 times, a linear one about 4), and
 * a 2 GiB + 1 B message arrives whole where the machine has the memory. Buffers are sent
 * and received without copies (see src/convert.rs in the binding). */
const test = require("node:test")
const assert = require("node:assert/strict")
const os = require("node:os")
const zmq = require("..")
const { tcpPair, closeAll, runChild } = require("./helpers")

const MIB = 1 << 20

/* Seconds from send to the end of receive for one message of `payload`, on a new pair. */
async function transferTime(payload) {
  const receiver = new zmq.Pair({ linger: 0, receiveTimeout: 60000 })
  const sender = new zmq.Pair({ linger: 0 })
  await tcpPair(receiver, sender)
  const start = process.hrtime.bigint()
  await sender.send(payload)
  const [got] = await receiver.receive()
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9
  assert.equal(got.length, payload.length)
  assert.equal(got[0], payload[0])
  assert.equal(got[got.length - 1], payload[payload.length - 1])
  closeAll(sender, receiver)
  return elapsed
}

async function bestTime(size) {
  const payload = Buffer.alloc(size, 0x5a)
  let best = Infinity
  for (let round = 0; round < 3; round++) best = Math.min(best, await transferTime(payload))
  return best
}

test("a large message costs time linear in its size", async () => {
  const small = await bestTime(64 * MIB)
  const large = await bestTime(256 * MIB)
  assert.ok(
    large < small * 8 + 0.05,
    `256 MiB took ${large.toFixed(3)} s, 64 MiB ${small.toFixed(3)} s`,
  )
})

test("a large message sent right before the process exits is delivered", async () => {
  const pull = new zmq.Pull({ receiveTimeout: 20000 })
  await pull.bind("tcp://127.0.0.1:*")
  const sender = runChild(
    `
    const zmq = require(".")
    const push = new zmq.Push()
    push.connect(${JSON.stringify(pull.lastEndpoint)})
    push.send(Buffer.alloc(${64 * MIB}, 9)).then(() => push.close())
    `,
    20000,
  )
  const [got] = await pull.receive()
  assert.equal(got.length, 64 * MIB)
  assert.equal(got[64 * MIB - 1], 9)
  const { code, signal, output } = await sender
  assert.equal(signal, null, output)
  assert.equal(code, 0, output)
  pull.close()
})

test("a large reply that echoes the received Buffer survives the replier's exit", async () => {
  /* The reply shares the request's memory: it must stay valid while the reply is written,
     after the replier's JavaScript is gone (its Buffers are finalized at exit). */
  const req = new zmq.Request({ receiveTimeout: 20000 })
  await req.bind("tcp://127.0.0.1:*")
  const replier = runChild(
    `
    const zmq = require(".")
    const rep = new zmq.Reply()
    rep.connect(${JSON.stringify(req.lastEndpoint)})
    rep.receive().then(([msg]) => rep.send(msg)).then(() => rep.close())
    `,
    20000,
  )
  const request = Buffer.alloc(64 * MIB)
  for (let i = 0; i < request.length; i += 4096) request[i] = (i / 4096) & 0xff
  await req.send(request)
  const [reply] = await req.receive()
  assert.ok(reply.equals(request), "the reply is the request, byte for byte")
  const { code, signal, output } = await replier
  assert.equal(signal, null, output)
  assert.equal(code, 0, output)
  req.close()
})

const size2GiB = 2 * 1024 * MIB + 1
/* The sender's Buffer and the received one, and room to spare; and a Node whose Buffers
 * can be that long (buffer.constants.MAX_LENGTH: 4 GiB on 64-bit Node 20). */
const maxBuffer = require("node:buffer").constants.MAX_LENGTH
const skip2GiB =
  os.freemem() < 3 * size2GiB
    ? "needs 6 GiB of available memory"
    : maxBuffer < size2GiB
      ? `Buffers are limited to ${maxBuffer} bytes in this Node`
      : false

test("a 2 GiB + 1 B message arrives whole", { skip: skip2GiB }, async () => {
  const payload = Buffer.alloc(size2GiB, 7)
  await transferTime(payload)
})
