<?php
// One end of a CURVE test (CurveTest), run in its own process on either extension (the
// test sets FERROMQ_PHP_IMPL). Keys are Z85 text.
//   client  ENDPOINT COUNT SERVER_PUBLIC PUBLIC SECRET
//           connects PUSH as a CURVE client of SERVER_PUBLIC with the key pair PUBLIC and
//           SECRET, sends COUNT messages "0", "1"…, exits right after the last send (what is
//           queued is delivered at exit)
//   refused ENDPOINT 0 SERVER_PUBLIC PUBLIC SECRET
//           connects the same way, prints the first handshake event its monitor reports
//           ("event E value V") and exits
//   server  ENDPOINT COUNT SECRET ALLOWED_PUBLIC [STOP_FILE]
//           its own ZAP handler (a REP socket at inproc://zeromq.zap.01, as a program on
//           php-zmq, which has no authenticator, must have), letting in the CURVE client
//           whose public key is ALLOWED_PUBLIC only, and a CURVE PULL server with secret key
//           SECRET bound at ENDPOINT; receives COUNT messages and checks each ("received
//           COUNT"), or with COUNT 0 waits for its first refusal ("refused") and goes on
//           until STOP_FILE exists (exiting at once could cut off the ERROR command that
//           tells the client why)
[, $role, $endpoint, $count] = $argv;
$count = (int) $count;

// libzmq's ZMQ_EVENT_HANDSHAKE_* (php-zmq 1.1.3 has no constants for them).
const HANDSHAKE_EVENTS = 0x0800 | 0x1000 | 0x2000 | 0x4000;
const DEADLINE = 30.0;

function fail(string $why): void
{
    fwrite(STDERR, "$why\n");
    exit(1);
}

function curve_client(ZMQContext $ctx, array $argv): ZMQSocket
{
    [, , , , $serverKey, $public, $secret] = $argv;
    $push = $ctx->getSocket(ZMQ::SOCKET_PUSH);
    $push->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVERKEY, $serverKey);
    $push->setSockOpt(ZMQ::SOCKOPT_CURVE_PUBLICKEY, $public);
    $push->setSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY, $secret);
    return $push;
}

$ctx = new ZMQContext();
switch ($role) {
    case 'client':
        $push = curve_client($ctx, $argv);
        $push->connect($endpoint);
        for ($i = 0; $i < $count; $i++) {
            $push->send((string) $i);
        }
        break;

    case 'refused':
        $push = curve_client($ctx, $argv);
        $push->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $monitor = 'inproc://curve-peer-monitor';
        $push->monitor($monitor, HANDSHAKE_EVENTS);
        $events = $ctx->getSocket(ZMQ::SOCKET_PAIR);
        $events->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, (int) (DEADLINE * 1000));
        $events->connect($monitor);
        $push->connect($endpoint);
        $event = $events->recvEvent();
        echo "event {$event['event']} value {$event['value']}\n";
        break;

    case 'server':
        [, , , , $secret, $allowed] = $argv;
        $stopFile = $argv[6] ?? null;
        $allowed = ZMQ::z85decode($allowed);
        $zap = $ctx->getSocket(ZMQ::SOCKET_REP);
        $zap->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $zap->bind('inproc://zeromq.zap.01');
        $pull = $ctx->getSocket(ZMQ::SOCKET_PULL);
        $pull->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $pull->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVER, 1);
        $pull->setSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY, $secret);
        $pull->bind($endpoint);
        echo "ready\n";
        $received = 0;
        $refused = false;
        $deadline = microtime(true) + DEADLINE;
        // Both sockets without blocking (php-zmq's ZMQPoll holds one socket on PHP 8).
        while (microtime(true) < $deadline) {
            $busy = false;
            $request = $zap->recvMulti(ZMQ::MODE_DONTWAIT);
            if ($request !== false) {
                $busy = true;
                // 1.0, request id, domain, address, identity, mechanism, the client's key.
                [$version, $id, , , , $mechanism] = $request;
                $credentials = array_slice($request, 6);
                $ok = $version === '1.0' && $mechanism === 'CURVE' && $credentials === [$allowed];
                $zap->sendMulti($ok
                    ? ['1.0', $id, '200', 'OK', ZMQ::z85encode($allowed), '']
                    : ['1.0', $id, '400', 'Unknown key', '', '']);
                if (!$ok && $count === 0 && !$refused) {
                    echo "refused\n";
                    $refused = true;
                }
            }
            while ($received < $count && ($message = $pull->recv(ZMQ::MODE_DONTWAIT)) !== false) {
                $busy = true;
                if ($message !== (string) $received) {
                    fail("message $received: got " . substr($message, 0, 32));
                }
                $received++;
            }
            if ($count > 0 && $received === $count) {
                echo "received $count\n";
                exit(0);
            }
            if ($refused && $stopFile !== null && file_exists($stopFile)) {
                exit(0);
            }
            if (!$busy) {
                usleep(1000);
            }
        }
        fail($count > 0 ? "timed out: $received of $count received" : 'timed out: ' . ($refused ? 'not told to stop' : 'nobody refused'));
}
