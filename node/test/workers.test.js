"use strict"
/* Worker threads: the default context is one for the whole process, as zeromq.js's, so
   inproc endpoints bound in one thread are reachable from the others. The same code runs on
   zeromq.js and on ferromq. */
const test = require("node:test")
const assert = require("node:assert/strict")
const { Worker } = require("node:worker_threads")
const { within } = require("./helpers")

const libs = { zeromq: require.resolve("zeromq"), ferromq: require.resolve("..") }
const COUNT = 2000

/* A worker that connects a PUSH to `endpoint`, sends COUNT numbered messages, and ends,
   closing its socket or (`close` false) leaving it to the thread's exit. */
function pushingWorker(lib, endpoint, close) {
  const source = `
    const zmq = require(${JSON.stringify(lib)})
    ;(async () => {
      const push = new zmq.Push()
      push.connect(${JSON.stringify(endpoint)})
      for (let i = 0; i < ${COUNT}; i++) await push.send(String(i))
      if (${close}) push.close()
    })()
  `
  return new Worker(source, { eval: true })
}

for (const [name, lib] of Object.entries(libs)) {
  for (const close of [true, false]) {
    test(`${name}: a worker's inproc PUSH reaches the main thread's PULL (${close ? "closed" : "left open"} at its end)`, async () => {
      const zmq = require(lib)
      const endpoint = `inproc://workers-${name}-${close}`
      const pull = new zmq.Pull({ linger: 0 })
      await pull.bind(endpoint)
      const worker = pushingWorker(lib, endpoint, close)
      const exited = new Promise((resolve) => worker.on("exit", resolve))
      for (let i = 0; i < COUNT; i++) {
        const [message] = await within(5000, pull.receive(), `message ${i}`)
        assert.equal(String(message), String(i))
      }
      assert.equal(await within(5000, exited, "the worker's exit"), 0)
      pull.close()
    })
  }

  test(`${name}: the main thread's PUSH reaches a PULL bound in a worker`, async () => {
    const zmq = require(lib)
    const endpoint = `inproc://workers-bound-${name}`
    const source = `
      const { parentPort } = require("node:worker_threads")
      const zmq = require(${JSON.stringify(lib)})
      ;(async () => {
        const pull = new zmq.Pull()
        await pull.bind(${JSON.stringify(endpoint)})
        parentPort.postMessage("bound")
        let received = 0
        for (; received < ${COUNT}; received++) {
          const [message] = await pull.receive()
          if (String(message) !== String(received)) break
        }
        parentPort.postMessage(received)
        pull.close()
      })()
    `
    const worker = new Worker(source, { eval: true })
    const messages = []
    const next = () => new Promise((resolve) => worker.once("message", resolve))
    assert.equal(await within(5000, next(), "the worker's bind"), "bound")
    const counted = next()
    const push = new zmq.Push({ linger: 1000 })
    push.connect(endpoint)
    for (let i = 0; i < COUNT; i++) {
      await push.send(String(i))
    }
    messages.push(await within(5000, counted, "the worker's count"))
    assert.deepEqual(messages, [COUNT])
    push.close()
    await new Promise((resolve) => worker.on("exit", resolve))
  })
}
