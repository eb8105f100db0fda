<?php
// events.php: the "event pub" box of the talk's event hub diagram ("ØMQ – messaging made
// simple"), which the talk shows no code for: an application pushing events to the hub as
// two-part messages (who, message). Written for the scenario in the talk's PHP style.
// It draws the same 100 ids as client.php (same seed, same rand() calls) and sends 10
// events to each draw (1000 events, what client.php reads), plus decoys to 1000 other ids
// that the client must never see. It paces itself (0.5 ms per event): the hub and the
// distro forward through PUB sockets, which drop what a slower subscriber can't take
// (high-water mark 1000), as ØMQ's PUB does.
// Usage: php events.php HUB_ENDPOINT SEED
$endpoint = $argv[1];
mt_srand((int) $argv[2]);
$ids = array();
for ($i = 0; $i < 100; $i++) {
    $ids[] = (string) rand(100000, 999999);
}
$subscribed = array_flip($ids);

$ctx = new ZMQContext();
$out = $ctx->getSocket(ZMQ::SOCKET_PUSH);
$out->connect($endpoint);
$decoys = 0;
for ($round = 0; $round < 10; $round++) {
    foreach ($ids as $n => $who) {
        $out->sendmulti(array($who, "event-$round.$n-for-$who"));
        do {
            $decoy = (string) mt_rand(100000, 999999);
        } while (isset($subscribed[$decoy]));
        $out->sendmulti(array($decoy, "decoy-$round.$n-for-$decoy"));
        $decoys++;
        usleep(500);
    }
}
echo "events: sent 1000 events to ", count($subscribed), " subscribed ids and $decoys decoys", PHP_EOL;
