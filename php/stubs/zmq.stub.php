<?php
// IDE and static-analysis stubs for FerroMQ's PHP extension: php-zmq's API, as the
// extension registers it (method names in lowercase, as php-zmq's), and FerroMQ's
// ZMQAuthenticator. Not loaded by PHP.
// php/tests/ApiTest.php checks these against the loaded extension.

class ZMQ
{
    public const SOCKET_PAIR = 0;
    public const SOCKET_PUB = 1;
    public const SOCKET_SUB = 2;
    public const SOCKET_REQ = 3;
    public const SOCKET_REP = 4;
    public const SOCKET_XREQ = 5;
    public const SOCKET_XREP = 6;
    public const SOCKET_PUSH = 8;
    public const SOCKET_PULL = 7;
    public const SOCKET_DEALER = 5;
    public const SOCKET_ROUTER = 6;
    public const SOCKET_XSUB = 10;
    public const SOCKET_XPUB = 9;
    public const SOCKET_STREAM = 11;
    public const SOCKET_UPSTREAM = 7;
    public const SOCKET_DOWNSTREAM = 8;
    public const POLL_IN = 1;
    public const POLL_OUT = 2;
    public const MODE_SNDMORE = 2;
    public const MODE_NOBLOCK = 1;
    public const MODE_DONTWAIT = 1;
    public const ERR_INTERNAL = -99;
    public const ERR_EAGAIN = 11;
    public const ERR_ENOTSUP = 95;
    public const ERR_EFSM = 156384763;
    public const ERR_ETERM = 156384765;
    public const LIBZMQ_VERSION_ID = 40305;
    public const LIBZMQ_VERSION_MAJOR = 4;
    public const LIBZMQ_VERSION_MINOR = 3;
    public const LIBZMQ_VERSION_PATCH = 5;
    public const SOCKOPT_GSSAPI_PRINCIPAL_NAMETYPE = 90;
    public const SOCKOPT_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE = 91;
    public const SOCKOPT_BINDTODEVICE = 92;
    public const SOCKOPT_HEARTBEAT_IVL = 75;
    public const SOCKOPT_HEARTBEAT_TTL = 76;
    public const SOCKOPT_HEARTBEAT_TIMEOUT = 77;
    public const SOCKOPT_USE_FD = 89;
    public const SOCKOPT_XPUB_MANUAL = 71;
    public const SOCKOPT_XPUB_WELCOME_MSG = 72;
    public const SOCKOPT_STREAM_NOTIFY = 73;
    public const SOCKOPT_INVERT_MATCHING = 74;
    public const SOCKOPT_XPUB_VERBOSER = 78;
    public const SOCKOPT_CONNECT_TIMEOUT = 79;
    public const SOCKOPT_TCP_MAXRT = 80;
    public const SOCKOPT_THREAD_SAFE = 81;
    public const SOCKOPT_MULTICAST_MAXTPDU = 84;
    public const SOCKOPT_VMCI_BUFFER_SIZE = 85;
    public const SOCKOPT_VMCI_BUFFER_MIN_SIZE = 86;
    public const SOCKOPT_VMCI_BUFFER_MAX_SIZE = 87;
    public const SOCKOPT_VMCI_CONNECT_TIMEOUT = 88;
    public const SOCKOPT_TOS = 57;
    public const SOCKOPT_ROUTER_HANDOVER = 56;
    public const SOCKOPT_CONNECT_RID = 61;
    public const SOCKOPT_HANDSHAKE_IVL = 66;
    public const SOCKOPT_SOCKS_PROXY = 68;
    public const SOCKOPT_XPUB_NODROP = 69;
    public const SOCKOPT_ROUTER_MANDATORY = 33;
    public const SOCKOPT_PROBE_ROUTER = 51;
    public const SOCKOPT_REQ_RELAXED = 53;
    public const SOCKOPT_REQ_CORRELATE = 52;
    public const SOCKOPT_CONFLATE = 54;
    public const SOCKOPT_ZAP_DOMAIN = 55;
    public const SOCKOPT_MECHANISM = 43;
    public const SOCKOPT_PLAIN_SERVER = 44;
    public const SOCKOPT_PLAIN_USERNAME = 45;
    public const SOCKOPT_PLAIN_PASSWORD = 46;
    public const SOCKOPT_CURVE_SERVER = 47;
    public const SOCKOPT_CURVE_PUBLICKEY = 48;
    public const SOCKOPT_CURVE_SECRETKEY = 49;
    public const SOCKOPT_CURVE_SERVERKEY = 50;
    public const SOCKOPT_GSSAPI_SERVER = 62;
    public const SOCKOPT_GSSAPI_PLAINTEXT = 65;
    public const SOCKOPT_GSSAPI_PRINCIPAL = 63;
    public const SOCKOPT_GSSAPI_SERVICE_PRINCIPAL = 64;
    public const SOCKOPT_IPV6 = 42;
    public const SOCKOPT_IMMEDIATE = 39;
    public const SOCKOPT_SNDHWM = 23;
    public const SOCKOPT_RCVHWM = 24;
    public const SOCKOPT_MAXMSGSIZE = 22;
    public const SOCKOPT_MULTICAST_HOPS = 25;
    public const SOCKOPT_XPUB_VERBOSE = 40;
    public const SOCKOPT_TCP_KEEPALIVE = 34;
    public const SOCKOPT_TCP_KEEPALIVE_IDLE = 36;
    public const SOCKOPT_TCP_KEEPALIVE_CNT = 35;
    public const SOCKOPT_TCP_KEEPALIVE_INTVL = 37;
    public const SOCKOPT_TCP_ACCEPT_FILTER = 38;
    public const SOCKOPT_LAST_ENDPOINT = 32;
    public const SOCKOPT_ROUTER_RAW = 41;
    public const SOCKOPT_IPV4ONLY = 31;
    public const SOCKOPT_DELAY_ATTACH_ON_CONNECT = 39;
    public const SOCKOPT_HWM = 2001;
    public const SOCKOPT_AFFINITY = 4;
    public const SOCKOPT_IDENTITY = 5;
    public const SOCKOPT_RATE = 8;
    public const SOCKOPT_RECOVERY_IVL = 9;
    public const SOCKOPT_RCVTIMEO = 27;
    public const SOCKOPT_SNDTIMEO = 28;
    public const SOCKOPT_SNDBUF = 11;
    public const SOCKOPT_RCVBUF = 12;
    public const SOCKOPT_LINGER = 17;
    public const SOCKOPT_RECONNECT_IVL = 18;
    public const SOCKOPT_RECONNECT_IVL_MAX = 21;
    public const SOCKOPT_BACKLOG = 19;
    public const SOCKOPT_SUBSCRIBE = 6;
    public const SOCKOPT_UNSUBSCRIBE = 7;
    public const SOCKOPT_TYPE = 16;
    public const SOCKOPT_RCVMORE = 13;
    public const SOCKOPT_FD = 14;
    public const SOCKOPT_EVENTS = 15;
    public const CTXOPT_MAX_SOCKETS = 2;
    public const CTXOPT_MAX_SOCKETS_DEFAULT = 1023;
    public const EVENT_CONNECTED = 1;
    public const EVENT_CONNECT_DELAYED = 2;
    public const EVENT_CONNECT_RETRIED = 4;
    public const EVENT_LISTENING = 8;
    public const EVENT_BIND_FAILED = 16;
    public const EVENT_ACCEPTED = 32;
    public const EVENT_ACCEPT_FAILED = 64;
    public const EVENT_CLOSED = 128;
    public const EVENT_CLOSE_FAILED = 256;
    public const EVENT_DISCONNECTED = 512;
    public const EVENT_MONITOR_STOPPED = 1024;
    public const EVENT_ALL = 65535;
    public const LIBZMQ_VER = '4.3.5';
    public const LIBZMQ_VERSION = '4.3.5';

    /** Milliseconds on a monotonic clock. */
    public static function clock(): int {}

    /** A new CURVE key pair (RFC 26), as php-zmq returns it: 40 characters of Z85 text each.
     *  @return array{public_key: string, secret_key: string} */
    public static function curvekeypair(): array {}

    /** Z85 text of $data (its length a multiple of 4), or null. */
    public static function z85encode(string $data): ?string {}

    /** The bytes of Z85 text $data (its length a multiple of 5), or null. */
    public static function z85decode(string $data): ?string {}
}

class ZMQContext
{
    /** A persistent context is shared by every `new ZMQContext` of the process with as many
     *  I/O threads, across requests (php-fpm). */
    final public function __construct(int $io_threads = 1, bool $persistent = true) {}

    /** A new object on the process's shared context (1 I/O thread, persistent). */
    public static function acquire(): ZMQContext {}

    /** The sockets of this context still open. */
    public function getsocketcount(): int {}

    /** A socket; with a persistent context and a non-empty $persistent_id, the process keeps
     *  it and returns it again; $on_new_socket($socket, $persistent_id) runs when it is made.
     *  @throws ZMQSocketException */
    public function getsocket(int $type, ?string $persistent_id = null, ?callable $on_new_socket = null): ZMQSocket {}

    public function ispersistent(): bool {}

    /** ZMQ::CTXOPT_MAX_SOCKETS. @throws ZMQContextException */
    public function setOpt(int $option, int $value): void {}

    /** @throws ZMQContextException */
    public function getOpt(int $option): int {}
}

class ZMQSocket
{
    /** @throws ZMQSocketException */
    final public function __construct(ZMQContext $ZMQContext, int $type, ?string $persistent_id = null, ?callable $on_new_socket = null) {}

    /** @return ZMQSocket|false false when it cannot be sent now (MODE_DONTWAIT, SNDTIMEO)
     *  @throws ZMQSocketException */
    public function send(string $message, int $mode = 0): ZMQSocket|false {}

    /** @return ZMQSocket|false */
    public function sendmsg(string $message, int $mode = 0): ZMQSocket|false {}

    /** Each element one frame of one message. @return ZMQSocket|false */
    public function sendmulti(array $message, int $mode = 0): ZMQSocket|false {}

    /** @return string|false false when nothing can be had now (MODE_DONTWAIT, RCVTIMEO)
     *  @throws ZMQSocketException */
    public function recv(int $mode = 0): string|false {}

    /** @return string|false */
    public function recvmsg(int $mode = 0): string|false {}

    /** Every frame of one message. @return string[]|false */
    public function recvmulti(int $mode = 0): array|false {}

    /** Skipped if already bound to $dsn through this socket, unless $force. @throws ZMQSocketException */
    public function bind(string $dsn, bool $force = false): ZMQSocket {}

    /** Skipped if already connected to $dsn through this socket, unless $force. @throws ZMQSocketException */
    public function connect(string $dsn, bool $force = false): ZMQSocket {}

    /** @throws ZMQSocketException */
    public function unbind(string $dsn): ZMQSocket {}

    /** @throws ZMQSocketException */
    public function disconnect(string $dsn): ZMQSocket {}

    /** Publishes this socket's events (ZMQ::EVENT_*) on inproc endpoint $dsn. @throws ZMQSocketException */
    public function monitor(string $dsn, int $events = ZMQ::EVENT_ALL): ZMQSocket {}

    /** On a PAIR connected to a monitor endpoint. @return array{event: int, value: int, address: string}
     *  @throws ZMQSocketException */
    public function recvevent(int $flags = 0): array {}

    /** @throws ZMQSocketException */
    public function setsockopt(int $key, mixed $value): ZMQSocket {}

    /** An int, a string, or for ZMQ::SOCKOPT_FD a stream resource. @throws ZMQSocketException */
    public function getsockopt(int $key): mixed {}

    /** @return array{connect: string[], bind: string[]} */
    public function getendpoints(): array {}

    public function getsockettype(): int {}

    public function ispersistent(): bool {}

    public function getpersistentid(): ?string {}
}

class ZMQPoll
{
    public function __construct() {}

    /** Adds a ZMQSocket or a stream resource for ZMQ::POLL_IN / POLL_OUT; returns its id.
     *  @param ZMQSocket|resource $entry
     *  @throws ZMQPollException */
    public function add(mixed $entry, int $type): string {}

    /** Waits up to $timeout ms (-1: no limit); fills the arrays with the ready items; the
     *  number of ready items. @throws ZMQPollException */
    public function poll(?array &$readable, ?array &$writable, int $timeout = -1): int {}

    /** The ids of the items in error at the last poll. @return string[] */
    public function getlasterrors(): array {}

    /** @param ZMQSocket|resource|string $remove the item or its id
     *  @throws ZMQPollException */
    public function remove(mixed $remove): bool {}

    public function count(): int {}

    public function clear(): ZMQPoll {}

    /** @return array<string, ZMQSocket|resource> */
    public function items(): array {}
}

class ZMQDevice
{
    final public function __construct(ZMQSocket $frontend, ZMQSocket $backend, ?ZMQSocket $capture = null) {}

    /** Moves messages until a callback returns a false value. @throws ZMQDeviceException */
    public function run(): void {}

    /** $idle_callback($user_data) after $timeout ms without messages. */
    public function setidlecallback(callable $idle_callback, int $timeout, mixed $user_data = null): ZMQDevice {}

    public function setidletimeout(int $timeout): ZMQDevice {}

    public function getidletimeout(): int {}

    /** $idle_callback($user_data) every $timeout ms. */
    public function settimercallback(callable $idle_callback, int $timeout, mixed $user_data = null): ZMQDevice {}

    public function settimertimeout(int $timeout): ZMQDevice {}

    public function gettimertimeout(): int {}
}

/** FerroMQ's own (php-zmq has none): a ZAP handler (RFC 27) for the servers of one context,
 *  answering on a thread of its own. A PLAIN server (ZMQ::SOCKOPT_PLAIN_SERVER) asks it
 *  about every client; a NULL server asks it when it has a ZMQ::SOCKOPT_ZAP_DOMAIN.
 *  - allow(): only these addresses get in; deny(): these are kept out (ignored while an
 *    allow list exists); the other checks still apply to an allowed address.
 *  - NULL: every address not kept out gets in.
 *  - PLAIN: the username and password must be among those configurePlain() gave for the
 *    server's ZAP domain ("*": servers without one).
 *  - CURVE: the client's public key must be among those configureCurve() read for the
 *    server's ZAP domain, or configureCurve() was given CURVE_ALLOW_ANY.
 *  It stops when the object goes. */
class ZMQAuthenticator
{
    /** configureCurve()'s $location that lets in every CURVE client. */
    public const CURVE_ALLOW_ANY = '*';

    /** Not started yet. */
    public function __construct(ZMQContext $context) {}

    /** Binds inproc://zeromq.zap.01 in the context and starts answering (nothing if
     *  running already). @throws ZMQAuthenticatorException code 98 (EADDRINUSE) if another
     *  ZAP handler is bound in that context */
    public function start(): ZMQAuthenticator {}

    /** Stops answering and unbinds inproc://zeromq.zap.01. */
    public function stop(): ZMQAuthenticator {}

    /** Whether it is answering. */
    public function isAlive(): bool {}

    /** Lets in only these IP addresses (added to those allowed before). */
    public function allow(string ...$addresses): ZMQAuthenticator {}

    /** Keeps these IP addresses out. */
    public function deny(string ...$addresses): ZMQAuthenticator {}

    /** The PLAIN users of ZAP domain $domain ("*": servers without a ZAP domain), replacing
     *  those it had. @param array<string, string> $passwords username => password */
    public function configurePlain(string $domain, array $passwords): ZMQAuthenticator {}

    /** The CURVE clients of ZAP domain $domain ("*": servers without a ZAP domain): those
     *  whose public certificates (czmq's zcert files, "*.key", as pyzmq's
     *  zmq.auth.create_certificates() writes them) are in the directory $location, read
     *  now; replaces the keys that domain had. With $location CURVE_ALLOW_ANY, every CURVE
     *  client gets in, whatever the domain.
     *  @throws ZMQAuthenticatorException if the directory cannot be read (code: its errno) */
    public function configureCurve(string $domain, string $location): ZMQAuthenticator {}
}

class ZMQException extends Exception {}
final class ZMQContextException extends ZMQException {}
final class ZMQSocketException extends ZMQException {}
final class ZMQPollException extends ZMQException {}
final class ZMQDeviceException extends ZMQException {}
final class ZMQAuthenticatorException extends ZMQException {}
