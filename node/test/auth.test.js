"use strict"
/*
 * PLAIN (RFC 24) and ZAP (RFC 27). The same test code runs with ferromq and with zeromq.js
 * (the real libzmq) on either side. A ferromq server is guarded by ferromq's Authenticator
 * (the core's ZAP handler); a zeromq.js server, zeromq.js having no authenticator, by a ZAP
 * handler written in JavaScript on a zeromq.js Reply socket, as its users write one.
 */
const test = require("node:test")
const assert = require("node:assert/strict")
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
const USERS = { admin: "secret" }
const libs = { ferromq: ferro, "zeromq.js": libzmq }

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
 * A ZAP handler in JavaScript: a Reply socket of `lib` at the ZAP endpoint of `context`,
 * answering [version, request id, status, status text, user id, metadata]. PLAIN users are
 * looked up in `users` (a live object: tests change it); NULL clients get in as "anonymous".
 */
async function zapHandler(lib, users, context) {
  const rep = new lib.Reply({ linger: 0, ...(context ? { context } : {}) })
  await rep.bind(ZAP_ENDPOINT)
  const requests = []
  const serving = (async () => {
    for await (const [version, requestId, domain, address, , mechanism, ...credentials] of rep) {
      const request = {
        version: String(version),
        domain: String(domain),
        address: String(address),
        mechanism: String(mechanism),
      }
      requests.push(request)
      let answer = ["200", "OK", "anonymous"]
      if (request.mechanism === "PLAIN") {
        const [username, password] = credentials.map(String)
        answer = users[username] === password ? ["200", "OK", username] : ["400", "Invalid password", ""]
      }
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
async function libzmqZap() {
  if (libzmqHandler === null) {
    libzmqHandler = await zapHandler(libzmq, USERS)
  }
  return libzmqHandler
}
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
    auth.configurePlain("*", USERS)
    return () => auth.stop()
  }
  await libzmqZap()
  return () => {}
}

const handlerName = (lib) => (lib === ferro ? "ferromq's Authenticator" : "a JavaScript ZAP handler")

for (const [serverName, serverLib] of Object.entries(libs)) {
  for (const [clientName, clientLib] of Object.entries(libs)) {
    const name = `PLAIN: ${serverName} server (${handlerName(serverLib)}), ${clientName} client`

    test(`${name}: the right password delivers ${MESSAGES} messages sent before close()`, async () => {
      const stop = await guard(serverLib)
      try {
        const server = new serverLib.Pull({ plainServer: true, receiveTimeout: 5000, linger: 0 })
        assert.equal(server.securityMechanism, "plain")
        await server.bind("tcp://127.0.0.1:*")
        const client = new clientLib.Push({ plainUsername: "admin", plainPassword: "secret" })
        assert.equal(client.securityMechanism, "plain")
        const observed = record(client)
        client.connect(server.lastEndpoint)
        await sendNumberedThenClose(client, MESSAGES)
        await receiveNumbered(server, MESSAGES)
        await observed.finished()
        const types = observed.events.map((e) => e.type)
        assert.ok(types.includes("handshake"), types.join(", "))
        assert.ok(!types.some((t) => t.startsWith("handshake:error")), types.join(", "))
        server.close()
      } finally {
        stop()
      }
    })

    test(`${name}: a wrong password is refused, handshake:error:auth 400 on both sides`, async () => {
      const stop = await guard(serverLib)
      try {
        const server = new serverLib.Pull({ plainServer: true, linger: 0 })
        const serverEvents = record(server)
        await server.bind("tcp://127.0.0.1:*")
        const client = new clientLib.Push({ plainUsername: "admin", plainPassword: "guess", linger: 0 })
        const clientEvents = record(client)
        client.connect(server.lastEndpoint)
        /* Not awaited: once the connection is refused the socket has no peer (libzmq does
           not redial after a refusal), and a send may wait until close() rejects it. */
        client.send("never").catch(() => {})
        const refused = await clientEvents.until(["handshake", "handshake:error:auth"])
        assert.equal(refused.type, "handshake:error:auth")
        assert.equal(refused.address, server.lastEndpoint)
        assert.equal(refused.error.status, 400)
        assert.equal(refused.error.message, "Authentication failure")
        const denied = await serverEvents.until(["handshake", "handshake:error:auth"])
        assert.equal(denied.type, "handshake:error:auth")
        assert.equal(denied.error.status, 400)
        server.receiveTimeout = 300
        await assert.rejects(server.receive(), { code: "EAGAIN" })
        closeAll(client, server)
        await clientEvents.finished()
        await serverEvents.finished()
      } finally {
        stop()
      }
    })
  }
}

/* Whether a `clientLib` client with these options gets past the handshake with `server`. */
async function handshake(server, clientLib, options) {
  const client = new clientLib.Push({ linger: 0, ...options })
  const observed = record(client)
  client.connect(server.lastEndpoint)
  const event = await observed.until(["handshake", "handshake:error:auth", "handshake:error:protocol"])
  client.close()
  await observed.finished()
  return event.type === "handshake" ? "in" : `${event.type} ${event.error.status ?? event.error.code}`
}

test("PLAIN: the JavaScript ZAP handler on a ferromq Reply guards a ferromq server (the request as libzmq's)", async () => {
  const handler = await zapHandler(ferro, USERS)
  try {
    const server = new ferro.Pull({ plainServer: true, zapDomain: "js", linger: 0 })
    await server.bind("tcp://127.0.0.1:*")
    assert.equal(await handshake(server, libzmq, { plainUsername: "admin", plainPassword: "secret" }), "in")
    assert.equal(await handshake(server, ferro, { plainUsername: "admin", plainPassword: "nope" }), "handshake:error:auth 400")
    assert.deepEqual(handler.requests.slice(0, 1), [
      { version: "1.0", domain: "js", address: "127.0.0.1", mechanism: "PLAIN" },
    ])
    server.close()
  } finally {
    await handler.close()
  }
})

for (const [clientName, clientLib] of Object.entries(libs)) {
  test(`Authenticator: deny and allow by address (NULL ${clientName} clients of a server with a zapDomain)`, async () => {
    const auth = new ferro.Authenticator()
    auth.start()
    try {
      const server = new ferro.Pull({ zapDomain: "global", linger: 0 })
      await server.bind("tcp://127.0.0.1:*")
      assert.equal(await handshake(server, clientLib), "in")
      auth.deny("127.0.0.1")
      assert.equal(await handshake(server, clientLib), "handshake:error:auth 400")
      auth.allow("10.0.0.1", Buffer.from("127.0.0.1")) /* an allow list overrides denials */
      assert.equal(await handshake(server, clientLib), "in")
      auth.stop()
      /* NULL without a ZAP handler: no one to ask, everyone in (libzmq) */
      assert.equal(await handshake(server, clientLib), "in")

      const messages = new ferro.Pull({ zapDomain: "global", linger: 0, receiveTimeout: 5000 })
      await messages.bind("tcp://127.0.0.1:*")
      const fresh = new ferro.Authenticator()
      fresh.allow("10.0.0.2")
      fresh.start()
      try {
        const push = new clientLib.Push({ linger: 0 })
        push.connect(messages.lastEndpoint)
        push.send("kept out").catch(() => {}) /* may wait for ever: the peer refuses */
        messages.receiveTimeout = 300
        await assert.rejects(messages.receive(), { code: "EAGAIN" })
        push.close()
      } finally {
        fresh.stop()
      }
      closeAll(server, messages)
    } finally {
      auth.stop()
    }
  })
}

test("Authenticator: PLAIN users per zapDomain, \"*\" for servers without one", async () => {
  const auth = new ferro.Authenticator()
  auth.start()
  try {
    const open = new ferro.Pull({ plainServer: true, linger: 0 })
    await open.bind("tcp://127.0.0.1:*")
    const plain = (user, password) => ({ plainUsername: user, plainPassword: password })
    /* no passwords at all: PLAIN clients are refused */
    assert.equal(await handshake(open, ferro, plain("admin", "secret")), "handshake:error:auth 400")
    auth.configurePlain("*", { admin: "secret" })
    auth.configurePlain("global", new Map([["alice", "wonderland"]]))
    const global = new ferro.Pull({ plainServer: true, zapDomain: "global", linger: 0 })
    await global.bind("tcp://127.0.0.1:*")
    for (const lib of [ferro, libzmq]) {
      assert.equal(await handshake(open, lib, plain("admin", "secret")), "in")
      assert.equal(await handshake(open, lib, plain("alice", "wonderland")), "handshake:error:auth 400")
      assert.equal(await handshake(global, lib, plain("alice", "wonderland")), "in")
      assert.equal(await handshake(global, lib, plain("admin", "secret")), "handshake:error:auth 400")
    }
    /* configuring a domain again replaces its users */
    auth.configurePlain("global", { bob: "builder" })
    assert.equal(await handshake(global, ferro, plain("alice", "wonderland")), "handshake:error:auth 400")
    assert.equal(await handshake(global, ferro, plain("bob", "builder")), "in")
    closeAll(open, global)
  } finally {
    auth.stop()
  }
})

test("Authenticator: start, isAlive, EADDRINUSE for a second one in a context, stop, start again", async () => {
  const first = new ferro.Authenticator()
  assert.equal(first.context, ferro.context)
  assert.equal(first.isAlive, false)
  first.start()
  first.start() /* running already: nothing */
  assert.equal(first.isAlive, true)
  const second = new ferro.Authenticator(ferro.context)
  assert.throws(() => second.start(), {
    name: "Error",
    code: "EADDRINUSE",
    errno: 98,
    message: "Address already in use",
  })
  assert.equal(second.isAlive, false)
  /* a ZAP handler written by hand is refused the endpoint too */
  const rep = new ferro.Reply({ linger: 0 })
  await assert.rejects(rep.bind(ZAP_ENDPOINT), { code: "EADDRINUSE" })
  rep.close()
  first.stop()
  assert.equal(first.isAlive, false)
  first.stop() /* stopped already: nothing */
  second.start()
  assert.equal(second.isAlive, true)
  second.stop()
  first.start()
  assert.equal(first.isAlive, true)
  first.stop()
})

test("Authenticator: one per context; each answers for its own context's servers", async () => {
  const ctx = new ferro.Context()
  const global = new ferro.Authenticator()
  const own = new ferro.Authenticator(ctx)
  assert.equal(own.context, ctx)
  global.start()
  own.start() /* another context: its own ZAP endpoint */
  try {
    global.configurePlain("*", { admin: "global" })
    own.configurePlain("*", { admin: "own" })
    const server = new ferro.Pull({ context: ctx, plainServer: true, linger: 0 })
    await server.bind("tcp://127.0.0.1:*")
    assert.equal(await handshake(server, ferro, { plainUsername: "admin", plainPassword: "own" }), "in")
    assert.equal(
      await handshake(server, ferro, { plainUsername: "admin", plainPassword: "global" }),
      "handshake:error:auth 400",
    )
    server.close()
  } finally {
    own.stop()
    global.stop()
  }
})

test("Authenticator: argument errors", () => {
  assert.throws(() => new ferro.Authenticator({}), { name: "Error", message: "Invalid argument" })
  assert.throws(() => new ferro.Authenticator(ferro.context, 1), {
    name: "TypeError",
    message: "Expected 1 argument but received 2",
  })
  const auth = new ferro.Authenticator()
  assert.throws(() => auth.allow(5), { name: "TypeError", message: "Address must be a string" })
  assert.throws(() => auth.deny(null), { name: "TypeError", message: "Address must be a string" })
  assert.throws(() => auth.configurePlain(1, {}), { name: "TypeError", message: "Domain must be a string" })
  assert.throws(() => auth.configurePlain("*", "admin:secret"), {
    name: "TypeError",
    message: "Passwords must be an object of username: password",
  })
  assert.throws(() => auth.configurePlain("*", { admin: 5 }), {
    name: "TypeError",
    message: "Username and password must be a string",
  })
  assert.throws(() => auth.start(1), { name: "TypeError" })
  assert.throws(() => auth.configureCurve("*", "/no/such/certificates"), { code: "ENOENT" }) /* CURVE: curve.test.js */
  assert.throws(() => (auth.extra = 1), TypeError) /* sealed, as the sockets */
  auth.configurePlain() /* "*" with no users */
  assert.equal(auth.isAlive, false)
})

test("Authenticator: one left running neither keeps the process alive nor holds its exit", async () => {
  const { code, output, elapsed } = await runChild(
    `const zmq = require(".")
     const auth = new zmq.Authenticator()
     auth.start()
     auth.configurePlain("*", { admin: "secret" })
     const own = new zmq.Authenticator(new zmq.Context())
     own.start()
     const server = new zmq.Pull({ plainServer: true })
     server.bind("tcp://127.0.0.1:*").then(() => console.log("bound", auth.isAlive, own.isAlive))`,
    10000,
  )
  assert.equal(code, 0, output)
  assert.equal(output.trim(), "bound true true")
  assert.ok(elapsed < 5000, `exited after ${elapsed} ms`)
})

test("Authenticator: one a worker thread leaves running serves the shared context, and ends with the worker", async () => {
  const { Worker } = require("node:worker_threads")
  const server = new ferro.Pull({ plainServer: true, linger: 0 })
  await server.bind("tcp://127.0.0.1:*")
  const worker = new Worker(
    `const zmq = require(${JSON.stringify(require.resolve(".."))})
     const { parentPort } = require("node:worker_threads")
     const auth = new zmq.Authenticator()
     auth.start()
     auth.configurePlain("*", { worker: "thread" })
     parentPort.once("message", () => process.exit(0))
     parentPort.postMessage("started")`,
    { eval: true },
  )
  await within(5000, new Promise((resolve) => worker.once("message", resolve)), "the worker")
  assert.equal(await handshake(server, ferro, { plainUsername: "worker", plainPassword: "thread" }), "in")
  const second = new ferro.Authenticator()
  assert.throws(() => second.start(), { code: "EADDRINUSE" })
  const exited = new Promise((resolve) => worker.once("exit", resolve))
  worker.postMessage("exit")
  await within(5000, exited, "the worker's exit")
  second.start() /* the worker's authenticator stopped with it: the endpoint is free */
  second.stop()
  server.close()
})

for (const [serverName, serverLib, clientLib] of [
  ["ferromq", ferro, libzmq],
  ["zeromq.js", libzmq, ferro],
]) {
  test(`PLAIN: a ${serverName} server without a ZAP handler refuses everyone (handshake:error:other EFAULT)`, async () => {
    const ctx = new serverLib.Context() /* no handler bound in this one */
    const server = new serverLib.Pull({ context: ctx, plainServer: true, linger: 0 })
    const observed = record(server)
    await server.bind("tcp://127.0.0.1:*")
    const client = new clientLib.Push({ plainUsername: "admin", plainPassword: "secret", linger: 0 })
    client.connect(server.lastEndpoint)
    client.send("hello").catch(() => {}) /* may wait for ever: the peer refuses */
    const failed = await observed.until(["handshake", "handshake:error:other"])
    assert.equal(failed.type, "handshake:error:other")
    assert.equal(failed.error.code, "EFAULT")
    server.receiveTimeout = 300
    await assert.rejects(server.receive(), { code: "EAGAIN" })
    closeAll(client, server)
    await observed.finished()
  })
}
