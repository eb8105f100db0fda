<?php
// Delivery-at-close role, php-zmq's API: runs on FerroMQ's PHP extension (php-ferromq) and
// on php-zmq (php-libzmq). Usage: role.php send|receive PATTERN ENDPOINT bind|connect SIZE COUNT
// (see ../README.md). The sender's context is php-zmq's default, persistent one: what it
// still queues when the script ends is delivered as the process shuts the module down,
// which is how PHP scripts (the talks' logger.php) end.
[, $mode, $pattern, $endpoint, $how, $size, $count] = $argv;
$size = (int) $size;
$count = (int) $count;
const FIRST_WAIT_MS = 15000;
const NEXT_WAIT_MS = 5000;
$receiverOf = ['push' => ZMQ::SOCKET_PULL, 'dealer' => ZMQ::SOCKET_ROUTER, 'pub' => ZMQ::SOCKET_SUB,
               'req' => ZMQ::SOCKET_REP, 'rep' => ZMQ::SOCKET_REQ, 'router' => ZMQ::SOCKET_DEALER];
$senderOf = ['push' => ZMQ::SOCKET_PUSH, 'dealer' => ZMQ::SOCKET_DEALER, 'pub' => ZMQ::SOCKET_PUB,
             'req' => ZMQ::SOCKET_REQ, 'rep' => ZMQ::SOCKET_REP, 'router' => ZMQ::SOCKET_ROUTER];

function payload(int $i, int $size): string
{
    return sprintf('%08d', $i) . str_repeat('x', $size - 8);
}

function say(string $line): void
{
    echo $line, PHP_EOL;
    flush();
}

function attach(ZMQSocket $s, string $endpoint, string $how): void
{
    $how === 'bind' ? $s->bind($endpoint) : $s->connect($endpoint);
    say('ready');
}

/** Checks one received message; counts problems in $state. */
function check(array $frames, string $pattern, int $size, array &$state): void
{
    $body = end($frames);
    $problem = null;
    if (count($frames) !== ($pattern === 'dealer' ? 2 : 1)) {
        $problem = count($frames) . ' frames';
    } elseif (strlen($body) !== $size) {
        $problem = strlen($body) . " bytes, expected $size";
    } else {
        $seq = (int) substr($body, 0, 8);
        if ($seq !== $state['expected']) {
            $problem = "sequence number $seq, expected {$state['expected']}";
        }
        $state['expected'] = $seq;
    }
    if ($problem !== null && ++$state['errors'] <= 5) {
        say("error: message {$state['received']}: $problem");
    }
    $state['received']++;
    $state['expected']++;
}

function send(ZMQContext $ctx, string $pattern, string $endpoint, string $how, int $size, int $count): void
{
    global $senderOf;
    $s = $ctx->getSocket($senderOf[$pattern]);
    if ($pattern === 'pub') {
        $s->setSockOpt(ZMQ::SOCKOPT_SNDHWM, 0);
    }
    if ($pattern === 'router') {
        $s->setSockOpt(ZMQ::SOCKOPT_ROUTER_MANDATORY, 1);
    }
    attach($s, $endpoint, $how);
    if ($pattern === 'pub') {
        usleep(1000000);
    }
    switch ($pattern) {
        case 'push':
        case 'dealer':
        case 'pub':
            for ($i = 0; $i < $count; $i++) {
                $s->send(payload($i, $size));
            }
            break;
        case 'req':
            for ($i = 0; $i < $count; $i++) {
                $s->send(payload($i, $size));
                if ($i < $count - 1) {
                    $s->recv();
                }
            }
            break;
        case 'rep':
            for ($i = 0; $i < $count; $i++) {
                $s->recv();
                $s->send(payload($i, $size));
            }
            break;
        case 'router':
            [$id] = $s->recvMulti();
            for ($i = 0; $i < $count; $i++) {
                $s->sendmulti([$id, payload($i, $size)]);
            }
            break;
    }
}

function receive(ZMQContext $ctx, string $pattern, string $endpoint, string $how, int $size, int $count): bool
{
    global $receiverOf;
    $s = $ctx->getSocket($receiverOf[$pattern]);
    if ($pattern === 'pub') {
        $s->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '');
    }
    attach($s, $endpoint, $how);
    if ($pattern === 'router') {
        $s->send('hello');
    }
    $state = ['received' => 0, 'errors' => 0, 'expected' => 0];
    while ($state['received'] < $count) {
        $s->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, $state['received'] === 0 ? FIRST_WAIT_MS : NEXT_WAIT_MS);
        if ($pattern === 'rep') {
            $s->send('next');
        }
        $frames = $s->recvMulti();
        if ($frames === false) {
            break;
        }
        if ($pattern === 'req') {
            $s->send('ok');
        }
        check($frames, $pattern, $size, $state);
    }
    say("received {$state['received']} of $count");
    $s->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
    return $state['received'] === $count && $state['errors'] === 0;
}

/** inproc: one PHP thread holds both ends, sending while the pipe takes more and draining
 *  the receiver when it does not; then it closes the sender and drains the rest. */
function inproc(ZMQContext $ctx, string $endpoint, string $how, int $size, int $count): bool
{
    $push = $ctx->getSocket(ZMQ::SOCKET_PUSH);
    $pull = $ctx->getSocket(ZMQ::SOCKET_PULL);
    $how === 'bind' ? $push->bind($endpoint) : $pull->bind($endpoint);
    $how === 'bind' ? $pull->connect($endpoint) : $push->connect($endpoint);
    say('ready');
    $state = ['received' => 0, 'errors' => 0, 'expected' => 0];
    for ($i = 0; $i < $count;) {
        if ($push->send(payload($i, $size), ZMQ::MODE_DONTWAIT) !== false) {
            $i++;
            continue;
        }
        while (($frame = $pull->recv(ZMQ::MODE_DONTWAIT)) !== false) {
            check([$frame], 'push', $size, $state);
        }
    }
    unset($push); // closed right after the last send
    $pull->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, NEXT_WAIT_MS);
    while ($state['received'] < $count && ($frame = $pull->recv()) !== false) {
        check([$frame], 'push', $size, $state);
    }
    say("received {$state['received']} of $count");
    say("sent $count");
    return $state['received'] === $count && $state['errors'] === 0;
}

$ctx = new ZMQContext();
if ($mode === 'send' && str_starts_with($endpoint, 'inproc://')) {
    $ok = inproc($ctx, $endpoint, $how, $size, $count);
} elseif ($mode === 'send') {
    send($ctx, $pattern, $endpoint, $how, $size, $count);
    say("sent $count");
    $ok = true;
} else {
    $ok = receive($ctx, $pattern, $endpoint, $how, $size, $count);
}
exit($ok ? 0 : 1);
