"use strict"
/*
 * CURVE (RFC 26), with ZAP (RFC 27) deciding which client keys get in. The same test code
 * runs with ferromq and with zeromq.js (the real libzmq, which has CURVE) on either side. A
 * ferromq server is guarded by ferromq's Authenticator with a directory of public
 * certificates; a zeromq.js server by a ZAP handler written in JavaScript on a zeromq.js
 * Reply socket that checks the client's key, as its users write one.
 */
const test = require("node:test")
const assert = require("node:assert/strict")
const fs = require("node:fs")
const os = require("node:os")
const path = require("node:path")
const ferro = require("..")
const libzmq = require("zeromq")
const {
  within,
  sleep,
  closeAll,
  runChild,
  sendNumberedThenClose,
  receiveNumbered,
} = require("./helpers")

const ZAP_ENDPOINT = "inproc://zeromq.zap.01"
const MESSAGES = 10_000
const libs = { ferromq: ferro, "zeromq.js": libzmq }

/* Z85 (RFC 32), for the JavaScript ZAP handler, which gets a client's key as 32 bytes. */
const Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"
function z85(bytes) {
  let text = ""
  for (let i = 0; i < bytes.length; i += 4) {
    let value = bytes.readUInt32BE(i)
    let chunk = ""
    for (let j = 0; j < 5; j++) {
      chunk = Z85[value % 85] + chunk
      value = Math.floor(value / 85)
    }
    text += chunk
  }
  return text
}

/* The server's key pair and a client's certificate, the latter in a directory of its own
   (the Authenticator's location) as createCertificates writes it. */
const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), "ferromq-node-curve-"))
const certs = path.join(keyDir, "clients")
fs.mkdirSync(certs)
const server = ferro.curveKeyPair()
const { publicFile, secretFile } = ferro.createCertificates(keyDir, "client")
fs.copyFileSync(publicFile, path.join(certs, "client.key"))
const client = ferro.loadCertificate(secretFile)
/* Keys no one let in. */
const stranger = libzmq.curveKeyPair()
test.after(() => fs.rmSync(keyDir, { recursive: true, force: true }))

const serverOptions = () => ({ curveServer: true, curveSecretKey: server.secretKey })
const clientOptions = (keys = client, serverKey = server.publicKey) => ({
  curveServerKey: serverKey,
  curvePublicKey: keys.publicKey,
  curveSecretKey: keys.secretKey,
})

/* Records a socket's events (`sock.events`) in the background. */
function record(socket) {
  const events = []
  const done = (async () => {
    for await (const event of socket.events) {
      events.push(event)
    }
  })()
  return {
    events,
    /* Resolves with the first event of one of `types` (waits up to `ms`). */
    async until(types, ms = 5000) {
      const wanted = [].concat(types)
      const deadline = Date.now() + ms
      for (;;) {
        const found = events.find((e) => wanted.includes(e.type))
        if (found) {
          return found
        }
        if (Date.now() > deadline) {
          const seen = events.map((e) => e.type).join(", ")
          throw new Error(`no ${wanted.join(" or ")} event within ${ms} ms; got ${seen}`)
        }
        await sleep(5)
      }
    },
    finished: (ms = 5000) => within(ms, done, "the event iteration"),
  }
}

/*
 * A ZAP handler in JavaScript: a Reply socket of `lib` at the ZAP endpoint, answering
 * [version, request id, status, status text, user id, metadata]. A CURVE client gets in
 * when its key (32 bytes in the request) is in `keys` (Z85); NULL clients as "anonymous".
 */
async function zapHandler(lib, keys) {
  const rep = new lib.Reply({ linger: 0 })
  await rep.bind(ZAP_ENDPOINT)
  const requests = []
  const serving = (async () => {
    for await (const [version, requestId, domain, address, , mechanism, ...credentials] of rep) {
      const request = { version: String(version), domain: String(domain), mechanism: String(mechanism) }
      let answer = ["200", "OK", "anonymous"]
      if (request.mechanism === "CURVE") {
        request.key = credentials.length === 1 && credentials[0].length === 32 ? z85(credentials[0]) : null
        answer = keys.includes(request.key) ? ["200", "OK", request.key] : ["400", "Unknown key", ""]
      }
      requests.push(request)
      await rep.send(["1.0", requestId, ...answer, ""])
    }
  })()
  return {
    requests,
    async close() {
      rep.close()
      await serving
    },
  }
}

/* zeromq.js's default context keeps one JavaScript ZAP handler for the whole file: libzmq
   frees an inproc name only once its reaper has closed the socket, some time after close(). */
let libzmqHandler = null
test.after(async () => {
  if (libzmqHandler !== null) {
    await libzmqHandler.close()
  }
})

/* Guards `serverLib`'s default context with its ZAP handler; returns the handler's stop. */
async function guard(serverLib) {
  if (serverLib === ferro) {
    const auth = new ferro.Authenticator()
    auth.start()
    auth.configureCurve("*", certs)
    return () => auth.stop()
  }
  if (libzmqHandler === null) {
    libzmqHandler = await zapHandler(libzmq, [client.publicKey])
  }
  return () => {}
}

const handlerName = (lib) =>
  lib === ferro ? "ferromq's Authenticator with a certificate directory" : "a JavaScript ZAP handler"

for (const [serverName, serverLib] of Object.entries(libs)) {
  for (const [clientName, clientLib] of Object.entries(libs)) {
    const name = `CURVE: ${serverName} server (${handlerName(serverLib)}), ${clientName} client`

    test(`${name}: a known key delivers ${MESSAGES} messages sent before close()`, async () => {
      const stop = await guard(serverLib)
      try {
        const pull = new serverLib.Pull({ ...serverOptions(), receiveTimeout: 5000, linger: 0 })
        assert.equal(pull.securityMechanism, "curve")
        assert.equal(pull.curveServer, true)
        await pull.bind("tcp://127.0.0.1:*")
        const push = new clientLib.Push(clientOptions())
        assert.equal(push.securityMechanism, "curve")
        assert.equal(push.curveServer, false)
        const observed = record(push)
        push.connect(pull.lastEndpoint)
        await sendNumberedThenClose(push, MESSAGES)
        await receiveNumbered(pull, MESSAGES)
        await observed.finished()
        const types = observed.events.map((e) => e.type)
        assert.ok(types.includes("handshake"), types.join(", "))
        assert.ok(!types.some((t) => t.startsWith("handshake:error")), types.join(", "))
        pull.close()
      } finally {
        stop()
      }
    })

    test(`${name}: an unknown client key is refused, handshake:error:auth 400 on both sides`, async () => {
      const stop = await guard(serverLib)
      try {
        const pull = new serverLib.Pull({ ...serverOptions(), linger: 0 })
        const serverEvents = record(pull)
        await pull.bind("tcp://127.0.0.1:*")
        const push = new clientLib.Push({ ...clientOptions(stranger), linger: 0 })
        const clientEvents = record(push)
        push.connect(pull.lastEndpoint)
        /* Not awaited: once refused the socket has no peer (libzmq does not redial after a
           refusal), and a send may wait until close() rejects it. */
        push.send("never").catch(() => {})
        const refused = await clientEvents.until(["handshake", "handshake:error:auth"])
        assert.equal(refused.type, "handshake:error:auth")
        assert.equal(refused.address, pull.lastEndpoint)
        assert.equal(refused.error.status, 400)
        const denied = await serverEvents.until(["handshake", "handshake:error:auth"])
        assert.equal(denied.type, "handshake:error:auth")
        assert.equal(denied.error.status, 400)
        pull.receiveTimeout = 300
        await assert.rejects(pull.receive(), { code: "EAGAIN" })
        closeAll(push, pull)
        await clientEvents.finished()
        await serverEvents.finished()
      } finally {
        stop()
      }
    })

    test(`${name}: a wrong server key fails the handshake (ERR_ZMTP_CRYPTOGRAPHIC at the server)`, async () => {
      const stop = await guard(serverLib)
      try {
        const pull = new serverLib.Pull({ ...serverOptions(), linger: 0 })
        const serverEvents = record(pull)
        await pull.bind("tcp://127.0.0.1:*")
        const push = new clientLib.Push({ ...clientOptions(client, stranger.publicKey), linger: 0 })
        const clientEvents = record(push)
        push.connect(pull.lastEndpoint)
        push.send("never").catch(() => {})
        const failed = await serverEvents.until(["handshake", "handshake:error:protocol"])
        assert.equal(failed.type, "handshake:error:protocol")
        assert.equal(failed.error.code, "ERR_ZMTP_CRYPTOGRAPHIC")
        /* The client sees the connection dropped during the handshake, never a handshake. */
        await clientEvents.until(["handshake:error:other", "disconnect"])
        pull.receiveTimeout = 300
        await assert.rejects(pull.receive(), { code: "EAGAIN" })
        closeAll(push, pull)
        await clientEvents.finished()
        await serverEvents.finished()
        assert.ok(!clientEvents.events.some((e) => e.type === "handshake"))
      } finally {
        stop()
      }
    })
  }
}

/* Whether a `clientLib` client with these options gets past the handshake with `server`. */
async function handshake(serverSocket, clientLib, options) {
  const push = new clientLib.Push({ linger: 0, ...options })
  const observed = record(push)
  push.connect(serverSocket.lastEndpoint)
  const event = await observed.until(["handshake", "handshake:error:auth", "handshake:error:protocol"])
  push.close()
  await observed.finished()
  return event.type === "handshake" ? "in" : `${event.type} ${event.error.status ?? event.error.code}`
}

test("CURVE: the JavaScript ZAP handler on a ferromq Reply guards a ferromq server (the request as libzmq's)", async () => {
  const ctx = new ferro.Context()
  const rep = new ferro.Reply({ context: ctx, linger: 0 })
  await rep.bind(ZAP_ENDPOINT)
  const requests = []
  const serving = (async () => {
    for await (const [, requestId, domain, , , mechanism, key] of rep) {
      requests.push([String(domain), String(mechanism), z85(key)])
      const ok = z85(key) === client.publicKey
      await rep.send(["1.0", requestId, ok ? "200" : "400", ok ? "OK" : "Unknown key", ok ? "me" : "", ""])
    }
  })()
  const pull = new ferro.Pull({ context: ctx, ...serverOptions(), zapDomain: "js", linger: 0 })
  await pull.bind("tcp://127.0.0.1:*")
  assert.equal(await handshake(pull, libzmq, clientOptions()), "in")
  assert.equal(await handshake(pull, ferro, clientOptions(stranger)), "handshake:error:auth 400")
  assert.deepEqual(requests, [
    ["js", "CURVE", client.publicKey],
    ["js", "CURVE", stranger.publicKey],
  ])
  closeAll(pull, rep)
  await serving
})

test("Authenticator: CURVE keys per zapDomain, replaced when configured again; allow any", async () => {
  const auth = new ferro.Authenticator()
  auth.start()
  try {
    const open = new ferro.Pull({ ...serverOptions(), linger: 0 })
    await open.bind("tcp://127.0.0.1:*")
    /* nothing configured: every CURVE client is refused */
    assert.equal(await handshake(open, ferro, clientOptions()), "handshake:error:auth 400")
    auth.configureCurve("*", certs)
    const other = path.join(keyDir, "other")
    fs.mkdirSync(other)
    const { publicFile: strangerFile } = ferro.createCertificates(other, "stranger")
    const strangerKeys = ferro.loadCertificate(path.join(other, "stranger.key_secret"))
    assert.equal(ferro.loadCertificate(strangerFile).secretKey, null)
    auth.configureCurve("global", other)
    const global = new ferro.Pull({ ...serverOptions(), zapDomain: "global", linger: 0 })
    await global.bind("tcp://127.0.0.1:*")
    for (const lib of [ferro, libzmq]) {
      assert.equal(await handshake(open, lib, clientOptions()), "in")
      assert.equal(await handshake(open, lib, clientOptions(strangerKeys)), "handshake:error:auth 400")
      assert.equal(await handshake(global, lib, clientOptions(strangerKeys)), "in")
      assert.equal(await handshake(global, lib, clientOptions()), "handshake:error:auth 400")
    }
    /* configuring a domain again replaces its keys: an empty directory lets no one in */
    const empty = path.join(keyDir, "empty")
    fs.mkdirSync(empty)
    auth.configureCurve("global", empty)
    assert.equal(await handshake(global, ferro, clientOptions(strangerKeys)), "handshake:error:auth 400")
    /* a domain nobody configured: refused */
    const unknown = new ferro.Pull({ ...serverOptions(), zapDomain: "nobody", linger: 0 })
    await unknown.bind("tcp://127.0.0.1:*")
    assert.equal(await handshake(unknown, ferro, clientOptions()), "handshake:error:auth 400")
    /* CURVE_ALLOW_ANY: every key, every domain */
    assert.equal(ferro.Authenticator.CURVE_ALLOW_ANY, "*")
    auth.configureCurve("*", ferro.Authenticator.CURVE_ALLOW_ANY)
    for (const lib of [ferro, libzmq]) {
      assert.equal(await handshake(unknown, lib, clientOptions(stranger)), "in")
      assert.equal(await handshake(global, lib, clientOptions()), "in")
    }
    closeAll(open, global, unknown)
  } finally {
    auth.stop()
  }
})

for (const [serverName, serverLib, clientLib] of [
  ["ferromq", ferro, libzmq],
  ["zeromq.js", libzmq, ferro],
]) {
  test(`CURVE: a ${serverName} server without a ZAP handler lets every key in, as libzmq`, async () => {
    const ctx = new serverLib.Context() /* no handler bound in this one */
    const pull = new serverLib.Pull({ context: ctx, ...serverOptions(), linger: 0, receiveTimeout: 5000 })
    await pull.bind("tcp://127.0.0.1:*")
    const push = new clientLib.Push({ ...clientOptions(stranger), linger: 0 })
    push.connect(pull.lastEndpoint)
    await push.send("hello")
    assert.deepEqual((await pull.receive()).map(String), ["hello"])
    closeAll(push, pull)
  })
}

test("curveKeyPair, curvePublic, createCertificates and loadCertificate", () => {
  const pair = ferro.curveKeyPair()
  assert.deepEqual(Object.keys(pair), ["publicKey", "secretKey"])
  assert.match(pair.publicKey, /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/)
  assert.match(pair.secretKey, /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/)
  assert.notEqual(ferro.curveKeyPair().secretKey, pair.secretKey)
  assert.equal(ferro.curvePublic(pair.secretKey), pair.publicKey)
  /* zeromq.js's pairs are libzmq's: the same keys */
  const theirs = libzmq.curveKeyPair()
  assert.equal(ferro.curvePublic(theirs.secretKey), theirs.publicKey)
  assert.equal(ferro.curvePublic(Buffer.from(theirs.secretKey)), theirs.publicKey)
  assert.throws(() => ferro.curvePublic("short"), { code: "EINVAL", message: "Invalid argument" })
  assert.throws(() => ferro.curvePublic(5), { name: "TypeError" })

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ferromq-node-certs-"))
  try {
    const files = ferro.createCertificates(dir, "node")
    assert.deepEqual(files, { publicFile: path.join(dir, "node.key"), secretFile: path.join(dir, "node.key_secret") })
    assert.equal(fs.statSync(files.secretFile).mode & 0o777, 0o600)
    const both = ferro.loadCertificate(files.secretFile)
    const pub = ferro.loadCertificate(new URL(`file://${files.publicFile}`))
    assert.deepEqual(pub, { publicKey: both.publicKey, secretKey: null })
    assert.equal(ferro.curvePublic(both.secretKey), both.publicKey)
    assert.match(fs.readFileSync(files.publicFile, "utf8"), /public-key = "/)
    assert.throws(() => ferro.loadCertificate(path.join(dir, "missing.key")), { code: "ENOENT" })
    fs.writeFileSync(path.join(dir, "bad.key"), "curve\n    public-key = \"nope\"\n")
    assert.throws(() => ferro.loadCertificate(path.join(dir, "bad.key")), { code: "EINVAL" })
    assert.throws(() => ferro.createCertificates(path.join(dir, "missing"), "x"), { code: "ENOENT" })
    assert.throws(() => ferro.createCertificates(dir), { name: "TypeError" })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test("CURVE options: set as Z85 or 32 bytes, read back as Z85; libzmq's roles and errors", () => {
  const socket = new ferro.Dealer({ linger: 0 })
  assert.equal(socket.curveServer, false)
  assert.equal(socket.securityMechanism, null)
  assert.equal(socket.curveServerKey, "0".repeat(40)) /* unset: zeros, as libzmq reads it */
  socket.curveSecretKey = server.secretKey
  assert.equal(socket.securityMechanism, "curve")
  assert.equal(socket.curveSecretKey, server.secretKey)
  assert.equal(socket.getStringOption(49), server.secretKey)
  socket.curveServer = true
  assert.equal(socket.curveServer, true)
  /* a server key makes the socket a client */
  const raw = Buffer.alloc(32, 7)
  socket.curveServerKey = raw
  assert.equal(socket.curveServer, false)
  assert.equal(socket.securityMechanism, "curve")
  assert.equal(socket.curveServerKey, z85(raw))
  socket.setStringOption(48, client.publicKey)
  assert.equal(socket.curvePublicKey, client.publicKey)
  for (const value of ["short", "", null, '"'.repeat(40), Buffer.alloc(31)]) {
    assert.throws(() => (socket.curvePublicKey = value), { code: "EINVAL", message: "Invalid argument" }, String(value))
  }
  assert.equal(socket.curvePublicKey, client.publicKey)
  assert.throws(() => (socket.curveSecretKey = 5), { name: "TypeError", message: "Option value must be a string or buffer" })
  assert.throws(() => (socket.curveServer = 1), { name: "TypeError", message: "Option value must be a boolean" })
  socket.curveServer = false
  assert.equal(socket.securityMechanism, null)
  /* PLAIN then CURVE: the last one set wins, as in libzmq */
  socket.plainUsername = "admin"
  assert.equal(socket.securityMechanism, "plain")
  socket.curveServer = true
  assert.equal(socket.securityMechanism, "curve")
  assert.equal(socket.plainServer, false)
  socket.close()
  assert.throws(() => socket.curveServer, { code: "ENOTSOCK" })
  assert.equal(ferro.capability.curve, true)
  assert.equal(ferro.capability.gssapi, false)
})

test("Authenticator.configureCurve: argument errors, a missing directory", () => {
  const auth = new ferro.Authenticator()
  assert.throws(() => auth.configureCurve("*"), { name: "TypeError", message: "Location must be a string" })
  assert.throws(() => auth.configureCurve(1, certs), { name: "TypeError", message: "Domain must be a string" })
  assert.throws(() => auth.configureCurve("*", certs, 1), { name: "TypeError", message: "Expected 2 arguments but received 3" })
  assert.throws(() => auth.configureCurve("*", path.join(keyDir, "missing")), { code: "ENOENT" })
  assert.throws(() => auth.configureGssapi(), { code: "ENOTSUP" })
  auth.configureCurve("d", Buffer.from(certs))
  auth.configureCurve(undefined, certs) /* "*" */
})

test("CURVE: a running Authenticator with CURVE keys does not hold the process's exit", async () => {
  const { code, output, elapsed } = await runChild(
    `const zmq = require(".")
     const auth = new zmq.Authenticator()
     auth.start()
     auth.configureCurve("*", ${JSON.stringify(certs)})
     const { secretKey } = zmq.curveKeyPair()
     const server = new zmq.Pull({ curveServer: true, curveSecretKey: secretKey })
     server.bind("tcp://127.0.0.1:*").then(() => console.log("bound", server.securityMechanism))`,
    10000,
  )
  assert.equal(code, 0, output)
  assert.equal(output.trim(), "bound curve")
  assert.ok(elapsed < 5000, `exited after ${elapsed} ms`)
})
