<?php
// req.php from "ØMQ – messaging made simple" (Ian Barber), the request/response client.
// Changes to run unattended: the endpoint is argv[1] (default the talk's
// "tcp://localhost:5454") and the request argv[2] (default the talk's "Hello"); a newline
// after the reply.
$endpoint = $argv[1] ?? "tcp://localhost:5454";
$request = $argv[2] ?? "Hello";

$ctx = new ZMQContext();
$req =
    new ZMQSocket($ctx, ZMQ::SOCKET_REQ);
$req->connect($endpoint);

$req->send($request);
echo $req->recv(), PHP_EOL;
