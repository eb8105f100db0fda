<?php
// ZMQContext and persistence: persistent contexts and sockets, the on_new_socket callback,
// socket counts and context options.

use PHPUnit\Framework\TestCase;

final class ContextTest extends TestCase
{
    public function testPersistenceFlagsAndIds(): void
    {
        $ctx = new ZMQContext();
        $this->assertTrue($ctx->isPersistent());
        $id = 'persistent-' . uniqid();
        $kept = $ctx->getSocket(ZMQ::SOCKET_REQ, $id);
        $this->assertTrue($kept->isPersistent());
        $this->assertSame($id, $kept->getPersistentId());
        $plain = $ctx->getSocket(ZMQ::SOCKET_REQ);
        $this->assertFalse($plain->isPersistent());
        $this->assertNull($plain->getPersistentId());

        // A private context makes no persistent sockets, whatever the id.
        $private = new ZMQContext(1, false);
        $this->assertFalse($private->isPersistent());
        $socket = $private->getSocket(ZMQ::SOCKET_REQ, $id);
        $this->assertFalse($socket->isPersistent());
        $this->assertNull($socket->getPersistentId());
    }

    public function testAPersistentSocketIsMadeOnceAndKeepsItsEndpoints(): void
    {
        $id = 'kept-' . uniqid();
        $endpoint = fresh_endpoint();
        $made = 0;
        $setup = function (ZMQSocket $socket, $persistentId) use (&$made, $endpoint, $id) {
            $made++;
            $this->assertSame($id, $persistentId);
            $socket->bind($endpoint);
        };
        for ($i = 0; $i < 5; $i++) {
            $socket = new ZMQSocket(new ZMQContext(), ZMQ::SOCKET_REP, $id, $setup);
            $this->assertSame(['connect' => [], 'bind' => [$endpoint]], $socket->getEndpoints());
        }
        $this->assertSame(1, $made);
        // The same socket through getSocket, with its history.
        $again = (new ZMQContext())->getSocket(ZMQ::SOCKET_REP, $id, $setup);
        $this->assertSame([$endpoint], $again->getEndpoints()['bind']);
        $this->assertSame(1, $made);
    }

    public function testTheCallbackGetsTheIdAsGiven(): void
    {
        $args = null;
        $record = function () use (&$args) {
            $args = func_get_args();
        };
        (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_PUSH, 'not kept', $record);
        $this->assertInstanceOf(ZMQSocket::class, $args[0]);
        $this->assertSame('not kept', $args[1]);
        (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_PUSH, null, $record);
        $this->assertNull($args[1]);
    }

    public function testAThrowingCallbackLeavesNoSocketBehind(): void
    {
        $id = 'failing-' . uniqid();
        $ctx = new ZMQContext();
        for ($attempt = 0; $attempt < 2; $attempt++) {
            try {
                $ctx->getSocket(ZMQ::SOCKET_PUSH, $id, function () {
                    throw new RuntimeException('Hello there');
                });
                $this->fail('the callback threw');
            } catch (RuntimeException $e) {
                $this->assertSame('Hello there', $e->getMessage());
            }
        }
        // The socket was not kept: the next one is new and gets its callback.
        $called = false;
        $ctx->getSocket(ZMQ::SOCKET_PUSH, $id, function () use (&$called) {
            $called = true;
        });
        $this->assertTrue($called);
    }

    public function testSocketCountsFollowOpenSockets(): void
    {
        $private = new ZMQContext(1, false);
        $a = $private->getSocket(ZMQ::SOCKET_PUSH);
        $b = $private->getSocket(ZMQ::SOCKET_PUSH);
        $this->assertSame(2, $private->getSocketCount());
        unset($a);
        $this->assertSame(1, $private->getSocketCount());
        unset($b);
        $this->assertSame(0, $private->getSocketCount());

        $persistent = new ZMQContext(7, true);
        $before = $persistent->getSocketCount();
        $c = $persistent->getSocket(ZMQ::SOCKET_PUSH);
        $d = $persistent->getSocket(ZMQ::SOCKET_PUSH, 'count-' . uniqid());
        $this->assertSame($before + 2, $persistent->getSocketCount());
        unset($c, $d); // the persistent one stays open
        $this->assertSame($before + 1, $persistent->getSocketCount());
    }

    public function testSocketsOutliveTheirContextObject(): void
    {
        $make = function () {
            $ctx = new ZMQContext(1, false);
            $endpoint = fresh_endpoint();
            return [$ctx->getSocket(ZMQ::SOCKET_PAIR)->bind($endpoint), $ctx->getSocket(ZMQ::SOCKET_PAIR)->connect($endpoint)];
        };
        [$a, $b] = $make();
        $a->send('still here');
        $this->assertSame('still here', $b->recv());
    }

    public function testAcquireSharesOneContext(): void
    {
        $endpoint = fresh_endpoint();
        $server = ZMQContext::acquire()->getSocket(ZMQ::SOCKET_REP, 'acquired-' . uniqid())->bind($endpoint);
        $client = ZMQContext::acquire()->getSocket(ZMQ::SOCKET_REQ)->connect($endpoint);
        $client->send('inproc works within one context');
        $this->assertSame('inproc works within one context', $server->recv());
        $this->assertTrue(ZMQContext::acquire()->isPersistent());
        $this->assertNotSame(ZMQContext::acquire(), ZMQContext::acquire());
    }

    public function testOptions(): void
    {
        $ctx = new ZMQContext(1, false);
        $this->assertSame(ZMQ::CTXOPT_MAX_SOCKETS_DEFAULT, $ctx->getOpt(ZMQ::CTXOPT_MAX_SOCKETS));
        $this->assertNull($ctx->setOpt(ZMQ::CTXOPT_MAX_SOCKETS, 2));
        $this->assertSame(2, $ctx->getOpt(ZMQ::CTXOPT_MAX_SOCKETS));
        $keep = [$ctx->getSocket(ZMQ::SOCKET_PUSH), $ctx->getSocket(ZMQ::SOCKET_PUSH)];
        try {
            $ctx->getSocket(ZMQ::SOCKET_PUSH);
            $this->fail('the third socket is one too many');
        } catch (ZMQSocketException $e) {
            $this->assertSame('Error creating socket: Too many open files', $e->getMessage());
            $this->assertSame(24, $e->getCode());
        }
        foreach ([[fn () => $ctx->setOpt(ZMQ::CTXOPT_MAX_SOCKETS, -1), 'Failed to set the option ZMQ::CTXOPT_MAX_SOCKETS value: Invalid argument', 22],
                  [fn () => $ctx->setOpt(999, 1), 'Unknown option key', ZMQ::ERR_INTERNAL],
                  [fn () => $ctx->getOpt(999), 'Unknown option key', ZMQ::ERR_INTERNAL],
                  [fn () => new ZMQContext(-1), 'Error creating context: Invalid argument', 22]] as [$call, $message, $code]) {
            try {
                $call();
                $this->fail("no exception; expected: $message");
            } catch (ZMQContextException $e) {
                $this->assertSame([$message, $code], [$e->getMessage(), $e->getCode()]);
            }
        }
    }
}
