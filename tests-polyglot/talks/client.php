<?php
// client.php from "ØMQ – messaging made simple" (Ian Barber): an event hub client, SUB to
// the local distro's ipc feed with 100 random subscriptions, printing two-part messages
// (who, message) — 1000 of them.
// Changes to run unattended: the endpoint is argv[1] (default the talk's
// "ipc:///tmp/events"); rand() is seeded with argv[2] when given, so that the test's event
// source (events.php) knows which ids were drawn.
if (isset($argv[2])) {
    mt_srand((int) $argv[2]);
}
$endpoint = $argv[1] ?? "ipc:///tmp/events";

$ctx = new ZMQContext();
$in = $ctx->getSocket(ZMQ::SOCKET_SUB);
for($i = 0; $i<100; $i++) {
    $in->setSockOpt(
        ZMQ::SOCKOPT_SUBSCRIBE,
        rand(100000, 999999));
}
$in->connect($endpoint);
$i = 0;
while($i++ < 1000) {
    $who = $in->recv();
    $msg = $in->recv();
    printf("%s %s %s", $who, $msg, PHP_EOL);
}
