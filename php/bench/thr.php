<?php
// Throughput of small messages over tcp, FerroMQ's extension against php-zmq (the real
// libzmq), each in its own process, in the same run:
//
//   php php/bench/thr.php [--count 500000] [--size 8] [--lib ferromq,php-zmq]
//
// For each library a PUSH process sends COUNT messages of SIZE bytes to a PULL in this
// process (libzmq's local_thr/remote_thr method: the clock runs from the first message
// received to the last). Prints msg/s and Mbit/s per library. Not part of the tests.
require __DIR__ . '/common.php';

$options = bench_options(500000, 'send');

if ($options['child'] !== null) {
    // The sender: a private context, whose end waits for delivery (LINGER -1).
    $ctx = new ZMQContext(1, false);
    $push = $ctx->getSocket(ZMQ::SOCKET_PUSH);
    $push->connect($options['child']);
    $message = str_repeat('x', $options['size']);
    for ($i = $options['count']; $i > 0; $i--) {
        $push->send($message);
    }
    exit(0);
}

each_lib(__FILE__, $options, function (string $lib) use ($options) {
    $ctx = new ZMQContext(1, false);
    $pull = $ctx->getSocket(ZMQ::SOCKET_PULL);
    $pull->bind('tcp://127.0.0.1:*');
    $endpoint = $pull->getSockOpt(ZMQ::SOCKOPT_LAST_ENDPOINT);
    $child = spawn_child($lib, __FILE__, 'send', $endpoint, $options['count'], $options['size']);
    $pull->recv();
    $started = hrtime(true);
    for ($i = $options['count'] - 1; $i > 0; $i--) {
        $pull->recv();
    }
    $elapsed = (hrtime(true) - $started) / 1e9;
    proc_close($child);
    $rate = ($options['count'] - 1) / $elapsed;
    printf("%-8s %d B: %12s msg/s %10.1f Mbit/s\n", $lib, $options['size'], number_format($rate),
        $rate * $options['size'] * 8 / 1e6);
});
