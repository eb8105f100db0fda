"use strict"
/*
 * FerroMQ for Node.js: zeromq.js v6's API over the FerroMQ core.
 *
 * The native addon (bindings/node) gives non-blocking primitives: a send or receive
 * completes at once when it can; otherwise it is parked with the context's reactor thread
 * under a token, and finishes later through a thread-safe function that calls
 * `ContextState.complete` with a batch of results. No call here ever blocks the event loop,
 * and only parked operations keep the process alive.
 */

function loadAddon() {
  const file = `./ferromq.${process.platform}-${process.arch}-gnu.node`
  try {
    return require(file)
  } catch (error) {
    if (error.code === "MODULE_NOT_FOUND") {
      error.message =
        `ferromq: the native addon ${file} is not built; run \`npm run build\` in the ` +
        `package directory (it needs Rust).\n` + error.message
    }
    throw error
  }
}

const native = loadAddon()

const { Buffer } = require("buffer")

const { NativeContext, NativeSocket, NativeProxy, NativeObserver, NativeAuthenticator } = native

/* For each code the core reports, libzmq's errno and zeromq.js's message (errors.rs). */
const ERRORS = native.errorTable()
/* errno per code, with the two the binding itself raises. */
const ERRNO = { EBADF: 9, EBUSY: 16 }
for (const [code, [errno]] of Object.entries(ERRORS)) {
  ERRNO[code] = errno
}

/* Like zeromq.js: after this many operations resolved synchronously in a row, the next one
   waits for the event loop's next turn, so a busy socket cannot starve timers and I/O. */
const MAX_SYNC_OPERATIONS = 512

const STATE = Symbol("ferromq.state")
/* Passed by this module alone, to make the default `context`. */
const SHARED = Symbol("ferromq.sharedContext")

/* An error as zeromq.js makes it: `message` in zeromq.js's words, libzmq's `code` and
   `errno`; FerroMQ's explanation, when it says more, in `detail`. */
function zmqError(code, message, detail) {
  const error = new Error(message)
  error.code = code
  error.errno = ERRNO[code]
  if (detail !== undefined) {
    error.detail = detail
  }
  return error
}

/* An error with libzmq's wording for `code` (as zeromq.js reports libzmq's errors). */
function libzmqError(code, detail) {
  return zmqError(code, ERRORS[code][1], detail)
}

/* Errors from the addon carry `code` and FerroMQ's explanation: give them zeromq.js's
   message and `errno` (keeping the explanation as `detail`), and make argument errors
   TypeErrors. */
function fixError(error) {
  if (error && error.code === "ERR_INVALID_ARG_TYPE") {
    const typeError = new TypeError(error.message)
    typeError.code = error.code
    return typeError
  }
  if (error && typeof error.code === "string" && error.errno === undefined && error.code in ERRORS) {
    const [errno, message] = ERRORS[error.code]
    error.detail = error.message
    error.message = message
    error.errno = errno
  }
  return error
}

/* An endpoint operation's error, with the `address` zeromq.js adds. */
function addressError(error, address) {
  const fixed = fixError(error)
  if (!(fixed instanceof TypeError)) {
    fixed.address = address
  }
  return fixed
}

/* zeromq.js's methods refuse extra arguments. */
function checkArity(given, expected) {
  if (given > expected) {
    throw new TypeError(
      `Expected ${expected} argument${expected === 1 ? "" : "s"} but received ${given}`,
    )
  }
}

/* What zeromq.js throws for an object of the wrong class where a Context or Socket is
   expected: a plain Error with libzmq's text (no code). */
function invalidArgument(detail) {
  const error = new Error("Invalid argument")
  error.detail = detail
  return error
}

function checkOptions(options) {
  if (options !== undefined && (options === null || typeof options !== "object")) {
    throw new TypeError("Options must be an object")
  }
}

/* ----- Context ----- */

class ContextState {
  constructor(shared = false) {
    /* The default `context` of every thread is one core context (shared_context.rs). */
    this.shared = shared
    this.native = null
    this.ioThreads = 1
    this.maxSockets = native.defaultMaxSockets()
    this.blocky = true
    this.ipv6 = false
    /* Pending operations by token: { resolve, reject, socket } (socket: a SocketState). */
    this.ops = new Map()
    this.token = 0
    this.active = 0
  }

  handle() {
    if (this.native === null) {
      this.native = new NativeContext(this.ioThreads, (batch) => this.complete(batch), this.shared)
      this.native.setMaxSockets(this.maxSockets)
    }
    return this.native
  }

  nextToken() {
    this.token = (this.token + 1) >>> 0
    return this.token
  }

  /* `op.keepAlive === false`: the operation does not keep the process alive (an observer's
     event listeners); every other pending operation does. */
  register(token, op) {
    this.ops.set(token, op)
    if (op.keepAlive !== false && this.active++ === 0) {
      this.handle().setActive(true)
    }
  }

  /* From now on the pending operation `token` keeps the process alive. */
  retain(token) {
    const op = this.ops.get(token)
    if (op !== undefined && op.keepAlive === false) {
      op.keepAlive = true
      if (this.active++ === 0) {
        this.handle().setActive(true)
      }
    }
  }

  /* Removes a pending operation; returns it, or undefined if it was already settled. */
  take(token) {
    const op = this.ops.get(token)
    if (op === undefined) {
      return undefined
    }
    this.ops.delete(token)
    if (op.keepAlive !== false && --this.active === 0) {
      this.native.setActive(false)
    }
    return op
  }

  /* A batch from the reactor: [token, kind, payload, …]; kind 0/1 ok, 2 failed. (For an
     observer, a kind 0 payload is a decoded event {event, value, endpoint}.) */
  complete(batch) {
    for (let i = 0; i < batch.length; i += 3) {
      const token = batch[i]
      const op = this.take(token)
      if (op === undefined) {
        continue /* cancelled (the socket was closed) */
      }
      op.done(token)
      if (batch[i + 1] === 2) {
        op.reject(fixError(batch[i + 2]))
      } else {
        op.resolve(batch[i + 2])
      }
    }
  }
}

/**
 * A ØMQ context: it owns the I/O threads and the reactor thread of its sockets. Sockets use
 * the global `context` unless given `{context}`.
 */
class Context {
  constructor(options) {
    checkArity(arguments.length, 1)
    if (options !== SHARED) {
      checkOptions(options)
    }
    const shared = options === SHARED
    Object.defineProperty(this, STATE, { value: new ContextState(shared) })
    Object.seal(this)
    if (options && !shared) {
      Object.assign(this, options)
    }
  }

  /** ZMQ_IO_THREADS: the number of I/O threads (set it before the first socket). */
  get ioThreads() {
    const state = this[STATE]
    return state.native === null ? state.ioThreads : state.native.ioThreads()
  }

  set ioThreads(value) {
    if (typeof value !== "number") {
      throw new TypeError("Option value must be a number")
    }
    if (!Number.isInteger(value) || value < 1) {
      throw libzmqError("EINVAL", `ioThreads must be a positive integer, got ${value}`)
    }
    const state = this[STATE]
    if (state.native !== null && value !== state.native.ioThreads()) {
      throw libzmqError("EINVAL", "ioThreads cannot change once the context has sockets")
    }
    state.ioThreads = value
  }

  /** ZMQ_BLOCKY: when false, new sockets get linger 0. */
  get blocky() {
    return this[STATE].blocky
  }

  set blocky(value) {
    if (typeof value !== "boolean") {
      throw new TypeError("Option value must be a boolean")
    }
    this[STATE].blocky = value
  }

  /** ZMQ_IPV6: the default `ipv6` of new sockets. */
  get ipv6() {
    return this[STATE].ipv6
  }

  set ipv6(value) {
    if (typeof value !== "boolean") {
      throw new TypeError("Option value must be a boolean")
    }
    this[STATE].ipv6 = value
  }

  /** ZMQ_MAX_SOCKETS: how many sockets may be open at once (set before the first). */
  get maxSockets() {
    const state = this[STATE]
    return state.native === null ? state.maxSockets : state.native.maxSockets()
  }

  set maxSockets(value) {
    this.setInt32Option(CTX_MAX_SOCKETS, value)
  }

  /** ZMQ_SOCKET_LIMIT: the largest `maxSockets` accepted. */
  get maxSocketsLimit() {
    return native.socketLimit()
  }

  /** ZMQ_THREAD_PRIORITY and ZMQ_THREAD_SCHED_POLICY of the I/O threads (write-only). */
  set threadPriority(value) {
    this.setInt32Option(CTX_THREAD_PRIORITY, value)
  }

  set threadSchedulingPolicy(value) {
    this.setInt32Option(CTX_THREAD_SCHED_POLICY, value)
  }

  /* zeromq.js's low-level accessors, by libzmq's option number (zmq_ctx_get/zmq_ctx_set). */

  getBoolOption(option) {
    return this.getInt32Option(option) !== 0
  }

  setBoolOption(option, value) {
    if (typeof value !== "boolean") {
      throw new TypeError("Option value must be a boolean")
    }
    this.setInt32Option(option, value ? 1 : 0)
  }

  getInt32Option(option) {
    checkOptionNumber(option)
    switch (option) {
      case CTX_IO_THREADS:
        return this.ioThreads
      case CTX_MAX_SOCKETS:
        return this.maxSockets
      case CTX_SOCKET_LIMIT:
        return native.socketLimit()
      case CTX_MSG_T_SIZE:
        return 64 /* sizeof(zmq_msg_t) */
      case CTX_IPV6:
        return this.ipv6 ? 1 : 0
      case CTX_BLOCKY:
        return this.blocky ? 1 : 0
      default:
        throw libzmqError("EINVAL", `${option} is not a context option FerroMQ knows`)
    }
  }

  setInt32Option(option, value) {
    checkOptionNumber(option)
    if (typeof value !== "number") {
      throw new TypeError("Option value must be a number")
    }
    const state = this[STATE]
    switch (option) {
      case CTX_IO_THREADS:
        this.ioThreads = value
        return
      case CTX_MAX_SOCKETS:
        if (!Number.isInteger(value) || value < 1) {
          throw libzmqError("EINVAL", `maxSockets must be a positive integer, got ${value}`)
        }
        state.maxSockets = value
        if (state.native !== null) {
          state.native.setMaxSockets(value)
        }
        return
      case CTX_THREAD_PRIORITY:
      case CTX_THREAD_SCHED_POLICY:
        /* libzmq applies them to its I/O threads where the system lets it; the core's
           threads keep the process's scheduling (see README, Differences). */
        if (!Number.isInteger(value)) {
          throw libzmqError("EINVAL", `thread scheduling values are integers, got ${value}`)
        }
        return
      case CTX_IPV6:
        state.ipv6 = value !== 0
        return
      case CTX_BLOCKY:
        state.blocky = value !== 0
        return
      default:
        throw libzmqError("EINVAL", `${option} is not a context option FerroMQ knows`)
    }
  }
}

/* libzmq's context option numbers (ZMQ_IO_THREADS…). ZMQ_SOCKET_LIMIT is read-only and
   shares its number with the write-only ZMQ_THREAD_PRIORITY. */
const CTX_IO_THREADS = 1
const CTX_MAX_SOCKETS = 2
const CTX_SOCKET_LIMIT = 3
const CTX_THREAD_PRIORITY = 3
const CTX_THREAD_SCHED_POLICY = 4
const CTX_MSG_T_SIZE = 6
const CTX_IPV6 = 42
const CTX_BLOCKY = 70

function checkOptionNumber(option) {
  if (typeof option !== "number") {
    throw new TypeError("Identifier must be a number")
  }
}

const context = new Context(SHARED)

/* ----- Socket ----- */

const RECV = 0
const SEND = 1

/* The most messages one receive drains from the addon at once (see `receive()`). */
const RECEIVE_BATCH = 64
/* A frame that the addon hands over as a Buffer of its own rather than in the slab. */
const LARGE = 0xffffffff

/* The class of Node's Buffers (what Buffer.from(arrayBuffer, offset, length) constructs,
   after argument checks we do not need): a view into a slab costs a third as much. */
const SlabBuffer =
  typeof Buffer[Symbol.species] === "function" && Buffer[Symbol.species].prototype === Buffer.prototype
    ? Buffer[Symbol.species]
    : function SlabBuffer(slab, offset, length) {
        return Buffer.from(slab, offset, length)
      }

class SocketState {
  constructor(ctx, handle, type) {
    this.ctx = ctx
    this.native = handle
    /* The hot path as plain N-API functions (bindings/node/src/fast.rs). */
    const [send, receive] = handle.fastOps()
    this.nativeSend = send
    this.nativeReceive = receive
    this.type = type
    this.closed = false
    /* A bind or unbind is in progress (see `endpointOperation`), and whether close() was
       called meanwhile. */
    this.blocked = false
    this.closeRequested = false
    /* Binds and connects in force (zeromq.js counts them: a Proxy needs both ends to have
       one). */
    this.endpoints = 0
    this.sendTimeout = -1
    this.receiveTimeout = -1
    /* Tokens of the pending receive / send, or 0. */
    this.recv = 0
    this.send = 0
    this.sync = 0
    /* `sock.events`, created on first access; and every open observer of the socket. */
    this.observer = null
    this.observers = new Set()
    /* Messages received from the addon in one batch and not yet handed out (see
       `takeQueued`): the batch's slab, its header words, the next header word and data
       offset, the messages left, and the large frames' Buffers (`[slab, …]`) or null. */
    this.qSlab = null
    this.qMeta = null
    this.qWord = 0
    this.qOffset = 0
    this.qLeft = 0
    this.qLarge = null
    this.qNextLarge = 0
    /* How many messages one receive may drain: one for REQ/REP (lockstep) and with
       CONFLATE (only the newest message counts); else at most the receive HWM. */
    this.rcvhwm = 1000
    this.conflate = false
    this.batch = batchSize(this)
  }
}

function batchSize(state) {
  if (state.type === 3 || state.type === 4 || state.conflate) {
    return 1
  }
  return state.rcvhwm > 0 ? Math.min(RECEIVE_BATCH, state.rcvhwm) : RECEIVE_BATCH
}

/* Queues a batch from the addon: an ArrayBuffer slab, or `[slab, large Buffer, …]`. The
   slab's header (32-bit words): message count, data offset, then per message its frame
   count and per frame its length (LARGE: the next large Buffer). Then the frame bytes. */
function queueBatch(state, batch) {
  let slab = batch
  if (!(batch instanceof ArrayBuffer)) {
    slab = batch[0]
    state.qLarge = batch
    state.qNextLarge = 1
  }
  const meta = new Uint32Array(slab, 0, slab.byteLength >>> 2)
  state.qSlab = slab
  state.qMeta = meta
  state.qLeft = meta[0]
  state.qOffset = meta[1]
  state.qWord = 2
}

/* The next queued message: an array of Buffers, views into the batch's slab. */
function takeQueued(state) {
  const meta = state.qMeta
  const slab = state.qSlab
  let word = state.qWord
  let offset = state.qOffset
  const count = meta[word++]
  const frames = new Array(count)
  for (let i = 0; i < count; i++) {
    const length = meta[word++]
    if (length === LARGE) {
      frames[i] = state.qLarge[state.qNextLarge++]
    } else {
      frames[i] = new SlabBuffer(slab, offset, length)
      offset += length
    }
  }
  state.qWord = word
  state.qOffset = offset
  if (--state.qLeft === 0) {
    clearQueue(state)
  }
  return frames
}

function clearQueue(state) {
  state.qSlab = null
  state.qMeta = null
  state.qLarge = null
  state.qLeft = 0
}

function checkOpen(state) {
  if (state.closed) {
    throw zmqError("EBADF", "Socket is closed")
  }
}

function checkNotBlocked(state) {
  if (state.blocked) {
    throw zmqError("EBUSY", "Socket is blocked by a bind or unbind operation")
  }
}

function bindNow(state, address) {
  state.native.bind(address)
  state.endpoints++
}

function unbindNow(state, address) {
  state.native.unbind(address)
  state.endpoints--
}

function connectNow(state, address) {
  checkOpen(state)
  checkNotBlocked(state)
  try {
    state.native.connect(address)
  } catch (error) {
    throw addressError(error, address)
  }
  state.endpoints++
}

/* bind() and unbind() as zeromq.js runs them, off the caller's turn: until a later turn of
   the event loop the socket refuses other binds, unbinds, connects, sends and receives
   (EBUSY), and a close() waits for the operation to finish. */
function endpointOperation(socket, state, operation, address) {
  checkOpen(state)
  checkNotBlocked(state)
  state.blocked = true
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      state.blocked = false
      try {
        operation()
        resolve()
      } catch (error) {
        reject(addressError(error, address))
      }
      if (state.closeRequested) {
        socket.close()
      }
    })
  })
}

/* Registers a pending operation of `kind` under `token` and returns its promise. */
function pending(state, kind, token) {
  if (kind === RECV) {
    state.recv = token
  } else {
    state.send = token
  }
  return new Promise((resolve, reject) => {
    state.ctx.register(token, {
      resolve,
      reject,
      done: kind === RECV ? () => (state.recv = 0) : () => (state.send = 0),
    })
  })
}

function settle(state, token, error, value) {
  const op = state.ctx.take(token)
  if (op === undefined) {
    return
  }
  op.done(token)
  if (error !== undefined) {
    op.reject(error)
  } else {
    op.resolve(value)
  }
}

/* A message now: from the queue, else from a new batch; null if the receive was parked
   under `token`. */
function tryReceive(state, token) {
  if (state.qLeft === 0) {
    const batch = state.nativeReceive(token, state.receiveTimeout, state.batch)
    if (batch === null) {
      return null
    }
    queueBatch(state, batch)
  }
  return takeQueued(state)
}

/* Messages a socket already took into its receive queue (see `queueBatch`) are not in the
   core any more, so a proxy started on it would never see them: they are forwarded first.
   A message that cannot be sent now stays queued, and the proxy does not start. */
function forwardQueued(from, to) {
  while (from.qLeft > 0) {
    if ((to.native.events() & 2) === 0) {
      throw zmqError(
        "EAGAIN",
        `Proxy cannot start: ${from.qLeft} message(s) received before it started cannot be ` +
          "forwarded yet (the other socket is at its high water mark)",
      )
    }
    to.nativeSend(takeQueued(from), 0, 0)
  }
}

/* The message of `send()`: a frame or an array of frames. Frame types are checked by the
   addon (numbers become their decimal string as in zeromq.js; other wrong types: TypeError). */
function checkMessage(message) {
  if (message === undefined) {
    throw new TypeError("Message must be present")
  }
}

/**
 * The base class of every socket type. Options may be given to the constructor
 * (`new Dealer({routingId: "a", linger: 0})`) or set as properties.
 */
class Socket {
  constructor(type, options) {
    checkArity(arguments.length, 2)
    if (typeof type !== "number") {
      throw new TypeError("Socket type must be a number")
    }
    checkOptions(options)
    let ctx = context
    if (options && options.context !== undefined) {
      ctx = options.context
      if (!(ctx instanceof Context)) {
        throw invalidArgument("the context option must be a Context")
      }
      options = Object.assign({}, options)
      delete options.context
    }
    const ctxState = ctx[STATE]
    let handle
    try {
      handle = new NativeSocket(ctxState.handle(), type)
    } catch (error) {
      throw fixError(error)
    }
    const state = new SocketState(ctxState, handle, type)
    Object.defineProperty(this, STATE, { value: state })
    Object.defineProperty(this, "_context", { value: ctx })
    if (!ctxState.blocky) {
      handle.setIntOption(17, 0)
    }
    if (ctxState.ipv6) {
      handle.setIntOption(42, 1)
    }
    Object.seal(this)
    if (options) {
      Object.assign(this, options)
    }
  }

  /** The context this socket belongs to. */
  get context() {
    return this._context
  }

  /** Whether `close()` was called. */
  get closed() {
    return this[STATE].closed
  }

  /**
   * The socket's event `Observer` (its monitor), created on first access. It ends (with an
   * "end" event) once the socket is closed and its connections are finished.
   */
  get events() {
    const state = this[STATE]
    if (state.observer === null) {
      state.observer = new Observer(this)
    }
    return state.observer
  }

  /** Whether a message can be received now without waiting. */
  get readable() {
    const state = this[STATE]
    return !state.closed && (state.qLeft > 0 || (state.native.events() & 1) !== 0)
  }

  /** Whether a message can be sent now without waiting. */
  get writable() {
    const state = this[STATE]
    return !state.closed && (state.native.events() & 2) !== 0
  }

  /** Binds to `address` (tcp://, ipc://, inproc://); resolves when bound. */
  bind(address) {
    checkArity(arguments.length, 1)
    if (typeof address !== "string") {
      throw new TypeError("Address must be a string")
    }
    const state = this[STATE]
    return endpointOperation(this, state, () => bindNow(state, address), address)
  }

  bindSync(address) {
    checkArity(arguments.length, 1)
    if (typeof address !== "string") {
      throw new TypeError("Address must be a string")
    }
    const state = this[STATE]
    checkOpen(state)
    checkNotBlocked(state)
    try {
      bindNow(state, address)
    } catch (error) {
      throw addressError(error, address)
    }
  }

  /** Stops listening on `address`. */
  unbind(address) {
    checkArity(arguments.length, 1)
    if (typeof address !== "string") {
      throw new TypeError("Address must be a string")
    }
    const state = this[STATE]
    return endpointOperation(this, state, () => unbindNow(state, address), address)
  }

  unbindSync(address) {
    checkArity(arguments.length, 1)
    if (typeof address !== "string") {
      throw new TypeError("Address must be a string")
    }
    const state = this[STATE]
    checkOpen(state)
    checkNotBlocked(state)
    try {
      unbindNow(state, address)
    } catch (error) {
      throw addressError(error, address)
    }
  }

  /** Connects to `address`; the connection is made (and remade) in the background. */
  connect(address) {
    if (typeof address !== "string") {
      throw new TypeError("Address must be a string")
    }
    if (arguments.length > 1) {
      throw new TypeError(`Expected 1 argument but received ${arguments.length}`)
    }
    connectNow(this[STATE], address)
  }

  /** Drops the connection made by `connect(address)`. */
  disconnect(address) {
    checkArity(arguments.length, 1)
    if (typeof address !== "string") {
      throw new TypeError("Address must be a string")
    }
    const state = this[STATE]
    checkOpen(state)
    checkNotBlocked(state)
    try {
      state.native.disconnect(address)
    } catch (error) {
      throw addressError(error, address)
    }
    state.endpoints--
  }

  /**
   * Closes the socket. A pending send or receive rejects with EAGAIN (an async iteration
   * over the socket just ends). Queued messages are sent within `linger`.
   */
  close() {
    checkArity(arguments.length, 0)
    const state = this[STATE]
    if (state.closed) {
      return
    }
    if (state.blocked) {
      state.closeRequested = true /* once the bind or unbind is done */
      return
    }
    state.closed = true
    state.native.close()
    clearQueue(state) /* as libzmq drops what was not received */
    for (const token of [state.recv, state.send]) {
      if (token !== 0) {
        settle(state, token, libzmqError("EAGAIN", "Socket was closed"))
      }
    }
    /* Observers now wait for their last events ("close", "disconnect", "end"): even the
       event listeners keep the process alive until "end". */
    for (const observer of state.observers) {
      observer.socketClosed = true
      if (observer.recv !== 0) {
        observer.ctx.retain(observer.recv)
      }
    }
  }

  /**
   * Sends a message (a Buffer, TypedArray, ArrayBuffer, string or null, or an array of them
   * for a multipart message). Resolves once the message is queued; at the high water mark it
   * waits (up to `sendTimeout`, then rejects with EAGAIN). Only one send may be pending.
   */
  send(message) {
    checkArity(arguments.length, 1)
    const state = this[STATE]
    checkMessage(message)
    checkOpen(state)
    checkNotBlocked(state)
    if (state.send !== 0) {
      throw zmqError(
        "EBUSY",
        "Socket is busy writing; only one send operation may be in progress at any time",
      )
    }
    const token = state.ctx.nextToken()
    if (state.sendTimeout !== 0 && ++state.sync > MAX_SYNC_OPERATIONS) {
      return deferSend(state, token, message)
    }
    let sent
    try {
      sent = state.nativeSend(message, token, state.sendTimeout)
    } catch (error) {
      const fixed = fixError(error)
      if (fixed instanceof TypeError) {
        throw fixed
      }
      return Promise.reject(fixed)
    }
    if (sent) {
      return Promise.resolve()
    }
    state.sync = 0
    return pending(state, SEND, token)
  }

  /**
   * Receives a message: resolves with an array of Buffers, one per frame. Waits up to
   * `receiveTimeout` (then rejects with EAGAIN). Only one receive may be pending.
   */
  receive() {
    checkArity(arguments.length, 0)
    const state = this[STATE]
    checkOpen(state)
    checkNotBlocked(state)
    if (state.recv !== 0) {
      throw zmqError(
        "EBUSY",
        "Socket is busy reading; only one receive operation may be in progress at any time",
      )
    }
    const token = state.ctx.nextToken()
    if (state.receiveTimeout !== 0 && ++state.sync > MAX_SYNC_OPERATIONS) {
      return deferReceive(state, token)
    }
    let frames
    try {
      frames = tryReceive(state, token)
    } catch (error) {
      return Promise.reject(fixError(error))
    }
    if (frames !== null) {
      return Promise.resolve(frames)
    }
    state.sync = 0
    return pending(state, RECV, token)
  }

  [Symbol.asyncIterator]() {
    return {
      next: async () => {
        if (this.closed) {
          return { done: true, value: undefined }
        }
        try {
          return { value: await this.receive(), done: false }
        } catch (error) {
          /* Closed while waiting (close() rejects the receive with EAGAIN): the iteration
             ends, as zeromq.js's does. */
          if (this.closed && error.code === "EAGAIN") {
            return { done: true, value: undefined }
          }
          throw error
        }
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }
}

/* The slow paths after MAX_SYNC_OPERATIONS synchronous completions: the operation is
   pending at once (EBUSY, close() and liveness work as usual) and tried on the next turn. */
function deferReceive(state, token) {
  state.sync = 0
  const promise = pending(state, RECV, token)
  setImmediate(() => {
    if (state.recv !== token || state.closed) {
      return
    }
    let frames
    try {
      frames = tryReceive(state, token)
    } catch (error) {
      settle(state, token, fixError(error))
      return
    }
    if (frames !== null) {
      settle(state, token, undefined, frames)
    }
    /* else: parked natively under the same token; the reactor settles it. */
  })
  return promise
}

function deferSend(state, token, message) {
  state.sync = 0
  const promise = pending(state, SEND, token)
  setImmediate(() => {
    if (state.send !== token || state.closed) {
      return
    }
    let sent
    try {
      sent = state.nativeSend(message, token, state.sendTimeout)
    } catch (error) {
      settle(state, token, fixError(error))
      return
    }
    if (sent) {
      settle(state, token, undefined, undefined)
    }
  })
  return promise
}

/* ----- socket types ----- */

class Pair extends Socket {
  constructor(options) {
    super(0, options)
  }
}

class Publisher extends Socket {
  constructor(options) {
    super(1, options)
  }
}

class Subscriber extends Socket {
  constructor(options) {
    super(2, options)
  }

  /** Subscribes to messages starting with each prefix; with none, to every message. */
  subscribe(...prefixes) {
    setPrefixes(this, 6, prefixes)
  }

  /** Removes subscriptions made with `subscribe()` (with none: the subscribe-all one). */
  unsubscribe(...prefixes) {
    setPrefixes(this, 7, prefixes)
  }
}

function setPrefixes(socket, option, prefixes) {
  if (prefixes.length === 0) {
    prefixes = [null]
  }
  for (const prefix of prefixes) {
    if (prefix !== null && typeof prefix !== "string" && !ArrayBuffer.isView(prefix)) {
      throw new TypeError("Option value must be a string or buffer")
    }
    setBytes(socket, option, prefix)
  }
}

class Request extends Socket {
  constructor(options) {
    super(3, options)
  }
}

class Reply extends Socket {
  constructor(options) {
    super(4, options)
  }
}

class Dealer extends Socket {
  constructor(options) {
    super(5, options)
  }
}

/* ROUTER's and STREAM's connect: `{routingId}` is the name the next connection gets. */
function connectNaming(socket, address, options) {
  checkOptions(options)
  if (options.routingId) {
    setBytes(socket, 61, options.routingId)
  }
  Socket.prototype.connect.call(socket, address)
}

class Router extends Socket {
  constructor(options) {
    super(6, options)
  }

  /** Connects; `{routingId}` names the peer (ZMQ_CONNECT_ROUTING_ID). */
  connect(address, options = {}) {
    connectNaming(this, address, options)
  }
}

class Pull extends Socket {
  constructor(options) {
    super(7, options)
  }
}

class Push extends Socket {
  constructor(options) {
    super(8, options)
  }
}

class XPublisher extends Socket {
  constructor(options) {
    super(9, options)
  }

  /**
   * ZMQ_XPUB_VERBOSE / ZMQ_XPUB_VERBOSER: `null` (unique subscriptions only), `"allSubs"`
   * or `"allSubsUnsubs"`.
   */
  set verbosity(value) {
    /* Setting either option sets XPUB_VERBOSE's part too (libzmq), so the one that
       decides comes last. As zeromq.js, any other value is taken as null. */
    if (value === "allSubsUnsubs") {
      setInt(this, 78, 1)
    } else {
      setInt(this, 78, 0)
      setInt(this, 40, value === "allSubs" ? 1 : 0)
    }
  }
}

class XSubscriber extends Socket {
  constructor(options) {
    super(10, options)
  }
}

/**
 * Raw TCP peers (ZMQ_STREAM): each received message is [routing id, data]; [id, ""]
 * announces a connection and its loss (unless `notify` is false); sending [id, data]
 * writes, [id, ""] closes the connection.
 */
class Stream extends Socket {
  constructor(options) {
    super(11, options)
  }

  /** Connects; `{routingId}` names the connection (ZMQ_CONNECT_ROUTING_ID). */
  connect(address, options = {}) {
    connectNaming(this, address, options)
  }
}

/* ----- options as properties ----- */

/* The options that act at once on a socket that is already bound or connected (libzmq's
   zmq_setsockopt(3) list, plus the high water marks, which libzmq applies to existing
   pipes, and the timeouts, which this layer applies); the others act on the next bind or
   connect, and zeromq.js warns about them. */
const ACT_AT_ONCE = new Set([6, 7, 17, 23, 24, 27, 28, 33, 40, 51, 52, 53, 56, 69, 71, 74, 78])

function warnIfLate(state, id) {
  if (state.endpoints > 0 && !ACT_AT_ONCE.has(id)) {
    process.emitWarning("Socket option will not take effect until next connect/bind.")
  }
}

/* Options of a closed socket: libzmq's ENOTSOCK, as zeromq.js reports it. */
function checkOptionsOpen(state) {
  if (state.closed) {
    throw libzmqError("ENOTSOCK", "the socket is closed")
  }
}

function setInt(socket, id, value) {
  const state = socket[STATE]
  checkOptionsOpen(state)
  try {
    state.native.setIntOption(id, value)
  } catch (error) {
    throw fixError(error)
  }
  warnIfLate(state, id)
  switch (id) {
    /* The timeouts are applied by this layer: it keeps a copy for send/receive. */
    case 27:
      state.receiveTimeout = value
      break
    case 28:
      state.sendTimeout = value
      break
    /* They bound how many messages one receive may take from the addon. */
    case 24:
      state.rcvhwm = value
      state.batch = batchSize(state)
      break
    case 54:
      state.conflate = value !== 0
      state.batch = batchSize(state)
      break
  }
}

function getInt(socket, id) {
  const state = socket[STATE]
  checkOptionsOpen(state)
  try {
    return state.native.getIntOption(id)
  } catch (error) {
    throw fixError(error)
  }
}

function setBytes(socket, id, value) {
  const state = socket[STATE]
  checkOptionsOpen(state)
  try {
    state.native.setBytesOption(id, value)
  } catch (error) {
    throw fixError(error)
  }
  if (id !== 61) {
    /* CONNECT_ROUTING_ID is for the next connect by nature. */
    warnIfLate(state, id)
  }
}

/* CURVE_PUBLICKEY, CURVE_SECRETKEY and CURVE_SERVERKEY: set as 40 Z85 characters or 32
   bytes, kept as 32 bytes by the core and read back here as Z85 text (libzmq's form for a
   41-byte buffer; all zeros, "0000…", while unset). */
const CURVE_KEYS = new Set([48, 49, 50])

function getString(socket, id) {
  const state = socket[STATE]
  checkOptionsOpen(state)
  try {
    const value = state.native.getBytesOption(id)
    if (CURVE_KEYS.has(id)) {
      return native.z85Encode(value)
    }
    return value.length === 0 ? null : value.toString("utf8")
  } catch (error) {
    throw fixError(error)
  }
}

const R = 1
const W = 2
const RW = 3

const converters = {
  int: {
    get: (socket, id) => getInt(socket, id),
    set: (socket, id, value) => {
      if (typeof value !== "number") {
        throw new TypeError("Option value must be a number")
      }
      /* NaN and the infinities become 0, as zeromq.js converts them. */
      setInt(socket, id, Number.isFinite(value) ? Math.trunc(value) : 0)
    },
  },
  bool: {
    get: (socket, id) => getInt(socket, id) !== 0,
    set: (socket, id, value) => {
      if (typeof value !== "boolean") {
        throw new TypeError("Option value must be a boolean")
      }
      setInt(socket, id, value ? 1 : 0)
    },
  },
  string: {
    get: (socket, id) => getString(socket, id),
    set: (socket, id, value) => {
      if (value !== null && typeof value !== "string" && !ArrayBuffer.isView(value)) {
        throw new TypeError("Option value must be a string or buffer")
      }
      setBytes(socket, id, value)
    },
  },
}

function defineOpt(targets, name, id, type, access = RW, values) {
  const conv = converters[type]
  const desc = { configurable: true, enumerable: true }
  if (access & R) {
    desc.get = values
      ? function get() {
          return values[conv.get(this, id)]
        }
      : function get() {
          return conv.get(this, id)
        }
  }
  if (access & W) {
    desc.set = values
      ? function set(value) {
          conv.set(this, id, values.indexOf(value))
        }
      : function set(value) {
          conv.set(this, id, value)
        }
  }
  for (const target of targets) {
    if (!Object.prototype.hasOwnProperty.call(target.prototype, name)) {
      Object.defineProperty(target.prototype, name, desc)
    }
  }
}

const writables = [Pair, Publisher, Request, Reply, Dealer, Router, Push, XPublisher, XSubscriber, Stream]
const readables = [Pair, Subscriber, Request, Reply, Dealer, Router, Pull, XPublisher, XSubscriber, Stream]

defineOpt(writables, "sendBufferSize", 11, "int")
defineOpt(writables, "sendHighWaterMark", 23, "int")
defineOpt(writables, "sendTimeout", 28, "int")
defineOpt(readables, "receiveBufferSize", 12, "int")
defineOpt(readables, "receiveHighWaterMark", 24, "int")
defineOpt(readables, "receiveTimeout", 27, "int")
defineOpt([Socket], "affinity", 4, "int")
defineOpt([Request, Reply, Router, Dealer], "routingId", 5, "string")
defineOpt([Socket], "type", 16, "int", R)
defineOpt([Socket], "linger", 17, "int")
defineOpt([Socket], "reconnectInterval", 18, "int")
defineOpt([Socket], "backlog", 19, "int")
defineOpt([Socket], "reconnectMaxInterval", 21, "int")
defineOpt([Socket], "maxMessageSize", 22, "int")
defineOpt([Socket], "lastEndpoint", 32, "string", R)
defineOpt([Router], "mandatory", 33, "bool")
defineOpt([Socket], "tcpKeepalive", 34, "int")
defineOpt([Socket], "tcpKeepaliveCount", 35, "int")
defineOpt([Socket], "tcpKeepaliveIdle", 36, "int")
defineOpt([Socket], "tcpKeepaliveInterval", 37, "int")
defineOpt([Socket], "immediate", 39, "bool")
defineOpt([Socket], "ipv6", 42, "bool")
defineOpt([Socket], "securityMechanism", 43, "int", R, [null, "plain", "curve", "gssapi"])
/* PLAIN (RFC 24) and ZAP (RFC 27), with libzmq's semantics: plainServer = true makes the
   socket a PLAIN server; a username or password makes it a PLAIN client; plainServer =
   false or an empty credential goes back to NULL. Strings are at most 255 bytes (EINVAL). */
defineOpt([Socket], "plainServer", 44, "bool")
defineOpt([Socket], "plainUsername", 45, "string")
defineOpt([Socket], "plainPassword", 46, "string")
defineOpt([Socket], "zapDomain", 55, "string")
/* CURVE (RFC 26), libzmq's rules too: curveServer = true makes the socket a CURVE server
   (it needs its curveSecretKey); a curveServerKey makes it a client (with its own
   curvePublicKey and curveSecretKey); curveServer = false goes back to NULL. Keys are 40
   Z85 characters or 32 bytes (else EINVAL) and read back as Z85 (see getString). */
defineOpt([Socket], "curveServer", 47, "bool")
defineOpt([Socket], "curvePublicKey", 48, "string")
defineOpt([Socket], "curveSecretKey", 49, "string")
defineOpt([Socket], "curveServerKey", 50, "string")
defineOpt([Socket], "zapEnforceDomain", 93, "bool")
defineOpt([Router, Dealer, Request], "probeRouter", 51, "bool", W)
defineOpt([Request], "correlate", 52, "bool", W)
defineOpt([Request], "relaxed", 53, "bool", W)
defineOpt([Pull, Push, Subscriber, Publisher, Dealer], "conflate", 54, "bool", W)
defineOpt([Router], "handover", 56, "bool", W)
defineOpt([Socket], "handshakeInterval", 66, "int")
defineOpt([XPublisher, Publisher], "noDrop", 69, "bool", W)
defineOpt([XPublisher], "manual", 71, "bool", W)
defineOpt([XPublisher], "welcomeMessage", 72, "string", W)
defineOpt([Stream], "notify", 73, "bool", W)
defineOpt([Publisher, Subscriber, XPublisher], "invertMatching", 74, "bool")
defineOpt([Socket], "heartbeatInterval", 75, "int")
defineOpt([Socket], "heartbeatTimeToLive", 76, "int")
defineOpt([Socket], "heartbeatTimeout", 77, "int")
defineOpt([Socket], "connectTimeout", 79, "int")
defineOpt(writables, "multicastHops", 25, "int")
defineOpt([Socket], "rate", 8, "int")
defineOpt([Socket], "recoveryInterval", 9, "int")
defineOpt([Socket], "typeOfService", 57, "int")
defineOpt([Socket], "tcpMaxRetransmitTimeout", 80, "int")
defineOpt([Socket], "multicastMaxTransportDataUnit", 84, "int")
defineOpt([Socket], "interface", 92, "string")
defineOpt([Socket], "loopbackFastPath", 94, "bool")
defineOpt([Socket], "socksProxy", 68, "string")
/* Options of transports FerroMQ, like zeromq.js's libzmq, does not have (VMCI) or that
   libzmq removed (TCP_ACCEPT_FILTER): reading or setting them is EINVAL, as there. */
defineOpt([Socket], "tcpAcceptFilter", 38, "string")
defineOpt([Socket], "vmciBufferSize", 85, "int")
defineOpt([Socket], "vmciBufferMinSize", 86, "int")
defineOpt([Socket], "vmciBufferMaxSize", 87, "int")
defineOpt([Socket], "vmciConnectTimeout", 88, "int")

/* zeromq.js's low-level accessors, by libzmq's option number (zmq_getsockopt and
   zmq_setsockopt). The core keeps every number option as a 64-bit integer. */
function checkNumberValue(value) {
  if (typeof value !== "number") {
    throw new TypeError("Option value must be a number")
  }
}

Object.assign(Socket.prototype, {
  getBoolOption(option) {
    checkOptionNumber(option)
    return getInt(this, option) !== 0
  },
  setBoolOption(option, value) {
    checkOptionNumber(option)
    if (typeof value !== "boolean") {
      throw new TypeError("Option value must be a boolean")
    }
    setInt(this, option, value ? 1 : 0)
  },
  getStringOption(option) {
    checkOptionNumber(option)
    return getString(this, option)
  },
  setStringOption(option, value) {
    checkOptionNumber(option)
    if (value !== null && typeof value !== "string" && !ArrayBuffer.isView(value)) {
      throw new TypeError("Option value must be a string or buffer")
    }
    setBytes(this, option, value)
  },
})

/* The number accessors differ only in how a value is narrowed to the option's C type. */
for (const [type, narrow] of [
  ["Int32", (value) => value | 0],
  ["Uint32", (value) => value >>> 0],
  ["Int64", Math.trunc],
  ["Uint64", Math.trunc],
]) {
  Object.assign(Socket.prototype, {
    [`get${type}Option`](option) {
      checkOptionNumber(option)
      return getInt(this, option)
    },
    [`set${type}Option`](option, value) {
      checkOptionNumber(option)
      checkNumberValue(value)
      setInt(this, option, narrow(value))
    },
  })
}

/* FerroMQ sockets are not thread-safe in libzmq's sense (no draft socket types). */
Object.defineProperty(Socket.prototype, "threadSafe", {
  configurable: true,
  enumerable: true,
  get() {
    return false
  },
})

/* ----- Observer (sock.events) ----- */

/* libzmq's event ids (ZMQ_EVENT_*) and zeromq.js's names for them. */
const EVENT_CONNECT_RETRIED = 0x0004
const EVENT_BIND_FAILED = 0x0010
const EVENT_ACCEPT_FAILED = 0x0040
const EVENT_CLOSE_FAILED = 0x0100
const EVENT_MONITOR_STOPPED = 0x0400
const EVENT_HANDSHAKE_FAILED_NO_DETAIL = 0x0800
const EVENT_HANDSHAKE_FAILED_PROTOCOL = 0x2000
const EVENT_HANDSHAKE_FAILED_AUTH = 0x4000

const EVENT_TYPES = new Map([
  [0x0001, "connect"],
  [0x0002, "connect:delay"],
  [EVENT_CONNECT_RETRIED, "connect:retry"],
  [0x0008, "bind"],
  [EVENT_BIND_FAILED, "bind:error"],
  [0x0020, "accept"],
  [EVENT_ACCEPT_FAILED, "accept:error"],
  [0x0080, "close"],
  [EVENT_CLOSE_FAILED, "close:error"],
  [0x0200, "disconnect"],
  [EVENT_MONITOR_STOPPED, "end"],
  [EVENT_HANDSHAKE_FAILED_NO_DETAIL, "handshake:error:other"],
  [0x1000, "handshake"],
  [EVENT_HANDSHAKE_FAILED_PROTOCOL, "handshake:error:protocol"],
  [EVENT_HANDSHAKE_FAILED_AUTH, "handshake:error:auth"],
])

/* The value of HANDSHAKE_FAILED_PROTOCOL: libzmq's ZMQ_PROTOCOL_ERROR_* → the error's code. */
const PROTOCOL_ERRORS = new Map([
  [0x10000000, "ZMTP_UNSPECIFIED"],
  [0x10000001, "ZMTP_UNEXPECTED_COMMAND"],
  [0x10000002, "ZMTP_INVALID_SEQUENCE"],
  [0x10000003, "ZMTP_KEY_EXCHANGE"],
  [0x10000011, "ZMTP_MALFORMED_COMMAND_UNSPECIFIED"],
  [0x10000012, "ZMTP_MALFORMED_COMMAND_MESSAGE"],
  [0x10000013, "ZMTP_MALFORMED_COMMAND_HELLO"],
  [0x10000014, "ZMTP_MALFORMED_COMMAND_INITIATE"],
  [0x10000015, "ZMTP_MALFORMED_COMMAND_ERROR"],
  [0x10000016, "ZMTP_MALFORMED_COMMAND_READY"],
  [0x10000017, "ZMTP_MALFORMED_COMMAND_WELCOME"],
  [0x10000018, "ZMTP_INVALID_METADATA"],
  [0x11000001, "ZMTP_CRYPTOGRAPHIC"],
  [0x11000002, "ZMTP_MECHANISM_MISMATCH"],
  [0x20000000, "ZAP_UNSPECIFIED"],
  [0x20000001, "ZAP_MALFORMED_REPLY"],
  [0x20000002, "ZAP_BAD_REQUEST_ID"],
  [0x20000003, "ZAP_BAD_VERSION"],
  [0x20000004, "ZAP_INVALID_STATUS_CODE"],
  [0x20000005, "ZAP_INVALID_METADATA"],
])

/* The value of HANDSHAKE_FAILED_AUTH: the ZAP status code. */
const AUTH_ERRORS = new Map([
  [300, "Temporary error"],
  [400, "Authentication failure"],
  [500, "Internal error"],
])

/* errno → code: libzmq's own codes (from the core), then the system's. */
const CODE_BY_ERRNO = new Map(Object.entries(ERRNO).map(([code, errno]) => [errno, code]))

function errnoCode(errno) {
  const known = CODE_BY_ERRNO.get(errno)
  if (known !== undefined) {
    return known
  }
  try {
    const name = require("util").getSystemErrorName(-errno)
    return name.startsWith("Unknown") ? "" : name
  } catch {
    return ""
  }
}

/* The error of an event whose value is an errno (as zeromq.js builds it: code and errno). */
function errnoError(errno) {
  const error = new Error(native.errnoMessage(errno))
  error.errno = errno
  error.code = errnoCode(errno)
  return error
}

/* A decoded monitor event {event, value, endpoint} → zeromq.js's event object. */
function toEvent(raw) {
  const type = EVENT_TYPES.get(raw.event) || "unknown"
  const event = { type }
  if (raw.endpoint.length > 0) {
    event.address = raw.endpoint
  }
  switch (raw.event) {
    case EVENT_CONNECT_RETRIED:
      event.interval = raw.value
      break
    case EVENT_BIND_FAILED:
    case EVENT_ACCEPT_FAILED:
    case EVENT_CLOSE_FAILED:
    case EVENT_HANDSHAKE_FAILED_NO_DETAIL:
      event.error = errnoError(raw.value)
      break
    case EVENT_HANDSHAKE_FAILED_PROTOCOL: {
      const name = PROTOCOL_ERRORS.get(raw.value)
      const error = new Error(name ? `${name.slice(0, name.indexOf("_"))} protocol error` : "Unknown error")
      error.code = name ? `ERR_${name}` : "ERR_UNKNOWN"
      event.error = error
      break
    }
    case EVENT_HANDSHAKE_FAILED_AUTH: {
      const error = new Error(AUTH_ERRORS.get(raw.value) || "Unknown error")
      error.status = raw.value
      event.error = error
      break
    }
  }
  return event
}

class ObserverState {
  constructor(sockState, handle) {
    this.ctx = sockState.ctx
    this.native = handle
    this.socket = sockState
    /* Set when the socket is closed: only the last events ("end" last) are still to come. */
    this.socketClosed = sockState.closed
    this.closed = false
    /* Token of the pending receive, or 0; and its promise (settled to undefined). */
    this.recv = 0
    this.current = null
    this.sync = 0
    /* The EventEmitter of `on()`/`off()`, once in event emitter mode. */
    this.emitter = null
  }
}

/* An event has arrived: "end" (MONITOR_STOPPED) closes the observer after it is delivered. */
function delivered(state, raw) {
  const event = toEvent(raw)
  if (raw.event === EVENT_MONITOR_STOPPED) {
    closeObserver(state)
  }
  return event
}

function closeObserver(state) {
  if (state.closed) {
    return
  }
  state.closed = true
  state.socket.observers.delete(state)
  state.native.close()
  if (state.recv !== 0) {
    /* zeromq.js's error here: its monitor socket is gone. */
    settle(state, state.recv, libzmqError("ENOTSOCK", "the observer was closed"))
  }
}

/* Receives the next event. `keepAlive`: whether waiting for it keeps the process alive
   (a receive() does, like a socket's; the event emitter's does not). */
function observe(state, keepAlive) {
  if (state.closed) {
    throw zmqError("EBADF", "Socket is closed", "the observer is closed")
  }
  if (state.recv !== 0) {
    throw zmqError(
      "EBUSY",
      "Observer is busy reading; only one receive operation may be in progress at any time",
    )
  }
  const token = state.ctx.nextToken()
  const promise = new Promise((resolve, reject) => {
    const op = {
      keepAlive,
      resolve: (raw) => resolve(delivered(state, raw)),
      reject,
      done: () => {
        state.recv = 0
        state.current = null
      },
    }
    if (++state.sync > MAX_SYNC_OPERATIONS) {
      /* Many events in a row were already queued: let the event loop turn first. */
      state.sync = 0
      state.recv = token
      state.ctx.register(token, op)
      setImmediate(() => {
        if (state.recv === token && !state.closed) {
          tryObserve(state, token, op)
        }
      })
      return
    }
    let raw
    try {
      raw = state.native.receive(token)
    } catch (error) {
      reject(fixError(error))
      return
    }
    if (raw !== null) {
      op.resolve(raw)
      return
    }
    state.sync = 0
    state.recv = token
    state.ctx.register(token, op)
  })
  if (state.recv === token) {
    state.current = promise.then(
      () => undefined,
      () => undefined,
    )
  }
  return promise
}

/* The deferred attempt of `observe` (the operation is registered under `token`). */
function tryObserve(state, token, op) {
  let raw
  try {
    raw = state.native.receive(token)
  } catch (error) {
    settle(state, token, fixError(error))
    return
  }
  if (raw !== null) {
    settle(state, token, undefined, raw)
  }
  /* else: parked natively under the same token; the reactor settles it. */
}

/* Event emitter mode: one loop receives events and emits them by type. Listeners do not
   keep the process alive while the socket is open (unlike zeromq.js's), only once it is
   closed, until "end". A listener that throws is reported as an uncaught exception. */
function emitterOf(state) {
  if (state.emitter !== null) {
    return state.emitter
  }
  const { EventEmitter } = require("events")
  const emitter = new EventEmitter()
  state.emitter = emitter
  const run = async () => {
    while (!state.closed) {
      if (state.current !== null) {
        await state.current /* a receive() made before on() finishes first */
        continue
      }
      let event
      try {
        event = await observe(state, state.socketClosed)
      } catch (error) {
        if (!state.closed) {
          process.emitWarning(`ferromq: observer stopped: ${error.message}`)
        }
        return
      }
      try {
        emitter.emit(event.type, event)
      } catch (error) {
        process.nextTick(() => {
          throw error
        })
      }
    }
  }
  run()
  return emitter
}

/**
 * The event observer of a socket (its ØMQ monitor), as zeromq.js's `Observer`: read events
 * with `receive()` or `for await`, or listen with `on(type, listener)` (event emitter mode;
 * the two are exclusive). Usually reached through `socket.events`; `new Observer(socket)`
 * replaces the socket's monitor (the previous observer ends).
 */
class Observer {
  constructor(socket) {
    checkArity(arguments.length, 1)
    checkSocketArgument(socket, "Socket must be a socket object")
    const sockState = socket[STATE]
    let handle
    try {
      handle = new NativeObserver(sockState.native)
    } catch (error) {
      throw fixError(error)
    }
    const state = new ObserverState(sockState, handle)
    sockState.observers.add(state)
    Object.defineProperty(this, STATE, { value: state })
    Object.seal(this)
  }

  /** Whether the observer was closed, by `close()` or after its "end" event. */
  get closed() {
    return this[STATE].closed
  }

  /** Stops observing; a pending `receive()` rejects with ENOTSOCK (iteration just ends). */
  close() {
    closeObserver(this[STATE])
  }

  /**
   * Resolves with the next event: `{type, address?, interval?, error?}`. The last one is
   * `{type: "end"}`, after which the observer is closed. Throws EBUSY if a receive is
   * pending, EBADF once closed, and an Error in event emitter mode.
   */
  receive() {
    const state = this[STATE]
    if (state.emitter !== null) {
      throw new Error(
        "Observer is in event emitter mode. After a call to events.on() it is not possible " +
          "to read events with events.receive().",
      )
    }
    return observe(state, true)
  }

  /** Calls `listener(event)` for every event of `type`; switches to event emitter mode. */
  on(type, listener) {
    emitterOf(this[STATE]).on(type, listener)
    return this
  }

  /** Removes a listener added with `on()`. */
  off(type, listener) {
    emitterOf(this[STATE]).off(type, listener)
    return this
  }

  [Symbol.asyncIterator]() {
    return {
      next: async () => {
        if (this.closed) {
          return { done: true, value: undefined }
        }
        try {
          return { value: await this.receive(), done: false }
        } catch (error) {
          /* Closed while waiting: the iteration ends (zeromq.js throws ENOTSOCK here). */
          if (this.closed && error.code === "ENOTSOCK") {
            return { done: true, value: undefined }
          }
          throw error
        }
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }
}

/* ----- Proxy ----- */

/* As zeromq.js: a TypeError for a non-object, an Error for an object that is no socket. */
function checkSocketArgument(value, message) {
  if (typeof value !== "object" || value === null) {
    throw new TypeError(message)
  }
  if (!(value instanceof Socket)) {
    throw invalidArgument(message)
  }
}

/**
 * Moves messages between `frontEnd` and `backEnd` (zmq_proxy_steerable) on a native thread
 * of its own: `await proxy.run()` resolves once `terminate()` is called.
 */
class Proxy {
  constructor(frontEnd, backEnd) {
    checkArity(arguments.length, 2)
    checkSocketArgument(frontEnd, "Front-end must be a socket object")
    checkSocketArgument(backEnd, "Back-end must be a socket object")
    Object.defineProperty(this, STATE, {
      value: { frontEnd, backEnd, native: null, running: false },
    })
    Object.seal(this)
  }

  get frontEnd() {
    return this[STATE].frontEnd
  }

  get backEnd() {
    return this[STATE].backEnd
  }

  run() {
    const state = this[STATE]
    if (state.running) {
      return Promise.reject(zmqError("EBUSY", "Proxy is already running"))
    }
    const front = state.frontEnd[STATE]
    const back = state.backEnd[STATE]
    /* Thrown, not rejected, as zeromq.js does; a closed socket has no endpoint left. */
    if (front.closed || front.endpoints === 0) {
      throw zmqError("EINVAL", "Front-end socket must be bound or connected")
    }
    if (back.closed || back.endpoints === 0) {
      throw zmqError("EINVAL", "Back-end socket must be bound or connected")
    }
    if (front.ctx !== back.ctx) {
      return Promise.reject(zmqError("EINVAL", "Proxy sockets must share a context"))
    }
    const ctx = front.ctx
    try {
      forwardQueued(front, back)
      forwardQueued(back, front)
    } catch (error) {
      return Promise.reject(fixError(error))
    }
    const token = ctx.nextToken()
    try {
      state.native = new NativeProxy(front.native, back.native, token)
    } catch (error) {
      return Promise.reject(fixError(error))
    }
    state.running = true
    return new Promise((resolve, reject) => {
      ctx.register(token, {
        resolve,
        reject,
        done: () => {
          state.running = false
          state.native = null
        },
      })
    })
  }

  pause() {
    this.command("PAUSE")
  }

  resume() {
    this.command("RESUME")
  }

  terminate() {
    this.command("TERMINATE")
  }

  /** @internal */
  command(command) {
    const state = this[STATE]
    if (!state.running) {
      throw zmqError("EBADF", "Socket is closed", "the proxy is not running")
    }
    try {
      state.native.command(command)
    } catch (error) {
      throw fixError(error)
    }
  }
}

/* ----- Authenticator ----- */

/* A list of strings from `...values` (Buffers are read as UTF-8), or a TypeError. */
function textArguments(values, what) {
  return values.map((value) => {
    if (typeof value === "string") {
      return value
    }
    if (ArrayBuffer.isView(value)) {
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("utf8")
    }
    throw new TypeError(`${what} must be a string`)
  })
}

/**
 * A ZAP handler (RFC 27) for the servers of one context, in the shape of pyzmq's
 * `ThreadAuthenticator` (zeromq.js has none): the core's authenticator, answering on a
 * native thread of its own once `start()` is called, so no JavaScript runs per connection.
 *
 * - `allow(...addresses)`: only these IP addresses get in (the other checks still apply);
 *   `deny(...addresses)`: these are kept out (ignored while an allow list exists).
 * - NULL clients of servers with a `zapDomain`: every address not kept out gets in (User-Id
 *   "anonymous").
 * - PLAIN: `configurePlain(domain, {username: password})` names the users of servers with
 *   that `zapDomain` ("*": servers without one); the User-Id is the username.
 * - CURVE: `configureCurve(domain, directory)` lets in the keys of the public certificates
 *   in `directory` for servers with that `zapDomain`; `CURVE_ALLOW_ANY` every key. The
 *   User-Id is the key in Z85.
 *
 * Refusals are ZAP status 400: both peers' observers see "handshake:error:auth".
 */
class Authenticator {
  constructor(ctx = context) {
    checkArity(arguments.length, 1)
    if (!(ctx instanceof Context)) {
      throw invalidArgument("the authenticator's context must be a Context")
    }
    let handle
    try {
      handle = new NativeAuthenticator(ctx[STATE].handle())
    } catch (error) {
      throw fixError(error)
    }
    Object.defineProperty(this, STATE, { value: { context: ctx, native: handle } })
    Object.seal(this)
  }

  /** The context whose servers this authenticator answers for. */
  get context() {
    return this[STATE].context
  }

  /** Whether it is answering (between `start()` and `stop()`). */
  get isAlive() {
    return this[STATE].native.isRunning()
  }

  /**
   * Binds `inproc://zeromq.zap.01` in the context and starts answering. Throws EADDRINUSE
   * if another ZAP handler is bound there; does nothing if this one runs already.
   */
  start() {
    checkArity(arguments.length, 0)
    try {
      this[STATE].native.start()
    } catch (error) {
      throw fixError(error)
    }
  }

  /** Stops answering and frees `inproc://zeromq.zap.01` (it may be started again). */
  stop() {
    checkArity(arguments.length, 0)
    this[STATE].native.stop()
  }

  /** Lets in only these IP addresses (added to those allowed before). */
  allow(...addresses) {
    this[STATE].native.allow(textArguments(addresses, "Address"))
  }

  /** Keeps these IP addresses out. */
  deny(...addresses) {
    this[STATE].native.deny(textArguments(addresses, "Address"))
  }

  /**
   * The PLAIN users of servers whose `zapDomain` is `domain` ("*": servers without one), as
   * `{username: password}` or a Map; replaces what was configured for that domain before.
   */
  configurePlain(domain = "*", passwords = {}) {
    checkArity(arguments.length, 2)
    const [name] = textArguments([domain], "Domain")
    let entries
    if (passwords instanceof Map) {
      entries = [...passwords]
    } else if (typeof passwords === "object" && passwords !== null) {
      entries = Object.entries(passwords)
    } else {
      throw new TypeError("Passwords must be an object of username: password")
    }
    const users = {}
    for (const [username, password] of entries) {
      const [user, pass] = textArguments([username, password], "Username and password")
      Object.defineProperty(users, user, { value: pass, enumerable: true })
    }
    this[STATE].native.configurePlain(name, users)
  }

  /**
   * The CURVE clients of servers whose `zapDomain` is `domain` ("*": servers without one):
   * those whose public certificates (`*.key` files, as `createCertificates` writes them) are
   * in the directory `location`, read now (call again after adding one); replaces what was
   * configured for that domain before. `location` = `Authenticator.CURVE_ALLOW_ANY` ("*")
   * lets every client key in, whatever the domain (encryption without authentication).
   */
  configureCurve(domain = "*", location) {
    checkArity(arguments.length, 2)
    const [name] = textArguments([domain], "Domain")
    const [where] = textArguments([location], "Location")
    try {
      if (where === CURVE_ALLOW_ANY) {
        this[STATE].native.allowAnyCurve()
      } else {
        this[STATE].native.configureCurve(name, where)
      }
    } catch (error) {
      throw fixError(error)
    }
  }

  /** GSSAPI is not in FerroMQ (nor in zeromq.js's libzmq). */
  configureGssapi() {
    throw libzmqError("ENOTSUP", "GSSAPI is not in FerroMQ")
  }
}

/* pyzmq's `zmq.auth.CURVE_ALLOW_ANY`, the location that lets every CURVE key in. */
const CURVE_ALLOW_ANY = "*"
Object.defineProperty(Authenticator, "CURVE_ALLOW_ANY", { value: CURVE_ALLOW_ANY, enumerable: true })

/* ----- CURVE keys and certificates ----- */

/** A new CURVE key pair, `{publicKey, secretKey}`, each 40 Z85 characters (zeromq.js's). */
function curveKeyPair() {
  return native.curveKeyPair()
}

/** The public key (Z85) of a Z85 secret key (libzmq's zmq_curve_public); EINVAL if it is not one. */
function curvePublic(secretKey) {
  checkArity(arguments.length, 1)
  const [text] = textArguments([secretKey], "Secret key")
  try {
    return native.curvePublic(text)
  } catch (error) {
    throw fixError(error)
  }
}

/* A path argument: a string, a Buffer (UTF-8) or a file: URL, as Node's fs takes them. */
function pathArgument(value, what) {
  if (value instanceof URL) {
    return require("url").fileURLToPath(value)
  }
  return textArguments([value], what)[0]
}

/**
 * Writes a new key pair as czmq certificates (pyzmq's `zmq.auth.create_certificates`):
 * `<directory>/<name>.key` (the public key) and `<name>.key_secret` (both keys, readable by
 * its owner only). Returns `{publicFile, secretFile}`.
 */
function createCertificates(directory, name) {
  checkArity(arguments.length, 2)
  const dir = pathArgument(directory, "Directory")
  const [base] = textArguments([name], "Name")
  try {
    return native.createCertificates(dir, base)
  } catch (error) {
    throw fixError(error)
  }
}

/** The keys of a certificate file: `{publicKey, secretKey}` (Z85; `secretKey` null if absent). */
function loadCertificate(path) {
  checkArity(arguments.length, 1)
  const file = pathArgument(path, "Path")
  try {
    const { publicKey, secretKey } = native.loadCertificate(file)
    return { publicKey, secretKey: secretKey ?? null }
  } catch (error) {
    throw fixError(error)
  }
}

const capability = Object.freeze({
  ipc: true,
  pgm: false,
  tipc: false,
  norm: false,
  curve: true,
  gssapi: false,
  draft: false,
})

/* As zeromq.js: the libzmq version (the one FerroMQ is wire- and behaviour-compatible
   with), which code checks ("semver.satisfies(zmq.version, ...)"); and FerroMQ's own. */
const version = "4.3.5"
const ferromqVersion = native.coreVersion()

/* Names only (shorthand), so that Node finds them when an ES module imports this one
   (`import { Push } from "ferromq"`), and `__esModule` as zeromq.js (compiled from
   TypeScript) has it, for bundlers. */
module.exports = {
  version,
  ferromqVersion,
  capability,
  curveKeyPair,
  curvePublic,
  createCertificates,
  loadCertificate,
  context,
  Context,
  Socket,
  Observer,
  Proxy,
  Authenticator,
  Pair,
  Publisher,
  Subscriber,
  Request,
  Reply,
  Dealer,
  Router,
  Pull,
  Push,
  XPublisher,
  XSubscriber,
  Stream,
}
Object.defineProperty(module.exports, "__esModule", { value: true })
