<?php
// Fork scenarios for ForkTest. Usage: php fork.php inherit|workers|authenticator TCP_ENDPOINT
[, $scenario, $endpoint] = $argv;

if ($scenario === 'authenticator') {
    // FerroMQ's ZMQAuthenticator: the child cannot use its parent's, whose thread is not in
    // the child, nor stop it by exiting; the parent's goes on answering.
    $ctx = new ZMQContext(1, false);
    $auth = (new ZMQAuthenticator($ctx))->configurePlain('*', ['admin' => 'secret'])->start();
    $pid = pcntl_fork();
    if ($pid === 0) {
        try {
            $auth->deny('127.0.0.1');
            echo "child: the inherited authenticator took a deny list\n";
        } catch (ZMQException $e) {
            printf("child: %s (%d): %s\n", get_class($e), $e->getCode(), $e->getMessage());
        }
        exit(0);
    }
    pcntl_waitpid($pid, $status);
    echo 'parent: child exited with ', pcntl_wexitstatus($status), "\n";
    $server = $ctx->getSocket(ZMQ::SOCKET_PULL);
    $server->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, 1);
    $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 10000);
    $server->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
    $server->bind($endpoint);
    $client = $ctx->getSocket(ZMQ::SOCKET_PUSH);
    $client->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, 'admin');
    $client->setSockOpt(ZMQ::SOCKOPT_PLAIN_PASSWORD, 'secret');
    $client->connect($endpoint)->send('after fork');
    echo 'parent: ', $auth->isAlive() ? 'alive' : 'stopped', ', received ', var_export($server->recv(), true), "\n";
    exit(0);
}

if ($scenario === 'inherit') {
    $ctx = new ZMQContext();
    $server = $ctx->getSocket(ZMQ::SOCKET_PULL, 'fork-test-server');
    $server->bind($endpoint);
    $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 10000);
    $inherited = $ctx->getSocket(ZMQ::SOCKET_PUSH);
    $inherited->connect($endpoint);
    $inherited->send('before fork');
    $got = [$server->recv()];
    $pid = pcntl_fork();
    if ($pid === 0) {
        try {
            $inherited->send('from the parent\'s socket');
            echo "child: the inherited socket sent\n";
        } catch (ZMQException $e) {
            printf("child: %s (%d): %s\n", get_class($e), $e->getCode(), $e->getMessage());
        }
        $own = (new ZMQContext())->getSocket(ZMQ::SOCKET_PUSH);
        $own->connect($endpoint);
        $own->send('from child');
        echo "child: sent from its own context\n";
        exit(0); // delivers "from child", and leaves the parent's context alone
    }
    pcntl_waitpid($pid, $status);
    echo 'parent: child exited with ', pcntl_wexitstatus($status), "\n";
    $got[] = $server->recv();
    $inherited->send('after fork');
    $got[] = $server->recv();
    echo 'parent: received ', implode(', ', $got), "\n";
    exit(0);
}

// workers: the parent's DEALER, two forked REP workers with their own private contexts.
$workers = [];
for ($i = 0; $i < 2; $i++) {
    $pid = pcntl_fork();
    if ($pid === 0) {
        $rep = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_REP);
        $rep->connect($endpoint);
        $rep->send('worker ' . getmypid() . ': ' . $rep->recv());
        usleep(200000);
        exit(0);
    }
    $workers[] = $pid;
}
$dealer = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_DEALER);
$dealer->bind($endpoint);
$dealer->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 10000);
usleep(300000); // both workers connected: the dealer spreads the two requests
$dealer->sendmulti(['', 'one']);
$dealer->sendmulti(['', 'two']);
$from = [];
for ($i = 0; $i < 2; $i++) {
    $reply = $dealer->recvMulti();
    if ($reply === false) {
        fwrite(STDERR, "no reply\n");
        exit(1);
    }
    $from[explode(':', $reply[1])[0]] = true;
}
foreach ($workers as $pid) {
    pcntl_waitpid($pid, $status);
}
echo 'answers from ', count($from), " workers\n";
