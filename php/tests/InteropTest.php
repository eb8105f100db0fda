<?php
// FerroMQ's extension and php-zmq (Debian's, on the real libzmq) in separate processes,
// each way: enough messages to fill the queues, senders that exit right after their last
// send, every sequence number checked on the other side.

use PHPUnit\Framework\TestCase;

final class InteropTest extends TestCase
{
    protected function setUp(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('interop tests run once, from FerroMQ\'s side');
        }
    }

    /** Starts the binding peer and waits for it to be ready. */
    private function server(string $impl, string $role, string $endpoint, int $count, int $size = 16): array
    {
        $peer = start_peer($impl, 'peer.php', [$role, $endpoint, (string) $count, (string) $size]);
        $line = fgets($peer[1]);
        if ($line !== "ready\n") {
            $this->fail("$impl $role did not start: " . implode(' ', finish_peer($peer, 5)));
        }
        return $peer;
    }

    private function assertPeerSays(array $peer, string $expected): void
    {
        [$code, $out, $err] = finish_peer($peer);
        $this->assertSame([0, $expected], [$code, trim($out)], $err);
    }

    /** @return array<array{string, string, string}> */
    public function directions(): array
    {
        $cases = [];
        foreach (['tcp', 'ipc'] as $transport) {
            $cases["ferromq to php-zmq over $transport"] = ['ferromq', 'php-zmq', $transport];
            $cases["php-zmq to ferromq over $transport"] = ['php-zmq', 'ferromq', $transport];
        }
        return $cases;
    }

    /** @dataProvider directions */
    public function testPushPullDeliversEveryMessageAtClose(string $sender, string $receiver, string $transport): void
    {
        foreach ([[30000, 16], [2000, 70000]] as [$count, $size]) {
            $endpoint = fresh_endpoint($transport);
            $pull = $this->server($receiver, 'pull', $endpoint, $count, $size);
            $push = start_peer($sender, 'peer.php', ['push', $endpoint, (string) $count, (string) $size]);
            $this->assertPeerSays($push, '');
            $this->assertPeerSays($pull, "received $count");
        }
    }

    /** @dataProvider directions */
    public function testRequestReply(string $client, string $server, string $transport): void
    {
        $endpoint = fresh_endpoint($transport);
        $rep = $this->server($server, 'rep', $endpoint, 2000);
        $req = start_peer($client, 'peer.php', ['req', $endpoint, '2000']);
        $this->assertPeerSays($req, 'replies 2000');
        $this->assertPeerSays($rep, 'answered 2000');
    }

    /** @dataProvider directions */
    public function testMultipartThroughRouterAndDealer(string $client, string $server, string $transport): void
    {
        $endpoint = fresh_endpoint($transport);
        $router = $this->server($server, 'router', $endpoint, 5000);
        $dealer = start_peer($client, 'peer.php', ['dealer', $endpoint, '5000', '100']);
        $this->assertPeerSays($dealer, 'echoed 5000');
        $this->assertPeerSays($router, 'routed 5000');
    }

    public function testThisProcessTalksToPhpZmq(): void
    {
        // In-process FerroMQ PULL, php-zmq PUSH peer: the test process itself receives.
        $endpoint = fresh_endpoint('tcp');
        $pull = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_PULL)->bind($endpoint);
        $push = start_peer('php-zmq', 'peer.php', ['push', $endpoint, '10000']);
        for ($i = 0; $i < 10000; $i++) {
            $this->assertStringStartsWith("seq:$i:", $pull->recv());
        }
        $this->assertPeerSays($push, '');
    }
}
