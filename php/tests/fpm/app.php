<?php
// The page FpmTest serves through php-fpm: one message per request over a persistent
// PUSH socket, made (and connected) once per worker by its on_new_socket callback.
// Query: endpoint=...&n=...  Output (JSON): the worker's pid, whether the socket was new,
// the context's socket count, and the worker's resident memory.
$new = false;
$ctx = new ZMQContext();
$socket = $ctx->getSocket(ZMQ::SOCKET_PUSH, 'fpm-test', function (ZMQSocket $s) use (&$new) {
    $new = true;
    $s->connect($_GET['endpoint']);
});
$socket->send('request ' . $_GET['n'] . ' from ' . getmypid());
preg_match('/VmRSS:\s+(\d+) kB/', file_get_contents('/proc/self/status'), $rss);
header('Content-Type: application/json');
echo json_encode([
    'pid' => getmypid(),
    'new' => $new,
    'sockets' => $ctx->getSocketCount(),
    'persistent' => $socket->isPersistent(),
    'endpoints' => $socket->getEndpoints()['connect'],
    'rss_kb' => (int) $rss[1],
]);
