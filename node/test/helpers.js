"use strict"
const os = require("os")
const path = require("path")
const { spawn } = require("child_process")

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

module.exports = {
  ipcEndpoint,
  inprocEndpoint,
  sleep,
  within,
  stillPending,
  closeAll,
  tcpPair,
  runChild,
}
