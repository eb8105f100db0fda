<?php
// One end of an interop test, run in its own process on either extension (the test sets
// FERROMQ_PHP_IMPL). Usage: php peer.php ROLE ENDPOINT COUNT [SIZE]
//   push     connects PUSH, sends COUNT messages "seq:N" padded to SIZE, exits at once
//   pull     binds PULL, receives COUNT and checks every sequence number
//   req      connects REQ, makes COUNT requests, checks each reply
//   rep      binds REP, answers COUNT requests with "re:" . request
//   dealer   connects DEALER, sends COUNT three-part messages and reads their echoes
//   router   binds ROUTER, echoes COUNT messages with their envelope
// The context is persistent, the extension's default: what it still queues is delivered
// when the process ends.
[, $role, $endpoint, $count] = $argv;
$count = (int) $count;
$size = (int) ($argv[4] ?? 16);
$types = ['push' => ZMQ::SOCKET_PUSH, 'pull' => ZMQ::SOCKET_PULL, 'req' => ZMQ::SOCKET_REQ,
          'rep' => ZMQ::SOCKET_REP, 'dealer' => ZMQ::SOCKET_DEALER, 'router' => ZMQ::SOCKET_ROUTER];
$socket = (new ZMQContext())->getSocket($types[$role]);
if (in_array($role, ['pull', 'rep', 'router'], true)) {
    $socket->bind($endpoint);
    echo "ready\n";
} else {
    $socket->connect($endpoint);
}

function payload(int $n, int $size): string
{
    return str_pad("seq:$n:", $size, 'x');
}

function fail(string $why): void
{
    fwrite(STDERR, "$why\n");
    exit(1);
}

switch ($role) {
    case 'push':
        for ($i = 0; $i < $count; $i++) {
            $socket->send(payload($i, $size));
        }
        break;
    case 'pull':
        for ($i = 0; $i < $count; $i++) {
            $got = $socket->recv();
            if (strncmp($got, "seq:$i:", strlen("seq:$i:")) !== 0) {
                fail("message $i: got " . substr($got, 0, 32));
            }
        }
        echo "received $count\n";
        break;
    case 'req':
        for ($i = 0; $i < $count; $i++) {
            $socket->send(payload($i, $size));
            if ($socket->recv() !== 're:' . payload($i, $size)) {
                fail("reply $i is wrong");
            }
        }
        echo "replies $count\n";
        break;
    case 'rep':
        for ($i = 0; $i < $count; $i++) {
            $socket->send('re:' . $socket->recv());
        }
        echo "answered $count\n";
        break;
    case 'dealer':
        // At most 500 in flight: a ROUTER drops what its peer's queue cannot take.
        $window = 500;
        for ($i = 0; $i < $count + $window; $i++) {
            if ($i < $count) {
                $socket->sendmulti(['', "part-a-$i", payload($i, $size)]);
            }
            $j = $i - $window;
            if ($j >= 0 && $socket->recvMulti() !== ['', "part-a-$j", payload($j, $size)]) {
                fail("echo $j is wrong");
            }
        }
        echo "echoed $count\n";
        break;
    case 'router':
        for ($i = 0; $i < $count; $i++) {
            $socket->sendmulti($socket->recvMulti());
        }
        echo "routed $count\n";
        break;
}
