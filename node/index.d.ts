/// <reference types="node" />
/**
 * FerroMQ for Node.js: zeromq.js v6's API over the FerroMQ core.
 * `import * as zmq from "ferromq"` replaces `import * as zmq from "zeromq"`.
 */

/** The libzmq version FerroMQ is compatible with ("4.3.5"), as zeromq.js's `version`. */
export declare const version: string
/** FerroMQ's own version. */
export declare const ferromqVersion: string

/** Transports and mechanisms this build supports. */
export declare const capability: Readonly<{
  ipc: boolean
  pgm: boolean
  tipc: boolean
  norm: boolean
  curve: boolean
  gssapi: boolean
  draft: boolean
}>

/** A CURVE key pair, each key 40 Z85 characters. */
export interface CurveKeyPair {
  publicKey: string
  secretKey: string
}

/** A new CURVE key pair (zmq_curve_keypair), as zeromq.js's `curveKeyPair()`. */
export declare function curveKeyPair(): CurveKeyPair

/** The public key of a Z85 secret key (zmq_curve_public); EINVAL if it is not one. FerroMQ's. */
export declare function curvePublic(secretKey: string | Buffer): string

/**
 * Writes a new key pair as czmq certificates: `<directory>/<name>.key` (public) and
 * `<directory>/<name>.key_secret` (both keys, mode 0600); pyzmq's
 * `zmq.auth.create_certificates`. FerroMQ's.
 */
export declare function createCertificates(
  directory: string | Buffer | URL,
  name: string,
): { publicFile: string; secretFile: string }

/** The keys of a czmq certificate file (Z85); `secretKey` is null in a public one. FerroMQ's. */
export declare function loadCertificate(path: string | Buffer | URL): {
  publicKey: string
  secretKey: string | null
}

/** An error from a ØMQ operation: `code` is libzmq's name ("EAGAIN", "EFSM", …). */
export interface ErrnoError extends Error {
  code: string
  errno: number
}

/** A frame: binary data, a string (sent as UTF-8), or null (an empty frame). */
export type MessageLike =
  | ArrayBufferView
  | ArrayBuffer
  | SharedArrayBuffer
  | string
  | number
  | null

type OptionsOf<T> = Partial<Omit<T, "events" | "close" | "bind" | "bindSync" | "unbind" | "unbindSync" | "connect" | "disconnect" | "send" | "receive" | "subscribe" | "unsubscribe" | "context" | "closed" | "readable" | "writable" | "type" | "lastEndpoint" | "securityMechanism" | "threadSafe" | "getBoolOption" | "setBoolOption" | "getInt32Option" | "setInt32Option" | "getUint32Option" | "setUint32Option" | "getInt64Option" | "setInt64Option" | "getUint64Option" | "setUint64Option" | "getStringOption" | "setStringOption">> & {
  context?: Context
}

export declare class Context {
  constructor(options?: {
    ioThreads?: number
    blocky?: boolean
    ipv6?: boolean
    maxSockets?: number
    threadPriority?: number
    threadSchedulingPolicy?: number
  })
  /** ZMQ_IO_THREADS; set it before the first socket of the context. */
  ioThreads: number
  /** ZMQ_BLOCKY: when false, new sockets get linger 0. */
  blocky: boolean
  /** ZMQ_IPV6: the default of new sockets' `ipv6`. */
  ipv6: boolean
  /** ZMQ_MAX_SOCKETS; set it before the first socket of the context. */
  maxSockets: number
  /** ZMQ_SOCKET_LIMIT: the largest `maxSockets`. */
  readonly maxSocketsLimit: number
  /** ZMQ_THREAD_PRIORITY (write-only; accepted, not applied: see README). */
  set threadPriority(value: number)
  /** ZMQ_THREAD_SCHED_POLICY (write-only; accepted, not applied: see README). */
  set threadSchedulingPolicy(value: number)
  getBoolOption(option: number): boolean
  setBoolOption(option: number, value: boolean): void
  getInt32Option(option: number): number
  setInt32Option(option: number, value: number): void
}

/** The global context of sockets created without `{context}`. */
export declare const context: Context

export declare abstract class Socket {
  protected constructor(type: number, options?: {})
  /**
   * The socket's event observer (its ØMQ monitor), created on first access and the same
   * object afterwards. Throws ENOTSOCK on a closed socket that never had one.
   */
  readonly events: Observer
  readonly context: Context
  readonly closed: boolean
  /** A message can be received now. */
  readonly readable: boolean
  /** A message can be sent now. */
  readonly writable: boolean
  readonly type: number
  readonly lastEndpoint: string | null
  /** ZMQ_MECHANISM: "plain" or "curve" once one is configured (server or client), else null. */
  readonly securityMechanism: null | "plain" | "curve" | "gssapi"
  readonly threadSafe: boolean
  /** ZMQ_PLAIN_SERVER: true makes the socket a PLAIN server (RFC 24); false: back to NULL. */
  plainServer: boolean
  /** ZMQ_PLAIN_USERNAME (at most 255 bytes): a username makes the socket a PLAIN client. */
  plainUsername: string | null
  /** ZMQ_PLAIN_PASSWORD (at most 255 bytes): as `plainUsername`. */
  plainPassword: string | null
  /** ZMQ_CURVE_SERVER: true makes the socket a CURVE server (RFC 26; it needs its
      `curveSecretKey`); false: back to NULL. */
  curveServer: boolean
  /** ZMQ_CURVE_PUBLICKEY: the socket's long-term public key (a client's). Set as 40 Z85
      characters or 32 bytes (else EINVAL); read back as Z85 ("000…" while unset; zeromq.js
      throws EINVAL on reading any CURVE key). */
  curvePublicKey: string | null
  /** ZMQ_CURVE_SECRETKEY: the socket's long-term secret key (servers and clients). */
  curveSecretKey: string | null
  /** ZMQ_CURVE_SERVERKEY: the server's public key; setting it makes the socket a CURVE client. */
  curveServerKey: string | null
  /** ZMQ_ZAP_DOMAIN (at most 255 bytes): asked of the ZAP handler; NULL servers with a
      domain ask it about every peer, PLAIN servers always. */
  zapDomain: string | null
  /** ZMQ_ZAP_ENFORCE_DOMAIN. */
  zapEnforceDomain: boolean
  affinity: number
  linger: number
  reconnectInterval: number
  reconnectMaxInterval: number
  backlog: number
  maxMessageSize: number
  tcpKeepalive: number
  tcpKeepaliveCount: number
  tcpKeepaliveIdle: number
  tcpKeepaliveInterval: number
  immediate: boolean
  ipv6: boolean
  handshakeInterval: number
  heartbeatInterval: number
  heartbeatTimeToLive: number
  heartbeatTimeout: number
  connectTimeout: number
  rate: number
  recoveryInterval: number
  typeOfService: number
  tcpMaxRetransmitTimeout: number
  multicastMaxTransportDataUnit: number
  interface: string | null
  loopbackFastPath: boolean
  /** No VMCI transport (as zeromq.js's libzmq): EINVAL. */
  vmciBufferSize: number
  vmciBufferMinSize: number
  vmciBufferMaxSize: number
  vmciConnectTimeout: number
  /** Removed from libzmq: EINVAL. */
  tcpAcceptFilter: string | null

  getBoolOption(option: number): boolean
  setBoolOption(option: number, value: boolean): void
  getInt32Option(option: number): number
  setInt32Option(option: number, value: number): void
  getUint32Option(option: number): number
  setUint32Option(option: number, value: number): void
  getInt64Option(option: number): number
  setInt64Option(option: number, value: number): void
  getUint64Option(option: number): number
  setUint64Option(option: number, value: number): void
  getStringOption(option: number): string | null
  setStringOption(option: number, value: string | Buffer | null): void

  bind(address: string): Promise<void>
  bindSync(address: string): void
  unbind(address: string): Promise<void>
  unbindSync(address: string): void
  connect(address: string): void
  disconnect(address: string): void
  /** Pending sends/receives reject with EAGAIN; later calls throw EBADF. */
  close(): void
}

export interface Writable {
  sendHighWaterMark: number
  sendBufferSize: number
  sendTimeout: number
  multicastHops: number
  /**
   * Resolves once the message is queued. At the high water mark it waits (never drops,
   * except where the pattern drops: PUB, ROUTER), up to `sendTimeout` (then EAGAIN).
   * Throws EBUSY if a send is already pending.
   */
  send(message: MessageLike | MessageLike[]): Promise<void>
}

export interface Readable {
  receiveHighWaterMark: number
  receiveBufferSize: number
  receiveTimeout: number
  /** Resolves with the frames of the next message. Throws EBUSY if a receive is pending. */
  receive(): Promise<Buffer[]>
  [Symbol.asyncIterator](): AsyncIterator<Buffer[]>
}

export declare class Pair extends Socket {
  constructor(options?: OptionsOf<Pair>)
}
export interface Pair extends Writable, Readable {}

export declare class Publisher extends Socket {
  constructor(options?: OptionsOf<Publisher>)
  noDrop: boolean
  conflate: boolean
  invertMatching: boolean
}
export interface Publisher extends Writable {}

export declare class Subscriber extends Socket {
  constructor(options?: OptionsOf<Subscriber>)
  conflate: boolean
  invertMatching: boolean
  subscribe(...prefixes: Array<Buffer | string>): void
  unsubscribe(...prefixes: Array<Buffer | string>): void
}
export interface Subscriber extends Readable {}

export declare class Request extends Socket {
  constructor(options?: OptionsOf<Request>)
  routingId: string | null
  probeRouter: boolean
  correlate: boolean
  relaxed: boolean
}
export interface Request extends Writable, Readable {}

export declare class Reply extends Socket {
  constructor(options?: OptionsOf<Reply>)
  routingId: string | null
}
export interface Reply extends Writable, Readable {}

export declare class Dealer extends Socket {
  constructor(options?: OptionsOf<Dealer>)
  routingId: string | null
  probeRouter: boolean
  conflate: boolean
}
export interface Dealer extends Writable, Readable {}

/** Raw TCP peers (ZMQ_STREAM): messages are [routing id, data]. */
export declare class Stream extends Socket {
  constructor(options?: OptionsOf<Stream>)
  /** ZMQ_STREAM_NOTIFY (write-only): announce connections and their loss with [id, ""]. */
  set notify(value: boolean)
  connect(address: string, options?: { routingId?: string }): void
}
export interface Stream extends Writable, Readable {}

export declare class Router extends Socket {
  constructor(options?: OptionsOf<Router>)
  routingId: string | null
  mandatory: boolean
  probeRouter: boolean
  handover: boolean
  connect(address: string, options?: { routingId?: string }): void
}
export interface Router extends Writable, Readable {}

export declare class Pull extends Socket {
  constructor(options?: OptionsOf<Pull>)
  conflate: boolean
}
export interface Pull extends Readable {}

export declare class Push extends Socket {
  constructor(options?: OptionsOf<Push>)
  conflate: boolean
}
export interface Push extends Writable {}

export declare class XPublisher extends Socket {
  constructor(options?: OptionsOf<XPublisher>)
  noDrop: boolean
  manual: boolean
  welcomeMessage: string | null
  invertMatching: boolean
  verbosity: null | "allSubs" | "allSubsUnsubs"
}
export interface XPublisher extends Writable, Readable {}

export declare class XSubscriber extends Socket {
  constructor(options?: OptionsOf<XSubscriber>)
}
export interface XSubscriber extends Writable, Readable {}

/** The `error` of "handshake:error:auth": `status` is the ZAP status code. */
export interface AuthError extends Error {
  status: 300 | 400 | 500
}

/** The `error` of "handshake:error:protocol": `code` names libzmq's ZMQ_PROTOCOL_ERROR_*. */
export interface ProtoError extends Error {
  code:
    | "ERR_ZMTP_UNSPECIFIED"
    | "ERR_ZMTP_UNEXPECTED_COMMAND"
    | "ERR_ZMTP_INVALID_SEQUENCE"
    | "ERR_ZMTP_KEY_EXCHANGE"
    | "ERR_ZMTP_MALFORMED_COMMAND_UNSPECIFIED"
    | "ERR_ZMTP_MALFORMED_COMMAND_MESSAGE"
    | "ERR_ZMTP_MALFORMED_COMMAND_HELLO"
    | "ERR_ZMTP_MALFORMED_COMMAND_INITIATE"
    | "ERR_ZMTP_MALFORMED_COMMAND_ERROR"
    | "ERR_ZMTP_MALFORMED_COMMAND_READY"
    | "ERR_ZMTP_MALFORMED_COMMAND_WELCOME"
    | "ERR_ZMTP_INVALID_METADATA"
    | "ERR_ZMTP_CRYPTOGRAPHIC"
    | "ERR_ZMTP_MECHANISM_MISMATCH"
    | "ERR_ZAP_UNSPECIFIED"
    | "ERR_ZAP_MALFORMED_REPLY"
    | "ERR_ZAP_BAD_REQUEST_ID"
    | "ERR_ZAP_BAD_VERSION"
    | "ERR_ZAP_INVALID_STATUS_CODE"
    | "ERR_ZAP_INVALID_METADATA"
}

/** The endpoint an event is about. */
export interface EventAddress {
  address: string
}

/** The reconnect interval (ms) of "connect:retry". */
export interface EventInterval {
  interval: number
}

/** The error an event reports (for errno values: `code` and `errno`). */
export interface EventError<E = ErrnoError> {
  error: E
}

/** An event of type `T` with the fields `D`. */
export type EventFor<T extends string, D = {}> = { type: T } & D

/**
 * A socket event, as zeromq.js names libzmq's ZMQ_EVENT_*:
 * "connect" (CONNECTED), "connect:delay" (CONNECT_DELAYED), "connect:retry"
 * (CONNECT_RETRIED, with `interval`), "bind" (LISTENING), "bind:error" (BIND_FAILED),
 * "accept" (ACCEPTED), "accept:error" (ACCEPT_FAILED), "close" (CLOSED), "close:error"
 * (CLOSE_FAILED), "disconnect" (DISCONNECTED), "handshake" (HANDSHAKE_SUCCEEDED),
 * "handshake:error:protocol" / ":auth" / ":other" (HANDSHAKE_FAILED_PROTOCOL / _AUTH /
 * _NO_DETAIL), "end" (MONITOR_STOPPED: the last event) and "unknown".
 */
export type Event =
  | EventFor<"accept", EventAddress>
  | EventFor<"accept:error", EventAddress & EventError>
  | EventFor<"bind", EventAddress>
  | EventFor<"bind:error", EventAddress & EventError>
  | EventFor<"connect", EventAddress>
  | EventFor<"connect:delay", EventAddress>
  | EventFor<"connect:retry", EventAddress & EventInterval>
  | EventFor<"close", EventAddress>
  | EventFor<"close:error", EventAddress & EventError>
  | EventFor<"disconnect", EventAddress>
  | EventFor<"end">
  | EventFor<"handshake", EventAddress>
  | EventFor<"handshake:error:protocol", EventAddress & EventError<ProtoError>>
  | EventFor<"handshake:error:auth", EventAddress & EventError<AuthError>>
  | EventFor<"handshake:error:other", EventAddress & EventError>
  | EventFor<"unknown">

/** The type names of `Event`. */
export type EventType = Event["type"]

/** The event object of one type, e.g. `EventOfType<"connect:retry">`. */
export type EventOfType<E extends EventType = EventType> = Extract<Event, { type: E }>

/**
 * A socket's event observer (its ØMQ monitor). Read events with `receive()` / `for await`,
 * or listen with `on()`; the two are exclusive (after `on()`, `receive()` throws). The
 * observer ends with an "end" event once its socket is closed (or it is replaced).
 *
 * Liveness: a pending `receive()` keeps the process alive, like a socket's. Listeners do
 * not while the socket is open (zeromq.js's do); once it is closed, they keep the process
 * alive until "end" is delivered.
 */
export declare class Observer {
  /** Starts monitoring `socket`, replacing its current monitor (that observer ends). */
  constructor(socket: Socket)
  /** Whether `close()` was called or "end" was received. */
  readonly closed: boolean
  /** Stops observing; a pending `receive()` rejects with EAGAIN (iteration just ends). */
  close(): void
  /** The next event. Throws EBUSY if one is pending, EBADF once closed. */
  receive(): Promise<Event>
  /** Calls `listener` for each event of `type` (event emitter mode). */
  on<E extends EventType>(type: E, listener: (event: EventOfType<E>) => void): this
  /** Removes a listener added with `on()`. */
  off<E extends EventType>(type: E, listener: (event: EventOfType<E>) => void): this
  [Symbol.asyncIterator](): AsyncIterator<Event, undefined>
}

/**
 * A ZAP handler (RFC 27) for the servers of one context (default: the global `context`),
 * shaped like pyzmq's ThreadAuthenticator; zeromq.js has none. It answers on a native
 * thread once started, binding `inproc://zeromq.zap.01` in the context.
 */
export declare class Authenticator {
  constructor(context?: Context)
  readonly context: Context
  /** Whether it is answering (between `start()` and `stop()`). */
  readonly isAlive: boolean
  /** Binds the ZAP endpoint and starts answering; EADDRINUSE if another handler has it. */
  start(): void
  /** Stops answering and frees the ZAP endpoint (it may be started again). */
  stop(): void
  /** Only these IP addresses get in (added to those allowed before). */
  allow(...addresses: Array<string | Buffer>): void
  /** These IP addresses are kept out (ignored while an allow list exists). */
  deny(...addresses: Array<string | Buffer>): void
  /**
   * The PLAIN users of servers whose `zapDomain` is `domain` ("*", the default: servers
   * without one); replaces those configured for that domain before.
   */
  configurePlain(
    domain?: string,
    passwords?: Record<string, string> | Map<string, string>,
  ): void
  /**
   * The CURVE clients of servers whose `zapDomain` is `domain` ("*", the default: servers
   * without one): those whose public certificates (`*.key`) are in the directory `location`,
   * read now; replaces those configured for that domain before. `location` =
   * `Authenticator.CURVE_ALLOW_ANY` ("*") lets every key in, whatever the domain.
   */
  configureCurve(domain: string | undefined, location: string | Buffer): void
  /** GSSAPI is not in FerroMQ: throws ENOTSUP. */
  configureGssapi(...args: unknown[]): never
  /** pyzmq's CURVE_ALLOW_ANY: the `configureCurve` location that lets every key in. */
  static readonly CURVE_ALLOW_ANY: "*"
}

/** zmq_proxy_steerable between two sockets, on a native thread. */
export declare class Proxy<F extends Socket = Socket, B extends Socket = Socket> {
  constructor(frontEnd: F, backEnd: B)
  readonly frontEnd: F
  readonly backEnd: B
  /** Resolves once `terminate()` is called. */
  run(): Promise<void>
  pause(): void
  resume(): void
  terminate(): void
}
