<?php
// REQ/REP round-trip latency over tcp, FerroMQ's extension against php-zmq (the real
// libzmq), each in its own process:
//
//   php php/bench/lat.php [--count 20000] [--size 8] [--lib ferromq,php-zmq]
//
// A REP process echoes; this process's REQ times each round trip. Prints the mean and p99
// in microseconds per library. Not part of the tests.
require __DIR__ . '/common.php';

$options = bench_options(20000, 'echo');

if ($options['child'] !== null) {
    $ctx = new ZMQContext(1, false);
    $rep = $ctx->getSocket(ZMQ::SOCKET_REP);
    $rep->connect($options['child']);
    for ($i = $options['count']; $i > 0; $i--) {
        $rep->send($rep->recv());
    }
    exit(0);
}

each_lib(__FILE__, $options, function (string $lib) use ($options) {
    $count = $options['count'];
    $ctx = new ZMQContext(1, false);
    $req = $ctx->getSocket(ZMQ::SOCKET_REQ);
    $req->bind('tcp://127.0.0.1:*');
    $child = spawn_child($lib, __FILE__, 'echo', $req->getSockOpt(ZMQ::SOCKOPT_LAST_ENDPOINT), $count + 100, $options['size']);
    $message = str_repeat('x', $options['size']);
    for ($i = 0; $i < 100; $i++) { // warm-up
        $req->send($message);
        $req->recv();
    }
    $times = [];
    for ($i = 0; $i < $count; $i++) {
        $started = hrtime(true);
        $req->send($message);
        $req->recv();
        $times[] = hrtime(true) - $started;
    }
    proc_close($child);
    sort($times);
    printf("%-8s %d B: mean %.1f us  p99 %.1f us  (%d round trips)\n", $lib, $options['size'],
        array_sum($times) / $count / 1000, $times[(int) floor($count * 0.99)] / 1000, $count);
});
