"use strict"
/*
 * zeromq.js's behaviour, case by case: each case runs the same code on the `zeromq` package
 * and on `ferromq`, and both must end the same way — the same value, or the same error
 * (class, message, code, errno, address). The few places where FerroMQ differs on purpose
 * are in the README's "Differences" and tested in `differences` below.
 */
const test = require("node:test")
const assert = require("node:assert/strict")
const libs = { zeromq: require("zeromq"), ferromq: require("..") }
const net = require("node:net")
const { sleep } = require("./helpers")

let created = []
let counter = 0
const unique = (name) => `inproc://compat-${name}-${process.pid}-${++counter}`
const sock = (z, type = "Dealer", options = { linger: 0 }) => {
  const socket = new z[type](options)
  created.push(socket)
  return socket
}

/* An outcome that can be compared across the two libraries. */
function describe(value) {
  if (value instanceof Error) {
    const error = { class: value.constructor.name, message: value.message }
    for (const key of ["code", "errno", "address"]) {
      if (value[key] !== undefined) {
        error[key] = value[key]
      }
    }
    return { error }
  }
  return { value: value === undefined ? "undefined" : JSON.parse(JSON.stringify(value)) }
}

/* Runs a case; a promise still pending after `waitMs` is reported as such. */
async function outcome(body, waitMs = 2000) {
  let timer
  const pending = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ pending: true }), waitMs)
  })
  const run = (async () => {
    try {
      return describe(await body())
    } catch (error) {
      return describe(error)
    }
  })()
  const result = await Promise.race([run, pending])
  clearTimeout(timer)
  await sleep(5)
  for (const socket of created) {
    if (!socket.closed) {
      socket.close()
    }
  }
  created = []
  return result
}

/* Whether `f()` throws at once, rejects later or resolves. */
async function when(f) {
  let promise
  try {
    promise = f()
  } catch (error) {
    return `throws ${error.code || error.constructor.name}: ${error.message}`
  }
  try {
    await promise
    return "resolves"
  } catch (error) {
    return `rejects ${error.code}: ${error.message}`
  }
}

const cases = {
  /* Endpoint errors: libzmq's codes, zeromq.js's messages, the address. */
  "bind: unknown transport": (z) => sock(z).bind("foo://bar"),
  "bind: no transport": (z) => sock(z).bind("foo"),
  "bind: bad port": (z) => sock(z).bind("tcp://127.0.0.1:abc"),
  "bind: no such interface": (z) => sock(z).bind("tcp://no.such.host.invalid:5555"),
  "bind: address in use": async (z) => {
    const first = sock(z)
    await first.bind("tcp://127.0.0.1:*")
    try {
      await sock(z).bind(first.lastEndpoint)
    } catch (error) {
      return [error.code, error.message, error.errno, error.address === first.lastEndpoint]
    }
  },
  "bind: inproc name in use": async (z) => {
    const name = unique("in-use")
    await sock(z).bind(name)
    try {
      await sock(z).bind(name)
    } catch (error) {
      return [error.code, error.message, error.address === name]
    }
  },
  "connect: unknown transport": (z) => sock(z).connect("foo://bar"),
  "connect: no port": (z) => sock(z).connect("tcp://127.0.0.1"),
  "connect: bad port": (z) => sock(z).connect("tcp://127.0.0.1:abc"),
  "unbind: unknown transport": (z) => sock(z).unbind("foo://bar"),
  "unbind: no transport": (z) => sock(z).unbind("foo"),
  "unbind: not bound": (z) => sock(z).unbind("tcp://127.0.0.1:1"),
  "disconnect: unknown transport": (z) => sock(z).disconnect("foo://bar"),
  "disconnect: not connected": (z) => sock(z).disconnect("inproc://nothing-here"),

  /* Timeouts and closing: EAGAIN with zeromq.js's words. */
  "send timeout": (z) => sock(z, "Dealer", { linger: 0, sendTimeout: 10 }).send("x"),
  "receive timeout": (z) => sock(z, "Dealer", { linger: 0, receiveTimeout: 10 }).receive(),
  "close during receive": (z) => {
    const socket = sock(z)
    const receiving = socket.receive()
    socket.close()
    return receiving
  },
  "iteration over a socket closed while it waits": async (z) => {
    const socket = sock(z, "Pull")
    const loop = (async () => {
      for await (const message of socket) {
        return message
      }
      return "ended"
    })()
    await sleep(20)
    socket.close()
    return loop
  },
  "second send while one waits": (z) => {
    const socket = sock(z)
    socket.send("x").catch(() => {})
    return socket.send("y")
  },
  "operations on a closed socket": async (z) => {
    const socket = sock(z)
    socket.close()
    return [
      await when(() => socket.bind("inproc://closed")),
      await when(() => socket.connect("inproc://closed")),
      await when(() => socket.send("x")),
      await when(() => socket.receive()),
      await when(() => socket.linger),
      await when(() => (socket.linger = 1)),
    ]
  },

  /* A bind or unbind blocks the socket until it is done. */
  "while a bind is pending": async (z) => {
    const socket = sock(z)
    const binding = socket.bind("tcp://127.0.0.1:*")
    const seen = [
      await when(() => socket.bind("tcp://127.0.0.1:*")),
      await when(() => socket.unbind("tcp://127.0.0.1:1")),
      await when(() => socket.connect("inproc://x")),
      await when(() => socket.disconnect("inproc://x")),
      await when(() => socket.send("x")),
      await when(() => socket.receive()),
    ]
    await binding
    return seen
  },
  "close during a bind waits for it": async (z) => {
    const socket = sock(z)
    const binding = socket.bind("tcp://127.0.0.1:*")
    socket.close()
    const before = socket.closed
    await binding
    return [before, socket.closed]
  },
  "close during a failing bind": async (z) => {
    const socket = sock(z)
    const binding = socket.bind("foo://x")
    socket.close()
    const before = socket.closed
    return [before, await when(() => binding), socket.closed]
  },
  "close during an unbind waits for it": async (z) => {
    const socket = sock(z)
    await socket.bind("tcp://127.0.0.1:*")
    const unbinding = socket.unbind(socket.lastEndpoint)
    socket.close()
    const before = socket.closed
    await unbinding
    return [before, socket.closed]
  },

  /* Arguments. */
  "extra arguments": async (z) => {
    const socket = sock(z)
    return [
      await when(() => socket.send("x", 1)),
      await when(() => socket.receive(1)),
      await when(() => socket.bind("inproc://a", 1)),
      await when(() => socket.connect("inproc://a", 1)),
      await when(() => socket.close(1)),
      await when(() => new z.Context({}, 1)),
      await when(() => new z.Socket(5, {}, 1)),
      await when(() => new z.Proxy(sock(z), sock(z), 1)),
      await when(() => new z.Observer(sock(z), 1)),
    ]
  },
  "constructor arguments of the wrong kind": async (z) => [
    await when(() => new z.Dealer({ context: {} })),
    await when(() => new z.Dealer({ context: 5 })),
    await when(() => new z.Proxy()),
    await when(() => new z.Proxy(5, sock(z))),
    await when(() => new z.Proxy({}, sock(z))),
    await when(() => new z.Proxy(sock(z), null)),
    await when(() => new z.Observer({})),
  ],
  "subscribe to a number": (z) => sock(z, "Subscriber").subscribe(5),

  /* Frames of every kind of value, as zeromq.js converts them. */
  "frames of any value": async (z) => {
    const [a, b] = [sock(z, "Pair"), sock(z, "Pair")]
    await a.bind(unique("frames"))
    b.connect(a.lastEndpoint)
    await a.send([() => 1, true, { a: 1 }, 5, 2.5, null, undefined, 10n, [1, 2], Promise.resolve()])
    return (await b.receive()).map(String)
  },
  "a Symbol frame": (z) => sock(z).send(["ok", Symbol("s")]),

  /* Options: low-level accessors, context options, values. */
  "socket low-level accessors": (z) => {
    const socket = sock(z)
    const before = [
      socket.getInt32Option(17),
      socket.getInt32Option(23),
      socket.getBoolOption(39),
      socket.getStringOption(32),
      socket.getUint64Option(4),
      socket.getInt64Option(22),
    ]
    socket.setInt32Option(17, 42)
    socket.setBoolOption(39, true)
    socket.setStringOption(5, "abc")
    socket.setInt64Option(22, 1000)
    socket.setUint64Option(4, 3)
    return [before, socket.linger, socket.immediate, socket.routingId, socket.maxMessageSize, socket.affinity]
  },
  "low-level accessor errors": async (z) => {
    const socket = sock(z)
    return [
      await when(() => socket.getInt32Option(9999)),
      await when(() => socket.setInt32Option("x", 1)),
      await when(() => socket.setInt32Option(17, "x")),
      await when(() => socket.setBoolOption(39, 1)),
      await when(() => socket.setStringOption(5, 1)),
    ]
  },
  "a timeout set through setInt32Option applies": (z) => {
    const socket = sock(z)
    socket.setInt32Option(27, 20)
    return socket.receive()
  },
  "context options": (z) => {
    const ctx = new z.Context({ maxSockets: 7 })
    return [ctx.maxSockets, ctx.maxSocketsLimit, ctx.getInt32Option(2), ctx.getInt32Option(3), ctx.getBoolOption(70)]
  },
  "context option errors": async (z) => [
    await when(() => new z.Context().getInt32Option(99)),
    await when(() => (new z.Context().maxSockets = 0)),
    await when(() => {
      const ctx = new z.Context()
      ctx.threadPriority = 1
      ctx.threadSchedulingPolicy = 0
    }),
  ],
  "maxSockets is enforced": (z) => {
    const ctx = new z.Context({ maxSockets: 2 })
    sock(z, "Dealer", { context: ctx })
    sock(z, "Dealer", { context: ctx })
    sock(z, "Dealer", { context: ctx })
  },
  "socket options zeromq.js has": (z) => {
    const socket = sock(z)
    const names = ["rate", "recoveryInterval", "multicastHops", "typeOfService", "tcpMaxRetransmitTimeout", "multicastMaxTransportDataUnit", "interface", "loopbackFastPath"]
    const defaults = names.map((name) => socket[name])
    socket.typeOfService = 0x28
    socket.interface = "lo"
    socket.tcpMaxRetransmitTimeout = 300
    socket.loopbackFastPath = true
    return [defaults, socket.typeOfService, socket.interface, socket.tcpMaxRetransmitTimeout, socket.loopbackFastPath]
  },
  "options of transports neither has": async (z) => {
    const socket = sock(z)
    return [await when(() => socket.vmciBufferSize), await when(() => socket.tcpAcceptFilter)]
  },
  "an interface name too long": (z) => {
    sock(z).interface = "a-very-long-interface-name"
  },
  "non-finite numbers become 0": (z) => {
    const socket = sock(z)
    socket.linger = NaN
    socket.sendHighWaterMark = Infinity
    return [socket.linger, socket.sendHighWaterMark]
  },

  /* PLAIN and ZAP options: libzmq's rules for the mechanism and the role. */
  "security options read back": (z) => {
    const socket = sock(z)
    const seen = []
    const look = (step) =>
      seen.push([step, socket.securityMechanism, socket.plainServer, socket.plainUsername, socket.plainPassword, socket.zapDomain, socket.zapEnforceDomain])
    look("new")
    socket.plainServer = true
    look("plainServer = true")
    socket.plainUsername = "admin"
    look("plainUsername")
    socket.plainPassword = Buffer.from("secret")
    look("plainPassword")
    socket.plainServer = false
    look("plainServer = false")
    socket.plainPassword = "again"
    look("plainPassword again")
    socket.zapDomain = "global"
    socket.zapEnforceDomain = true
    look("zap")
    return seen
  },
  "security options in the constructor": (z) => {
    const server = sock(z, "Pull", { plainServer: true, zapDomain: "d", linger: 0 })
    const client = sock(z, "Push", { plainUsername: "u", plainPassword: "p", linger: 0 })
    return [server.securityMechanism, server.plainServer, server.zapDomain, client.securityMechanism, client.plainServer, client.plainUsername]
  },
  "security option errors": async (z) => {
    const socket = sock(z)
    return [
      await when(() => (socket.plainUsername = "x".repeat(256))),
      await when(() => (socket.plainPassword = Buffer.alloc(256))),
      await when(() => (socket.zapDomain = "x".repeat(256))),
      await when(() => (socket.plainUsername = "x".repeat(255))),
      await when(() => (socket.plainServer = 1)),
      await when(() => (socket.zapEnforceDomain = "yes")),
      await when(() => (socket.zapDomain = 5)),
      socket.securityMechanism,
    ]
  },

  /* CURVE options (the keys aside: see the differences below): the mechanism and the role. */
  "CURVE options read back": (z) => {
    const socket = sock(z)
    const { publicKey, secretKey } = z.curveKeyPair()
    const seen = []
    const look = (step) => seen.push([step, socket.securityMechanism, socket.curveServer, socket.plainServer])
    look("new")
    socket.curveServer = true
    look("curveServer = true")
    socket.curveSecretKey = secretKey
    look("curveSecretKey")
    socket.curveServerKey = publicKey
    look("curveServerKey")
    socket.curvePublicKey = Buffer.alloc(32, 1)
    look("curvePublicKey, 32 bytes")
    socket.curveServer = false
    look("curveServer = false")
    socket.curveSecretKey = secretKey
    look("curveSecretKey again")
    socket.plainServer = true
    look("plainServer = true")
    socket.curveServer = true
    look("curveServer = true again")
    return seen
  },
  "CURVE options in the constructor": (z) => {
    const { publicKey, secretKey } = z.curveKeyPair()
    const server = sock(z, "Pull", { curveServer: true, curveSecretKey: secretKey, linger: 0 })
    const client = sock(z, "Push", { curveServerKey: publicKey, curvePublicKey: publicKey, curveSecretKey: secretKey, linger: 0 })
    return [server.securityMechanism, server.curveServer, client.securityMechanism, client.curveServer]
  },
  "CURVE option errors": async (z) => {
    const socket = sock(z)
    const set = (name, value) => when(() => (socket[name] = value))
    return [
      await set("curvePublicKey", "short"),
      await set("curveSecretKey", ""),
      await set("curveServerKey", null),
      await set("curveServerKey", '"'.repeat(40)),
      await set("curvePublicKey", Buffer.alloc(31)),
      await set("curvePublicKey", "x".repeat(41)),
      await set("curveSecretKey", 5),
      await set("curveServer", 1),
      socket.securityMechanism,
    ]
  },
  "curveKeyPair": (z) => {
    const pair = z.curveKeyPair()
    return [Object.keys(pair), pair.publicKey.length, pair.secretKey.length, pair.publicKey === z.curveKeyPair().publicKey]
  },
  "a closed socket's CURVE options": async (z) => {
    const socket = sock(z)
    socket.close()
    return [await when(() => socket.curveServer), await when(() => socket.curvePublicKey)]
  },

  /* XPUB verbosity, with one subscriber (so the order of messages is fixed). */
  ...Object.fromEntries(
    [null, "allSubs", "allSubsUnsubs", "no such value"].map((verbosity) => [
      `XPublisher verbosity ${verbosity}`,
      async (z) => {
        const xpub = sock(z, "XPublisher")
        xpub.verbosity = verbosity
        await xpub.bind(unique("xpub"))
        const sub = sock(z, "Subscriber")
        sub.connect(xpub.lastEndpoint)
        await sleep(50)
        for (const step of ["subscribe", "subscribe", "unsubscribe", "unsubscribe"]) {
          sub[step]("t")
          await sleep(50)
        }
        const seen = []
        xpub.receiveTimeout = 300
        try {
          for (;;) {
            const [message] = await xpub.receive()
            seen.push(`${message[0]}${message.subarray(1)}`)
          }
        } catch (error) {
          return seen
        }
      },
    ]),
  ),

  /* High water marks over inproc: SNDHWM alone before the peer binds, SNDHWM + the peer's
     RCVHWM after, and a change after connecting applies to the connection. */
  ...Object.fromEntries(
    [
      ["no peer yet, sendHighWaterMark 1", [["push", { sendHighWaterMark: 1 }], "connect"]],
      ["sendHighWaterMark lowered after connect", [["pull", { receiveHighWaterMark: 1 }], "bind", "connect", ["push", { sendHighWaterMark: 2 }]]],
      ["sendHighWaterMark raised after connect", [["pull", { receiveHighWaterMark: 1 }], ["push", { sendHighWaterMark: 1 }], "bind", "connect", ["push", { sendHighWaterMark: 3000 }]]],
    ].map(([name, steps]) => [
      `inproc high water mark: ${name}`,
      async (z) => {
        const endpoint = unique("hwm")
        const sockets = { push: sock(z, "Push", { linger: 0, sendTimeout: 0 }), pull: sock(z, "Pull") }
        for (const step of steps) {
          if (step === "bind") {
            await sockets.pull.bind(endpoint)
          } else if (step === "connect") {
            sockets.push.connect(endpoint)
          } else {
            Object.assign(sockets[step[0]], step[1])
          }
        }
        for (let sent = 0; sent < 5000; sent++) {
          try {
            await sockets.push.send("m")
          } catch (error) {
            return [sent, error.code]
          }
        }
        return "no limit"
      },
    ]),
  ),

  "Router connect with a routingId names the peer": async (z) => {
    const peer = sock(z, "Router")
    await peer.bind("tcp://127.0.0.1:*")
    const router = sock(z, "Router", { linger: 0, mandatory: true })
    router.connect(peer.lastEndpoint, { routingId: "server" })
    await sleep(100)
    await router.send(["server", "hello"])
    const [, message] = await peer.receive()
    return String(message)
  },

  /* socksProxy: a connection through a SOCKS5 proxy (a small one, written here). */
  "socksProxy: through a SOCKS5 proxy": async (z) => {
    const targets = []
    const proxy = net.createServer((client) => {
      client.once("data", () => {
        client.write(Buffer.from([5, 0])) /* no authentication */
        client.once("data", (request) => {
          const host = request.subarray(4, 8).join(".")
          const port = request.readUInt16BE(8)
          targets.push(`${request[3]} ${host}:${port}`)
          const upstream = net.connect(port, host, () => {
            client.write(Buffer.from([5, 0, 0, 1, 0, 0, 0, 0, 0, 0]))
            client.pipe(upstream).pipe(client)
          })
          upstream.on("error", () => client.destroy())
          client.on("error", () => upstream.destroy())
        })
      })
    })
    await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve))
    try {
      const pull = sock(z, "Pull")
      await pull.bind("tcp://127.0.0.1:*")
      const push = sock(z, "Push")
      const before = push.socksProxy
      push.socksProxy = `127.0.0.1:${proxy.address().port}`
      push.connect(pull.lastEndpoint)
      const received = []
      for (let i = 0; i < 100; i++) {
        await push.send(String(i))
        received.push(String((await pull.receive())[0]))
      }
      const port = pull.lastEndpoint.split(":").pop()
      return { before, targets: targets.map((t) => t.replace(port, "PORT")), received: received.join(",") }
    } finally {
      proxy.close()
    }
  },

  /* The warning for options that act only on the next bind or connect. */
  "options set after bind: which ones warn": async (z) => {
    const socket = sock(z)
    const warned = []
    const listener = (warning) => warned.push(warning.message)
    process.on("warning", listener)
    try {
      await socket.bind(unique("warn"))
      const seen = {}
      for (const [name, value] of [["linger", 10], ["sendHighWaterMark", 5], ["receiveTimeout", 100], ["routingId", "b"], ["immediate", true], ["reconnectInterval", 50], ["maxMessageSize", 100], ["probeRouter", true], ["plainServer", true], ["zapDomain", "x"]]) {
        socket[name] = value
        await new Promise((resolve) => setImmediate(resolve))
        seen[name] = warned.splice(0)
      }
      return seen
    } finally {
      process.off("warning", listener)
    }
  },

  /* Stream: raw TCP peers. (libzmq does not close a connection promptly on [id, ""], so
     the client closes it here; FerroMQ's closing is tested in test/stream.test.js.) */
  ...Object.fromEntries(
    [true, false].map((notify) => [
      `Stream serving a raw TCP client, notify ${notify}`,
      async (z) => {
        const server = sock(z, "Stream", { linger: 0, receiveTimeout: 300 })
        server.notify = notify
        await server.bind("tcp://127.0.0.1:*")
        const port = Number(server.lastEndpoint.split(":").pop())
        const client = net.connect(port, "127.0.0.1")
        client.on("data", (data) => {
          if (String(data) === "200 OK") {
            client.end()
          }
        })
        await new Promise((resolve) => client.on("connect", resolve))
        client.write("GET /")
        const seen = []
        try {
          for (;;) {
            const [id, data] = await server.receive()
            seen.push([id.length, data.toString()])
            if (data.toString() === "GET /") {
              await server.send([id, "200 OK"])
            }
          }
        } catch (error) {
          return [seen, error.code]
        }
      },
    ]),
  ),
  "Stream connecting to a raw TCP server with a routing id": async (z) => {
    const received = []
    const listener = net.createServer((connection) => {
      connection.on("data", (data) => {
        received.push(data.toString())
        connection.end("bye")
      })
    })
    await new Promise((resolve) => listener.listen(0, "127.0.0.1", resolve))
    const stream = sock(z, "Stream")
    stream.connect(`tcp://127.0.0.1:${listener.address().port}`, { routingId: "peer1" })
    const [id, notice] = await stream.receive()
    await stream.send(["peer1", "hello"])
    const messages = []
    for (;;) {
      const [from, data] = await stream.receive()
      messages.push([from.toString(), data.toString()])
      if (data.length === 0) {
        break
      }
    }
    listener.close()
    return { id: id.toString(), notice: notice.length, received, messages }
  },

  /* Proxy and Observer. */
  "proxy with an end neither bound nor connected": async (z) => {
    const front = sock(z, "Router")
    const back = sock(z)
    const proxy = new z.Proxy(front, back)
    const first = await when(() => proxy.run())
    await front.bind(unique("proxy-front"))
    return [first, await when(() => proxy.run())]
  },
  "proxy with a closed end": async (z) => {
    const front = sock(z, "Router")
    const back = sock(z)
    await front.bind(unique("proxy-closed-front"))
    await back.bind(unique("proxy-closed-back"))
    front.close()
    return when(() => new z.Proxy(front, back).run())
  },
  "proxy not running": async (z) => {
    const proxy = new z.Proxy(sock(z), sock(z))
    return [await when(() => proxy.pause()), await when(() => proxy.resume()), await when(() => proxy.terminate())]
  },
  "observer in event emitter mode": (z) => {
    const observer = sock(z).events
    observer.on("bind", () => {})
    return observer.receive()
  },
  /* (sock.events, not new Observer(): with the latter zeromq.js's process never exits.) */
  "observer closed": async (z) => {
    const observer = sock(z).events
    const receiving = observer.receive()
    observer.close()
    return [await when(() => receiving), await when(() => observer.receive()), observer.closed]
  },
  "exports": (z) =>
    Object.keys(z)
      .filter((name) => !["ferromqVersion", "Authenticator", "curvePublic", "createCertificates", "loadCertificate"].includes(name))
      .sort(),
}

for (const [name, body] of Object.entries(cases)) {
  test(`as zeromq.js: ${name}`, async () => {
    const expected = await outcome(() => body(libs.zeromq))
    const actual = await outcome(() => body(libs.ferromq))
    assert.deepEqual(actual, expected)
  })
}

/* zeromq.js aborts the process at exit after a context fails to construct, so this one is
   checked against the outcome it gives: EINVAL, "Invalid argument". */
test("as zeromq.js: a context with ioThreads -1", async () => {
  assert.deepEqual(await outcome(() => new libs.ferromq.Context({ ioThreads: -1 })), {
    error: { class: "Error", message: "Invalid argument", code: "EINVAL", errno: 22 },
  })
})

/* Where FerroMQ differs on purpose (README, "Differences"): an operation the socket can
   never do fails at once with libzmq's error, where zeromq.js waits for ever. */
const neverPossible = {
  "send on a PULL": [(z) => sock(z, "Pull").send("x"), "ENOTSUP"],
  "receive on a PUSH": [(z) => sock(z, "Push").receive(), "ENOTSUP"],
  "receive on a REQ before sending": [(z) => sock(z, "Request").receive(), "EFSM"],
  "send on a REP before receiving": [(z) => sock(z, "Reply").send("x"), "EFSM"],
  "mandatory ROUTER to nobody": [
    (z) => sock(z, "Router", { linger: 0, mandatory: true }).send(["nobody", "x"]),
    "EHOSTUNREACH",
  ],
}
/* The core clears a PLAIN credential or the ZAP domain given "" or null (an empty
   credential goes back to NULL); zeromq.js's libzmq refuses "" (EINVAL), refuses a null
   zapDomain, and keeps the old credential when given null (only the mechanism goes back). */
test("differences: an empty or null plainUsername, plainPassword or zapDomain clears it", async () => {
  const steps = (z) => {
    const socket = sock(z)
    socket.plainUsername = "admin"
    socket.plainPassword = "secret"
    socket.zapDomain = "global"
    const results = {}
    for (const [name, value] of [["plainUsername", ""], ["plainPassword", ""], ["zapDomain", ""], ["zapDomain", null], ["plainUsername", null]]) {
      try {
        socket[name] = value
        results[`${name} = ${JSON.stringify(value)}`] = [socket[name], socket.securityMechanism]
      } catch (error) {
        results[`${name} = ${JSON.stringify(value)}`] = error.code
      }
    }
    return results
  }
  assert.deepEqual(await outcome(() => steps(libs.zeromq)), {
    value: {
      'plainUsername = ""': "EINVAL",
      'plainPassword = ""': "EINVAL",
      'zapDomain = ""': "EINVAL",
      "zapDomain = null": "EINVAL",
      "plainUsername = null": ["admin", null],
    },
  })
  assert.deepEqual(await outcome(() => steps(libs.ferromq)), {
    value: {
      'plainUsername = ""': [null, null],
      'plainPassword = ""': [null, null],
      'zapDomain = ""': [null, null],
      "zapDomain = null": [null, null],
      "plainUsername = null": [null, null],
    },
  })
})

/* CURVE keys read back as Z85 text (libzmq's form for a 41-byte buffer; zeros while unset),
   the declared `string | null`; zeromq.js asks libzmq with a buffer of another size and
   gets EINVAL, so its keys cannot be read at all. */
test("differences: CURVE keys read back as Z85; zeromq.js throws EINVAL", async () => {
  const { publicKey, secretKey } = libs.zeromq.curveKeyPair()
  const steps = (z) => {
    const socket = sock(z)
    socket.curveSecretKey = secretKey
    socket.curveServerKey = Buffer.from(publicKey)
    const results = {}
    for (const name of ["curvePublicKey", "curveSecretKey", "curveServerKey"]) {
      try {
        results[name] = socket[name]
      } catch (error) {
        results[name] = error.code
      }
    }
    return results
  }
  assert.deepEqual(await outcome(() => steps(libs.zeromq)), {
    value: { curvePublicKey: "EINVAL", curveSecretKey: "EINVAL", curveServerKey: "EINVAL" },
  })
  assert.deepEqual(await outcome(() => steps(libs.ferromq)), {
    value: { curvePublicKey: "0".repeat(40), curveSecretKey: secretKey, curveServerKey: publicKey },
  })
})

for (const [name, [body, code]] of Object.entries(neverPossible)) {
  test(`differences: ${name} fails with ${code}; zeromq.js waits`, async () => {
    assert.deepEqual(await outcome(() => body(libs.zeromq)), { pending: true })
    assert.equal((await outcome(() => body(libs.ferromq))).error.code, code)
  })
}
