/// <reference types="node" />
/**
 * FerroMQ for Node.js: zeromq.js v6's API over the FerroMQ core.
 * `import * as zmq from "ferromq"` replaces `import * as zmq from "zeromq"`.
 */

/** The FerroMQ core's version. */
export declare const version: string

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

type OptionsOf<T> = Partial<Omit<T, "close" | "bind" | "bindSync" | "unbind" | "unbindSync" | "connect" | "disconnect" | "send" | "receive" | "subscribe" | "unsubscribe" | "context" | "closed" | "readable" | "writable" | "type" | "lastEndpoint" | "securityMechanism" | "threadSafe">> & {
  context?: Context
}

export declare class Context {
  constructor(options?: { ioThreads?: number; blocky?: boolean; ipv6?: boolean })
  /** ZMQ_IO_THREADS; set it before the first socket of the context. */
  ioThreads: number
  /** ZMQ_BLOCKY: when false, new sockets get linger 0. */
  blocky: boolean
  /** ZMQ_IPV6: the default of new sockets' `ipv6`. */
  ipv6: boolean
}

/** The global context of sockets created without `{context}`. */
export declare const context: Context

export declare abstract class Socket {
  protected constructor(type: number, options?: {})
  readonly context: Context
  readonly closed: boolean
  /** A message can be received now. */
  readonly readable: boolean
  /** A message can be sent now. */
  readonly writable: boolean
  readonly type: number
  readonly lastEndpoint: string | null
  readonly securityMechanism: null | "plain" | "curve" | "gssapi"
  readonly threadSafe: boolean
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
