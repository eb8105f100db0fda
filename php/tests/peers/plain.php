<?php
// One end of a PLAIN test (SecurityTest), run in its own process on either extension (the
// test sets FERROMQ_PHP_IMPL). Usage: php plain.php ROLE ENDPOINT COUNT [PASSWORD|STOP_FILE]
//   client   connects PUSH as user "admin" with PASSWORD, sends COUNT messages "0", "1"…,
//            exits right after the last send (what is queued is delivered at exit)
//   refused  connects PUSH as "admin" with PASSWORD, prints the first handshake event its
//            monitor reports ("event E value V") and exits
//   server   its own ZAP handler (a REP socket at inproc://zeromq.zap.01, as a program on
//            php-zmq, which has no authenticator, must have) and a PLAIN PULL server bound
//            at ENDPOINT; lets in "admin" with password "secret" only; receives COUNT
//            messages and checks each ("received COUNT"), or with COUNT 0 waits for its
//            first refusal ("refused USER") and goes on until STOP_FILE exists (exiting at
//            once could cut off the ERROR command that tells the client why)
[, $role, $endpoint, $count] = $argv;
$count = (int) $count;
$password = $argv[4] ?? 'secret';
$stopFile = $argv[4] ?? null;

// libzmq's ZMQ_EVENT_HANDSHAKE_* (php-zmq 1.1.3 has no constants for them).
const HANDSHAKE_EVENTS = 0x0800 | 0x1000 | 0x2000 | 0x4000;
const DEADLINE = 30.0;

function fail(string $why): void
{
    fwrite(STDERR, "$why\n");
    exit(1);
}

$ctx = new ZMQContext();
switch ($role) {
    case 'client':
        $push = $ctx->getSocket(ZMQ::SOCKET_PUSH);
        $push->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, 'admin');
        $push->setSockOpt(ZMQ::SOCKOPT_PLAIN_PASSWORD, $password);
        $push->connect($endpoint);
        for ($i = 0; $i < $count; $i++) {
            $push->send((string) $i);
        }
        break;

    case 'refused':
        $push = $ctx->getSocket(ZMQ::SOCKET_PUSH);
        $push->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $push->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, 'admin');
        $push->setSockOpt(ZMQ::SOCKOPT_PLAIN_PASSWORD, $password);
        $monitor = 'inproc://plain-peer-monitor';
        $push->monitor($monitor, HANDSHAKE_EVENTS);
        $events = $ctx->getSocket(ZMQ::SOCKET_PAIR);
        $events->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, (int) (DEADLINE * 1000));
        $events->connect($monitor);
        $push->connect($endpoint);
        $event = $events->recvEvent();
        echo "event {$event['event']} value {$event['value']}\n";
        break;

    case 'server':
        $zap = $ctx->getSocket(ZMQ::SOCKET_REP);
        $zap->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $zap->bind('inproc://zeromq.zap.01');
        $pull = $ctx->getSocket(ZMQ::SOCKET_PULL);
        $pull->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $pull->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, 1);
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
                // 1.0, request id, domain, address, identity, mechanism, credentials…
                [$version, $id, , , , $mechanism] = $request;
                $credentials = array_slice($request, 6);
                $ok = $version === '1.0' && $mechanism === 'PLAIN'
                    && $credentials === ['admin', 'secret'];
                $zap->sendMulti($ok
                    ? ['1.0', $id, '200', 'OK', 'admin', '']
                    : ['1.0', $id, '400', 'Invalid credentials', '', '']);
                if (!$ok && $count === 0 && !$refused) {
                    echo 'refused ', $credentials[0] ?? '', "\n";
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
