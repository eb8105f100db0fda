<?php
// ZMQDevice: forwarding with a capture socket, idle and timer callbacks.

use PHPUnit\Framework\TestCase;

final class DeviceTest extends TestCase
{
    public function testForwardsBothWaysAndStopsWhenTheIdleCallbackSaysSo(): void
    {
        $ctx = new ZMQContext(1, false);
        [$front, $back] = [fresh_endpoint(), fresh_endpoint()];
        $router = $ctx->getSocket(ZMQ::SOCKET_XREP)->bind($front);
        $dealer = $ctx->getSocket(ZMQ::SOCKET_XREQ)->bind($back);
        $client = $ctx->getSocket(ZMQ::SOCKET_REQ)->connect($front);
        $worker = $ctx->getSocket(ZMQ::SOCKET_REP)->connect($back);
        $client->send('request');

        $device = new ZMQDevice($router, $dealer);
        $calls = [];
        $this->assertSame($device, $device->setIdleCallback(function ($data) use (&$calls) {
            $calls[] = $data;
            return false;
        }, 100, 'user data'));
        $this->assertSame(100, $device->getIdleTimeout());
        $device->run();
        $this->assertSame(['user data'], $calls);
        $this->assertSame('request', $worker->recv());
        $worker->send('reply');
        $device->run();
        $this->assertSame('reply', $client->recv());
    }

    public function testCapture(): void
    {
        $ctx = new ZMQContext(1, false);
        [$in, $out, $tap] = [fresh_endpoint(), fresh_endpoint(), fresh_endpoint()];
        $pull = $ctx->getSocket(ZMQ::SOCKET_PULL)->bind($in);
        $push = $ctx->getSocket(ZMQ::SOCKET_PUSH)->bind($out);
        $capture = $ctx->getSocket(ZMQ::SOCKET_PUB)->bind($tap);
        $listener = $ctx->getSocket(ZMQ::SOCKET_SUB);
        $listener->setSockOpt(ZMQ::SOCKOPT_SUBSCRIBE, '');
        $listener->connect($tap);
        $receiver = $ctx->getSocket(ZMQ::SOCKET_PULL)->connect($out);
        $sender = $ctx->getSocket(ZMQ::SOCKET_PUSH)->connect($in);
        usleep(50000);
        $sender->sendmulti(['Hello', 'backend']);
        $device = new ZMQDevice($pull, $push, $capture);
        $device->setIdleCallback(fn () => false, 100, null);
        $device->run();
        $this->assertSame(['Hello', 'backend'], $receiver->recvMulti());
        $this->assertSame(['Hello', 'backend'], $listener->recvMulti());
    }

    public function testTheTimerRunsOnScheduleAndCanChangeIt(): void
    {
        $ctx = new ZMQContext(1, false);
        $device = new ZMQDevice(
            $ctx->getSocket(ZMQ::SOCKET_PULL)->bind(fresh_endpoint()),
            $ctx->getSocket(ZMQ::SOCKET_PUSH)->bind(fresh_endpoint())
        );
        $state = new stdClass();
        $state->times = [];
        $state->start = ZMQ::clock();
        $device->setTimerCallback(function ($state) use ($device) {
            $state->times[] = ZMQ::clock() - $state->start;
            $state->start = ZMQ::clock();
            $device->setTimerTimeout($device->getTimerTimeout() + 50);
            return count($state->times) < 3;
        }, 100, $state);
        $device->run();
        $this->assertCount(3, $state->times);
        foreach ([100, 150, 200] as $i => $expected) {
            $this->assertGreaterThanOrEqual($expected - 5, $state->times[$i]);
            $this->assertLessThan($expected + 200, $state->times[$i]);
        }
        $this->assertSame(250, $device->getTimerTimeout());
    }

    public function testAnExceptionInACallbackLeavesRun(): void
    {
        $ctx = new ZMQContext(1, false);
        $device = new ZMQDevice(
            $ctx->getSocket(ZMQ::SOCKET_PULL)->bind(fresh_endpoint()),
            $ctx->getSocket(ZMQ::SOCKET_PUSH)->bind(fresh_endpoint())
        );
        $device->setTimerCallback(function () {
            throw new LogicException('from the timer');
        }, 10);
        $this->expectException(LogicException::class);
        $this->expectExceptionMessage('from the timer');
        $device->run();
    }

    public function testTheOldTwoArgumentIdleCallbackIsDeprecated(): void
    {
        $ctx = new ZMQContext(1, false);
        $device = new ZMQDevice(
            $ctx->getSocket(ZMQ::SOCKET_PULL)->bind(fresh_endpoint()),
            $ctx->getSocket(ZMQ::SOCKET_PUSH)->bind(fresh_endpoint())
        );
        $device->setIdleTimeout(50);
        $deprecations = [];
        set_error_handler(function ($type, $message) use (&$deprecations) {
            $deprecations[] = [$type, $message];
            return true;
        }, E_DEPRECATED);
        try {
            $got = null;
            $device->setIdleCallback(function ($data) use (&$got) {
                $got = $data;
                return false;
            }, 'test');
        } finally {
            restore_error_handler();
        }
        $this->assertSame([[E_DEPRECATED, 'ZMQDevice::setidlecallback(): The signature for setIdleCallback has changed, please update your code']], $deprecations);
        $this->assertSame(50, $device->getIdleTimeout());
        $device->run();
        $this->assertSame('test', $got);
    }
}
