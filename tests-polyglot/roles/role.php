<?php
// Generic role for the cross-language matrix (scenarios/matrix.json), php-zmq's API.
// Usage: php role.php PATTERN ROLE ENDPOINT COUNT TAG  (see role.py for the protocol)
[, $pattern, $role, $endpoint, $count, $tag] = $argv;
$count = (int) $count;
$kinds = array("rep" => ZMQ::SOCKET_REP, "req" => ZMQ::SOCKET_REQ,
               "pull" => ZMQ::SOCKET_PULL, "push" => ZMQ::SOCKET_PUSH,
               "pub" => ZMQ::SOCKET_PUB, "sub" => ZMQ::SOCKET_SUB,
               "router" => ZMQ::SOCKET_ROUTER, "dealer" => ZMQ::SOCKET_DEALER);
$ctx = new ZMQContext();
$s = new ZMQSocket($ctx, $kinds[$role]);
if (in_array($role, array("rep", "router", "pull", "pub"))) {
    $s->bind($endpoint);
} else {
    $s->connect($endpoint);
}
function got($payload) { echo "got $payload", PHP_EOL; }

switch ($role) {
case "rep":
    for ($i = 0; $i < $count; $i++) { got($s->recv()); $s->send("rep $i from $tag"); }
    break;
case "req":
    for ($i = 0; $i < $count; $i++) { $s->send("req $i from $tag"); got($s->recv()); }
    break;
case "push":
    for ($i = 0; $i < $count; $i++) { $s->send("push $i from $tag"); }
    break;
case "pull":
    for ($i = 0; $i < $count; $i++) { got($s->recv()); }
    break;
case "pub":
    $end = microtime(true) + 30;
    for ($i = 0; microtime(true) < $end; $i++) {
        $s->send("skip $i from $tag");
        $s->send("pub $i from $tag");
        usleep(20000);
    }
    break;
case "sub":
    $s->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, "pub");
    for ($i = 0; $i < $count; $i++) { got($s->recv()); }
    break;
case "router":
    for ($i = 0; $i < $count; $i++) {
        [$id, $payload] = $s->recvMulti();
        got($payload);
        $s->sendmulti(array($id, "router $i from $tag"));
    }
    break;
case "dealer":
    for ($i = 0; $i < $count; $i++) { $s->send("dealer $i from $tag"); }
    for ($i = 0; $i < $count; $i++) { got($s->recv()); }
    break;
}
echo "done $count", PHP_EOL;
