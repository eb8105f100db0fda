"use strict"
const os = require("os")
const path = require("path")
const { spawn } = require("child_process")
const assert = require("node:assert/strict")

let counter = 0

/** A fresh ipc endpoint in the temp directory. */
function ipcEndpoint() {
  return `ipc://${path.join(os.tmpdir(), `ferromq-node-${process.pid}-${++counter}.sock`)}`
}

/** A fresh inproc endpoint. */
function inprocEndpoint() {
  return `inproc://ferromq-node-test-${++counter}`
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

/** Rejects if `promise` takes longer than `ms`. */
function within(ms, promise, what = "operation") {
  let timer
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** Whether `promise` is still pending after `ms`. */
async function stillPending(promise, ms) {
  let settled = false
  promise.then(
    () => (settled = true),
    () => (settled = true),
  )
  await sleep(ms)
  return !settled
}

/** Closes every socket given (ignoring already-closed ones). */
function closeAll(...sockets) {
  for (const socket of sockets) {
    if (socket && !socket.closed) {
      socket.close()
    }
  }
}

/** Binds `bound` to a tcp wildcard port and connects `connecting` to it. */
async function tcpPair(bound, connecting) {
  await bound.bind("tcp://127.0.0.1:*")
  connecting.connect(bound.lastEndpoint)
  return bound.lastEndpoint
}

/** Runs `source` in a child node (cwd: the package); killed after `timeoutMs`. */
function runChild(source, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["-e", source], {
      cwd: path.join(__dirname, ".."),
      stdio: ["ignore", "pipe", "pipe"],
    })
    let output = ""
    child.stdout.on("data", (d) => (output += d))
    child.stderr.on("data", (d) => (output += d))
    const start = Date.now()
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("exit", (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, output, elapsed: Date.now() - start })
    })
  })
}

/** Sends `count` messages "0", "1"… and closes `client` right after the last one. */
async function sendNumberedThenClose(client, count) {
  const sending = (async () => {
    for (let seq = 0; seq < count; seq++) {
      await client.send(String(seq))
    }
  })()
  await within(30000, sending, "sending")
  client.close()
}

/** Receives `count` messages on `server` and checks that each is the next number. */
async function receiveNumbered(server, count) {
  let received = 0
  let wrong = null
  while (received < count) {
    let frames
    try {
      frames = await server.receive()
    } catch (error) {
      assert.fail(`${received} of ${count} messages received, then ${error.code}`)
    }
    if (wrong === null && (frames.length !== 1 || frames[0].toString() !== String(received))) {
      wrong = `message ${received}: ${frames.map(String)}`
    }
    received++
  }
  assert.equal(wrong, null)
}

module.exports = {
  sendNumberedThenClose,
  receiveNumbered,
  ipcEndpoint,
  inprocEndpoint,
  sleep,
  within,
  stillPending,
  closeAll,
  tcpPair,
  runChild,
}
