<?php
// The extension's surface: classes, their hierarchy, constants and method names, the ZMQ
// class's helpers, and what phpinfo() and Reflection report.

use PHPUnit\Framework\TestCase;

final class ApiTest extends TestCase
{
    public function testTheClassesAndTheirExceptionHierarchy(): void
    {
        foreach (['ZMQ', 'ZMQContext', 'ZMQSocket', 'ZMQPoll', 'ZMQDevice'] as $class) {
            $this->assertTrue(class_exists($class), $class);
        }
        $this->assertTrue(is_subclass_of('ZMQException', 'Exception'));
        foreach (['ZMQContextException', 'ZMQSocketException', 'ZMQPollException', 'ZMQDeviceException'] as $class) {
            $this->assertTrue(is_subclass_of($class, 'ZMQException'), $class);
            $this->assertTrue((new ReflectionClass($class))->isFinal(), $class);
        }
        $extension = new ReflectionExtension('zmq');
        $classes = ['ZMQ', 'ZMQContext', 'ZMQSocket', 'ZMQPoll', 'ZMQDevice', 'ZMQException',
                    'ZMQContextException', 'ZMQSocketException', 'ZMQPollException', 'ZMQDeviceException'];
        if (zmq_impl() === 'ferromq') {
            // FerroMQ's own additions.
            $classes = array_merge($classes, ['ZMQAuthenticator', 'ZMQAuthenticatorException']);
        }
        $this->assertEqualsCanonicalizing($classes, $extension->getClassNames());
    }

    public function testTheAuthenticatorClass(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('php-zmq has no authenticator');
        }
        $this->assertTrue(is_subclass_of('ZMQAuthenticatorException', 'ZMQException'));
        $this->assertTrue((new ReflectionClass('ZMQAuthenticatorException'))->isFinal());
        $this->assertEqualsCanonicalizing(
            ['__construct', 'start', 'stop', 'isAlive', 'allow', 'deny', 'configurePlain', 'configureCurve'],
            get_class_methods('ZMQAuthenticator')
        );
        $this->assertTrue((new ReflectionMethod('ZMQAuthenticator', 'allow'))->isVariadic());
        $this->assertTrue((new ReflectionMethod('ZMQAuthenticator', 'deny'))->isVariadic());
    }

    public function testExceptionsAreOrdinaryPhpExceptions(): void
    {
        $line = __LINE__ + 2;
        try {
            throw new ZMQSocketException('mine', 42);
        } catch (ZMQException $e) {
            $this->assertSame('mine', $e->getMessage());
            $this->assertSame(42, $e->getCode());
            $this->assertSame($line, $e->getLine());
        }
        // Thrown by the extension, they carry the caller's file and line too.
        $socket = (new ZMQContext())->getSocket(ZMQ::SOCKET_PUSH);
        try {
            $line = __LINE__ + 1;
            $socket->bind('nonsense://x');
            $this->fail('bind should throw');
        } catch (ZMQSocketException $e) {
            $this->assertSame(__FILE__, $e->getFile());
            $this->assertSame($line, $e->getLine());
        }
    }

    public function testConstantsHavePhpZmqsValues(): void
    {
        $expected = [
            'SOCKET_PAIR' => 0, 'SOCKET_PUB' => 1, 'SOCKET_SUB' => 2, 'SOCKET_REQ' => 3,
            'SOCKET_REP' => 4, 'SOCKET_XREQ' => 5, 'SOCKET_XREP' => 6, 'SOCKET_PULL' => 7,
            'SOCKET_PUSH' => 8, 'SOCKET_DEALER' => 5, 'SOCKET_ROUTER' => 6, 'SOCKET_XPUB' => 9,
            'SOCKET_XSUB' => 10, 'SOCKET_STREAM' => 11, 'SOCKET_UPSTREAM' => 7,
            'SOCKET_DOWNSTREAM' => 8, 'POLL_IN' => 1, 'POLL_OUT' => 2, 'MODE_SNDMORE' => 2,
            'MODE_NOBLOCK' => 1, 'MODE_DONTWAIT' => 1, 'ERR_INTERNAL' => -99,
            'ERR_EAGAIN' => 11, 'ERR_ENOTSUP' => 95, 'ERR_EFSM' => 156384763,
            'ERR_ETERM' => 156384765, 'SOCKOPT_HWM' => 2001, 'SOCKOPT_IDENTITY' => 5,
            'SOCKOPT_SUBSCRIBE' => 6, 'SOCKOPT_LINGER' => 17, 'SOCKOPT_SNDHWM' => 23,
            'SOCKOPT_RCVTIMEO' => 27, 'SOCKOPT_LAST_ENDPOINT' => 32, 'SOCKOPT_TYPE' => 16,
            'SOCKOPT_FD' => 14, 'SOCKOPT_EVENTS' => 15, 'SOCKOPT_BINDTODEVICE' => 92,
            'SOCKOPT_DELAY_ATTACH_ON_CONNECT' => 39, 'CTXOPT_MAX_SOCKETS' => 2,
            'CTXOPT_MAX_SOCKETS_DEFAULT' => 1023, 'EVENT_CONNECTED' => 1,
            'EVENT_LISTENING' => 8, 'EVENT_ALL' => 65535,
        ];
        foreach ($expected as $name => $value) {
            $this->assertSame($value, constant("ZMQ::$name"), $name);
        }
        $constants = (new ReflectionClass('ZMQ'))->getConstants();
        $this->assertCount(125, $constants);
        $this->assertMatchesRegularExpression('/^\d+\.\d+\.\d+$/', ZMQ::LIBZMQ_VER);
        $this->assertSame(ZMQ::LIBZMQ_VER, ZMQ::LIBZMQ_VERSION);
        $this->assertSame(
            ZMQ::LIBZMQ_VERSION_MAJOR * 10000 + ZMQ::LIBZMQ_VERSION_MINOR * 100 + ZMQ::LIBZMQ_VERSION_PATCH,
            ZMQ::LIBZMQ_VERSION_ID
        );
    }

    public function testMethodNamesAreThoseOfPhpZmq(): void
    {
        $methods = [
            'ZMQContext' => ['__construct', 'acquire', 'getsocketcount', 'getsocket', 'ispersistent', 'setOpt', 'getOpt'],
            'ZMQSocket' => ['__construct', 'send', 'recv', 'sendmulti', 'recvmulti', 'bind', 'connect',
                            'monitor', 'recvevent', 'unbind', 'disconnect', 'setsockopt', 'getendpoints',
                            'getsockettype', 'ispersistent', 'getpersistentid', 'getsockopt', 'sendmsg', 'recvmsg'],
            'ZMQPoll' => ['add', 'poll', 'getlasterrors', 'remove', 'count', 'clear', 'items'],
            'ZMQDevice' => ['__construct', 'run', 'setidlecallback', 'setidletimeout', 'getidletimeout',
                            'settimercallback', 'settimertimeout', 'gettimertimeout'],
        ];
        foreach ($methods as $class => $names) {
            $public = array_values(array_filter(
                get_class_methods($class),
                fn ($m) => $m !== '__construct' || in_array('__construct', $names, true)
            ));
            $this->assertEqualsCanonicalizing($names, $public, $class);
        }
        foreach (['clock', 'z85encode', 'z85decode', 'curvekeypair'] as $static) {
            $this->assertTrue((new ReflectionMethod('ZMQ', $static))->isStatic(), $static);
        }
    }

    public function testZ85AndClock(): void
    {
        $this->assertSame('HelloWorld', ZMQ::z85encode("\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B"));
        $this->assertSame("\x86\x4F\xD2\x6F\xB5\x59\xF7\x5B", ZMQ::z85decode('HelloWorld'));
        $this->assertNull(ZMQ::z85encode('1234567'));
        $this->assertNull(ZMQ::z85encode(''));
        $this->assertNull(ZMQ::z85decode('1234567'));
        $this->assertNull(ZMQ::z85decode(''));
        $bytes = random_bytes(32);
        $this->assertSame($bytes, ZMQ::z85decode(ZMQ::z85encode($bytes)));
        $before = ZMQ::clock();
        usleep(20000);
        $elapsed = ZMQ::clock() - $before;
        $this->assertGreaterThanOrEqual(19, $elapsed);
        $this->assertLessThan(5000, $elapsed);
    }

    public function testPhpinfoNamesFerroMQAndTheCoreVersion(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('FerroMQ\'s own phpinfo lines');
        }
        ob_start();
        phpinfo(INFO_MODULES);
        $info = ob_get_clean();
        $this->assertStringContainsString('ZMQ extension => enabled', $info);
        $this->assertMatchesRegularExpression('/FerroMQ core version => \d+\.\d+\.\d+/', $info);
        $this->assertStringContainsString('libzmq version => ' . ZMQ::LIBZMQ_VER, $info);
        $this->assertSame(phpversion('zmq'), (new ReflectionExtension('zmq'))->getVersion());
    }

    public function testObjectsCannotBeCloned(): void
    {
        $this->expectException(Error::class);
        $ctx = new ZMQContext();
        $copy = clone $ctx->getSocket(ZMQ::SOCKET_PUSH);
    }

    public function testTheStubsDescribeTheExtension(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('the stubs describe FerroMQ\'s extension');
        }
        $describe = __DIR__ . '/peers/describe.php';
        $fromStubs = shell_exec('php -n ' . escapeshellarg($describe) . ' ' . escapeshellarg(FERROMQ_ROOT . '/php/stubs/zmq.stub.php'));
        ob_start();
        include $describe;
        $fromExtension = ob_get_clean();
        $this->assertSame(json_decode($fromExtension, true), json_decode((string) $fromStubs, true));
    }
}
