<?php
// ZMQPoll over sockets and PHP streams: ids, results by reference, errors, items.

use PHPUnit\Framework\TestCase;

final class PollTest extends TestCase
{
    public function testSocketsAndStreamsInOnePoll(): void
    {
        $ctx = new ZMQContext(1, false);
        $endpoint = fresh_endpoint();
        $server = $ctx->getSocket(ZMQ::SOCKET_REP)->bind($endpoint);
        $client = $ctx->getSocket(ZMQ::SOCKET_REQ)->connect($endpoint);
        [$left, $right] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);

        $poll = new ZMQPoll();
        $serverId = $poll->add($server, ZMQ::POLL_IN);
        $this->assertMatchesRegularExpression('/^o:[0-9a-f]{32}$/', $serverId);
        $streamId = $poll->add($left, ZMQ::POLL_IN | ZMQ::POLL_OUT);
        $this->assertMatchesRegularExpression('/^r:\d+$/', $streamId);
        $this->assertSame($serverId, $poll->add($server, ZMQ::POLL_IN));
        $this->assertSame(2, $poll->count());

        $readable = ['stale' => 1];
        $writable = [];
        $this->assertSame(1, $poll->poll($readable, $writable, 0));
        $this->assertSame([], $readable);
        $this->assertSame([$left], $writable);

        $client->send('ping');
        fwrite($right, 'x');
        $this->assertSame(2, $poll->poll($readable, $writable, 1000));
        $this->assertSame([$server, $left], $readable);
        $this->assertSame($server, $readable[0]);
        $this->assertSame([$left], $writable);
        $this->assertSame([], $poll->getLastErrors());

        // null is accepted and stays null.
        $none = null;
        $poll->poll($none, $writable, 0);
        $this->assertNull($none);

        $this->assertSame([$serverId => $server, $streamId => $left], $poll->items());
        $this->assertTrue($poll->remove($streamId));
        $this->assertFalse($poll->remove('o:nothing'));
        $this->assertTrue($poll->remove($server));
        $this->assertSame(0, $poll->count());
        $this->assertSame([], $poll->add($client, ZMQ::POLL_OUT) ? $poll->clear()->items() : null);
    }

    public function testManySocketsEachWithItsOwnId(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('Debian\'s php-zmq gives every socket one id (README, Differences)');
        }
        $ctx = new ZMQContext(1, false);
        $poll = new ZMQPoll();
        $ids = [];
        $sockets = [];
        for ($i = 0; $i < 10; $i++) {
            $sockets[] = $socket = $ctx->getSocket(ZMQ::SOCKET_SUB);
            $ids[] = $poll->add($socket, ZMQ::POLL_IN);
        }
        $this->assertCount(10, array_unique($ids));
        $this->assertSame(10, $poll->count());

        // Two subscribers, one message each: both readable.
        $endpoint = fresh_endpoint();
        $pub = $ctx->getSocket(ZMQ::SOCKET_PUB)->bind($endpoint);
        foreach ([0, 1] as $i) {
            $sockets[$i]->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '');
            $sockets[$i]->connect($endpoint);
        }
        usleep(50000);
        $pub->send('to both');
        $readable = $writable = [];
        $deadline = microtime(true) + 5;
        do {
            $ready = $poll->poll($readable, $writable, 100);
        } while ($ready < 2 && microtime(true) < $deadline);
        $this->assertSame(2, $ready);
        $this->assertSame([$sockets[0], $sockets[1]], $readable);
        foreach ($ids as $id) {
            $this->assertTrue($poll->remove($id));
        }
    }

    public function testErrors(): void
    {
        $poll = new ZMQPoll();
        $cases = [
            [fn () => $poll->poll($r, $w), 'No sockets assigned to the ZMQPoll'],
            [fn () => $poll->remove('x'), 'No sockets assigned to the ZMQPoll'],
            [fn () => $poll->add('string here', ZMQ::POLL_IN), 'The first argument must be an instance of ZMQSocket or a resource'],
            [fn () => $poll->add(new stdClass(), ZMQ::POLL_IN), 'The first argument must be an instance of ZMQSocket or a resource'],
            [fn () => $poll->add(stream_context_create(), ZMQ::POLL_IN), 'The supplied resource is not a valid stream resource'],
            [fn () => $poll->add(fopen('php://memory', 'r'), ZMQ::POLL_IN), 'The supplied resource is not castable'],
        ];
        foreach ($cases as [$call, $message]) {
            try {
                $call();
                $this->fail("no exception; expected: $message");
            } catch (ZMQPollException $e) {
                $this->assertSame([$message, ZMQ::ERR_INTERNAL], [$e->getMessage(), $e->getCode()]);
            }
        }
        $this->expectException(TypeError::class);
        $this->expectExceptionMessage('ZMQPoll::poll(): Argument #1 ($readable) must be of type ?array, string given');
        $poll->add(fopen(__FILE__, 'r'), ZMQ::POLL_IN);
        $text = 'not an array';
        $poll->poll($text, $w);
    }

    public function testAClosedStreamIsReportedAsAnError(): void
    {
        [$left, $right] = stream_socket_pair(STREAM_PF_UNIX, STREAM_SOCK_STREAM, STREAM_IPPROTO_IP);
        $poll = new ZMQPoll();
        $id = $poll->add($left, ZMQ::POLL_IN);
        $this->assertSame($id, $poll->add($left, ZMQ::POLL_OUT));
        fclose($left);
        $readable = $writable = [];
        $this->assertSame(1, $poll->poll($readable, $writable, 1000));
        $this->assertSame([$id], $poll->getLastErrors());
    }

    public function testHighWaterMarkGatesWritability(): void
    {
        $ctx = new ZMQContext(1, false);
        $endpoint = fresh_endpoint('tcp');
        $server = $ctx->getSocket(ZMQ::SOCKET_REP)->bind($endpoint);
        $client = $ctx->getSocket(ZMQ::SOCKET_REQ);
        $client->setSockOpt(ZMQ::SOCKOPT_HWM, 1);
        $client->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $client->connect($endpoint);
        $poll = new ZMQPoll();
        $poll->add($client, ZMQ::POLL_OUT);
        $readable = $writable = [];
        $poll->poll($readable, $writable, 5000);
        $this->assertSame([$client], $writable);
        $client->send('request');
        $poll->poll($readable, $writable, 100);
        $this->assertSame([], $writable);
        $server->send($server->recv());
        $client->recv();
        $poll->poll($readable, $writable, 5000);
        $this->assertSame([$client], $writable);
    }
}
