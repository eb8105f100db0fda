<?php
// logger.php from "ØMQ – messaging made simple" (Ian Barber): one log line, as JSON
// {"time": ..., "msg": ...}, pushed over ipc to the local log aggregator.
// Change to run unattended: the endpoint is argv[2] (default the talk's "ipc:///tmp/logger");
// argv[1] is the log line, as in the talk.
$endpoint = $_SERVER['argv'][2] ?? "ipc:///tmp/logger";

$ctx = new ZMQContext();
$out = $ctx->getSocket(ZMQ::SOCKET_PUSH);
$out->connect($endpoint);
$msg = array("time" => time());
$msg['msg'] = $_SERVER['argv'][1];
$out->send(json_encode($msg));
