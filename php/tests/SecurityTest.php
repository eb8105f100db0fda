<?php
// PLAIN (RFC 24) and ZAP (RFC 27): the security options as php-zmq reads and refuses them
// (on both extensions), FerroMQ's ZMQAuthenticator guarding servers (php-zmq has none), and
// PLAIN between FerroMQ and php-zmq (the real libzmq) in separate processes, each way.

use PHPUnit\Framework\TestCase;

final class SecurityTest extends TestCase
{
    use SecurityHelpers;

    private const MESSAGES = 10000;
    private const TIMEOUT = 5000;

    // libzmq's ZMQ_EVENT_HANDSHAKE_* (php-zmq 1.1.3 has no constants for them).
    private const HANDSHAKE_FAILED_NO_DETAIL = 0x0800;
    private const HANDSHAKE_SUCCEEDED = 0x1000;
    private const HANDSHAKE_FAILED_PROTOCOL = 0x2000;
    private const HANDSHAKE_FAILED_AUTH = 0x4000;
    private const HANDSHAKE_EVENTS = self::HANDSHAKE_FAILED_NO_DETAIL | self::HANDSHAKE_SUCCEEDED
        | self::HANDSHAKE_FAILED_PROTOCOL | self::HANDSHAKE_FAILED_AUTH;

    // libzmq's ZMQ_NULL and ZMQ_PLAIN, what SOCKOPT_MECHANISM reads.
    private const NULL = 0;
    private const PLAIN = 1;

    private const EINVAL = 22;
    private const EADDRINUSE = 98;

    /** Authenticators to stop after each test. */
    private array $authenticators = [];

    protected function tearDown(): void
    {
        foreach ($this->authenticators as $auth) {
            $auth->stop();
        }
        $this->authenticators = [];
    }

    private function requireAuthenticator(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('php-zmq has no authenticator');
        }
    }

    private function requireFerroMQSide(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('interop tests run once, from FerroMQ\'s side');
        }
    }

    /** A started authenticator for `$ctx`'s servers: user admin, password secret, in every
     *  server without a ZAP domain. */
    private function authenticator(ZMQContext $ctx): ZMQAuthenticator
    {
        $auth = (new ZMQAuthenticator($ctx))->configurePlain('*', ['admin' => 'secret'])->start();
        $this->authenticators[] = $auth;
        return $auth;
    }

    /** A PULL bound at a fresh tcp endpoint, PLAIN server (in ZAP domain `$domain` if
     *  given), not waiting long for messages. */
    private function plainServer(ZMQContext $ctx, ?string $domain = null): array
    {
        $server = $ctx->getSocket(ZMQ::SOCKET_PULL);
        $server->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, 1);
        if ($domain !== null) {
            $server->setSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN, $domain);
        }
        $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, self::TIMEOUT);
        $server->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $endpoint = fresh_endpoint('tcp');
        $server->bind($endpoint);
        return [$server, $endpoint];
    }

    /** A PUSH with user admin and `$password`, its handshake events on the PAIR returned. */
    private function plainClient(ZMQContext $ctx, string $endpoint, string $password): array
    {
        $client = $ctx->getSocket(ZMQ::SOCKET_PUSH);
        $client->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, 'admin');
        $client->setSockOpt(ZMQ::SOCKOPT_PLAIN_PASSWORD, $password);
        $client->setSockOpt(ZMQ::SOCKOPT_SNDTIMEO, self::TIMEOUT);
        $monitor = $this->monitor($ctx, $client);
        $client->connect($endpoint);
        return [$client, $monitor];
    }

    // --- the options, on both extensions --------------------------------------------------

    public function testSecurityOptionsReadBackAsPhpZmq(): void
    {
        $s = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_DEALER);
        $this->assertSame(self::NULL, $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM));
        $this->assertSame(0, $s->getSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER));
        $this->assertSame('', $s->getSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME));
        $this->assertSame('', $s->getSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN));

        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, 1);
        $this->assertSame([1, self::PLAIN], [$s->getSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER), $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM)]);
        // A credential makes it a PLAIN client.
        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, 'admin');
        $this->assertSame([0, self::PLAIN], [$s->getSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER), $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM)]);
        $this->assertSame('admin', $s->getSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME));
        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_PASSWORD, "se\0cret");
        $this->assertSame("se\0cret", $s->getSockOpt(ZMQ::SOCKOPT_PLAIN_PASSWORD));
        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, 0);
        $this->assertSame(self::NULL, $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM));
        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, '1');
        $this->assertSame(self::PLAIN, $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM));

        $s->setSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN, 'global');
        $this->assertSame('global', $s->getSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN));
        $s->setSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN, 42);
        $this->assertSame('42', $s->getSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN));
        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, str_repeat('u', 254));
        $this->assertSame(str_repeat('u', 254), $s->getSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME));
        // 255 bytes, the most libzmq takes, read back on FerroMQ; php-zmq reads these options
        // into a 255-byte buffer, which libzmq finds too small for them and their NUL (the
        // README's Differences).
        foreach (['PLAIN_USERNAME', 'PLAIN_PASSWORD', 'ZAP_DOMAIN'] as $name) {
            $key = constant("ZMQ::SOCKOPT_$name");
            $s->setSockOpt($key, str_repeat('u', 255));
            if (zmq_impl() === 'ferromq') {
                $this->assertSame(str_repeat('u', 255), $s->getSockOpt($key));
            } else {
                $this->assertSocketError(
                    fn () => $s->getSockOpt($key),
                    "Failed to get the option ZMQ::SOCKOPT_$name value: Invalid argument",
                    self::EINVAL
                );
            }
        }
    }

    public function testSecurityOptionsRefuseWhatLibzmqRefuses(): void
    {
        $s = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_ROUTER);
        foreach (['PLAIN_USERNAME', 'PLAIN_PASSWORD', 'ZAP_DOMAIN'] as $name) {
            $key = constant("ZMQ::SOCKOPT_$name");
            $failed = "Failed to set socket ZMQ::SOCKOPT_$name option: Invalid argument";
            // More than 255 bytes, and (as php-zmq always passes a buffer) nothing.
            $this->assertSocketError(fn () => $s->setSockOpt($key, str_repeat('x', 256)), $failed, self::EINVAL);
            $this->assertSocketError(fn () => $s->setSockOpt($key, ''), $failed, self::EINVAL);
        }
        // A refused value changes nothing.
        $this->assertSame(self::NULL, $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM));
        // php-zmq names integer options without SOCKOPT_ in this message.
        foreach ([2, -1] as $value) {
            $this->assertSocketError(
                fn () => $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, $value),
                'Failed to set socket ZMQ::PLAIN_SERVER option: Invalid argument',
                self::EINVAL
            );
        }
        $this->assertSocketError(
            fn () => $s->setSockOpt(ZMQ::SOCKOPT_MECHANISM, self::PLAIN),
            'Setting ZMQ::SOCKOPT_MECHANISM is not supported',
            ZMQ::ERR_INTERNAL
        );
        // php-zmq has no constant for ZAP_ENFORCE_DOMAIN (93), and refuses the key.
        $this->assertSocketError(fn () => $s->setSockOpt(93, 1), 'Unknown option key 93', ZMQ::ERR_INTERNAL);
        $this->assertSocketError(fn () => $s->getSockOpt(93), 'Unknown option key 93', ZMQ::ERR_INTERNAL);
    }

    // --- the authenticator (FerroMQ's own) ------------------------------------------------

    public function testPlainWithTheRightPasswordDeliversEveryMessage(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $this->authenticator($ctx);
        [$server, $endpoint] = $this->plainServer($ctx);
        [$client, $monitor] = $this->plainClient($ctx, $endpoint, 'secret');
        $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($monitor));
        $client->setSockOpt(ZMQ::SOCKOPT_LINGER, -1);
        for ($i = 0; $i < self::MESSAGES; $i++) {
            $this->assertSame($client, $client->send((string) $i));
        }
        // Closed right after the last send: every message still arrives.
        unset($client);
        $this->assertReceivesInOrder($server, self::MESSAGES);
    }

    public function testPlainWithAWrongPasswordIsRefusedAndBothMonitorsSaySo(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $this->authenticator($ctx);
        [$server, $endpoint] = $this->plainServer($ctx);
        $serverMonitor = $this->monitor($ctx, $server);
        [$client, $monitor] = $this->plainClient($ctx, $endpoint, 'guess');
        $client->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($monitor));
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($serverMonitor));
        $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 200);
        $this->assertFalse($server->recv());
    }

    public function testPlainUsersBelongToTheirZapDomain(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $auth = $this->authenticator($ctx);
        // A server with a ZAP domain: the users of "*" do not get in…
        [$server, $endpoint] = $this->plainServer($ctx, 'global');
        [$client, $monitor] = $this->plainClient($ctx, $endpoint, 'secret');
        $client->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($monitor));
        // …those of its domain do.
        $auth->configurePlain('global', ['admin' => 'secret']);
        [$client, $monitor] = $this->plainClient($ctx, $endpoint, 'secret');
        $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($monitor));
        $client->send('0');
        $this->assertSame('0', $server->recv());
    }

    public function testNullClientsAreAdmittedOrRefusedByAddress(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $auth = (new ZMQAuthenticator($ctx))->start();
        $this->authenticators[] = $auth;
        // Admitted; then denied (among other addresses); then kept out by an allow list that
        // does not name it, which overrides the deny list.
        foreach (['admitted' => fn () => null,
                  'denied' => fn () => $auth->deny('10.1.2.3', '127.0.0.1'),
                  'not allowed' => fn () => $auth->allow('10.1.2.3')] as $case => $change) {
            $change();
            $server = $ctx->getSocket(ZMQ::SOCKET_PULL);
            $server->setSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN, 'global');
            $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, $case === 'admitted' ? self::TIMEOUT : 500);
            $server->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
            $endpoint = fresh_endpoint('tcp');
            $server->bind($endpoint);
            $serverMonitor = $this->monitor($ctx, $server);
            $client = $ctx->getSocket(ZMQ::SOCKET_PUSH);
            $client->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
            // A refused connection is not redialled (as in libzmq): once refused, the PUSH
            // has no peer and a send without a timeout would wait for ever.
            $client->setSockOpt(ZMQ::SOCKOPT_SNDTIMEO, 500);
            $client->connect($endpoint);
            $client->send('hello');
            if ($case === 'admitted') {
                $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($serverMonitor), $case);
                $this->assertSame('hello', $server->recv(), $case);
            } else {
                $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($serverMonitor), $case);
                $this->assertFalse($server->recv(), $case);
            }
        }
        // The same allow list lets 127.0.0.1 in once it names it.
        $auth->allow('127.0.0.1');
        $server = $ctx->getSocket(ZMQ::SOCKET_PULL);
        $server->setSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN, 'global');
        $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, self::TIMEOUT);
        $endpoint = fresh_endpoint('tcp');
        $server->bind($endpoint);
        $client = $ctx->getSocket(ZMQ::SOCKET_PUSH)->connect($endpoint);
        $client->send('hello again');
        $this->assertSame('hello again', $server->recv());
    }

    public function testASecondAuthenticatorInOneContextFails(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $first = new ZMQAuthenticator($ctx);
        $this->authenticators[] = $first;
        $this->assertFalse($first->isAlive());
        $this->assertSame($first, $first->start());
        $this->assertTrue($first->isAlive());
        $this->assertSame($first, $first->start(), 'starting again changes nothing');
        $second = new ZMQAuthenticator($ctx);
        $this->authenticators[] = $second;
        try {
            $second->start();
            $this->fail('a second authenticator started');
        } catch (ZMQAuthenticatorException $e) {
            $this->assertSame('Failed to start the authenticator: Address already in use', $e->getMessage());
            $this->assertSame(self::EADDRINUSE, $e->getCode());
            $this->assertInstanceOf(ZMQException::class, $e);
        }
        $this->assertFalse($second->isAlive());
        // Another context has its own ZAP endpoint.
        $elsewhere = new ZMQAuthenticator(new ZMQContext(1, false));
        $this->authenticators[] = $elsewhere;
        $this->assertTrue($elsewhere->start()->isAlive());
        // Stopping frees the endpoint.
        $this->assertSame($first, $first->stop());
        $this->assertFalse($first->isAlive());
        $this->assertTrue($second->start()->isAlive());
        // An authenticator that goes away stops and frees it too.
        $second->stop();
        $third = (new ZMQAuthenticator($ctx))->start();
        unset($third);
        $this->assertTrue($second->start()->isAlive());
    }

    public function testTheAuthenticatorTakesPhpValues(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $auth = new ZMQAuthenticator($ctx);
        // PHP turns the key "7" into the int 7; the user is still "7". An int password is
        // its digits.
        $this->assertSame($auth, $auth->configurePlain('*', ['7' => 1234]));
        $this->assertSame($auth, $auth->allow()->deny());
        $this->authenticators[] = $auth->start();
        [$server, $endpoint] = $this->plainServer($ctx);
        $client = $ctx->getSocket(ZMQ::SOCKET_PUSH);
        $client->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, '7');
        $client->setSockOpt(ZMQ::SOCKOPT_PLAIN_PASSWORD, '1234');
        $client->connect($endpoint)->send('in');
        $this->assertSame('in', $server->recv());

        $errors = [
            'ZMQAuthenticator::__construct(): Argument #1 ($context) must be of type ZMQContext, stdClass given'
                => fn () => new ZMQAuthenticator(new stdClass()),
            'ZMQAuthenticator::configurePlain(): Argument #2 ($passwords) must be of type array, string given'
                => fn () => $auth->configurePlain('*', 'admin'),
            'ZMQAuthenticator::configurePlain(): Argument #2 ($passwords) must be an array of strings, array given for user "admin"'
                => fn () => $auth->configurePlain('*', ['admin' => ['secret']]),
            'ZMQAuthenticator::allow(): Argument #2 must be of type string, array given'
                => fn () => $auth->allow('127.0.0.1', []),
        ];
        foreach ($errors as $message => $call) {
            try {
                $call();
                $this->fail("no TypeError: $message");
            } catch (TypeError $e) {
                $this->assertSame($message, $e->getMessage());
            }
        }
        $this->expectException(ArgumentCountError::class);
        $auth->configurePlain('*');
    }

    // --- with php-zmq (the real libzmq) in separate processes -----------------------------

    /** @return array<array{string}> */
    public function clientImplementations(): array
    {
        return ['ferromq client' => ['ferromq'], 'php-zmq client' => ['php-zmq']];
    }

    /**
     * A client in another process, exiting right after its last send, against a FerroMQ
     * server guarded by ZMQAuthenticator in this one.
     * @dataProvider clientImplementations
     */
    public function testPlainClientInAnotherProcessDeliversEveryMessage(string $impl): void
    {
        $this->requireFerroMQSide();
        $ctx = new ZMQContext(1, false);
        $this->authenticator($ctx);
        [$server, $endpoint] = $this->plainServer($ctx);
        $client = start_peer($impl, 'plain.php', ['client', $endpoint, (string) self::MESSAGES, 'secret']);
        $this->assertReceivesInOrder($server, self::MESSAGES);
        [$code, $out, $err] = finish_peer($client);
        $this->assertSame([0, ''], [$code, trim($out)], $err);
    }

    /** @dataProvider clientImplementations */
    public function testPlainClientInAnotherProcessWithAWrongPasswordIsRefused(string $impl): void
    {
        $this->requireFerroMQSide();
        $ctx = new ZMQContext(1, false);
        $this->authenticator($ctx);
        [$server, $endpoint] = $this->plainServer($ctx);
        $serverMonitor = $this->monitor($ctx, $server);
        $client = start_peer($impl, 'plain.php', ['refused', $endpoint, '0', 'guess']);
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($serverMonitor));
        [$code, $out, $err] = finish_peer($client);
        $this->assertSame([0, 'event ' . self::HANDSHAKE_FAILED_AUTH . ' value 400'], [$code, trim($out)], $err);
    }

    /** Starts php-zmq's PLAIN server (with its own ZAP handler) and waits for it. */
    private function phpZmqServer(string $endpoint, int $count, array $more = []): array
    {
        $peer = start_peer('php-zmq', 'plain.php', array_merge(['server', $endpoint, (string) $count], $more));
        $line = fgets($peer[1]);
        if ($line !== "ready\n") {
            $this->fail('php-zmq server did not start: ' . implode(' ', finish_peer($peer, 5)));
        }
        return $peer;
    }

    public function testFerroMQClientInAnotherProcessAgainstPhpZmqServer(): void
    {
        $this->requireFerroMQSide();
        $endpoint = fresh_endpoint('tcp');
        $server = $this->phpZmqServer($endpoint, self::MESSAGES);
        $client = start_peer('ferromq', 'plain.php', ['client', $endpoint, (string) self::MESSAGES, 'secret']);
        [$code, $out, $err] = finish_peer($client);
        $this->assertSame([0, ''], [$code, trim($out)], $err);
        [$code, $out, $err] = finish_peer($server);
        $this->assertSame([0, 'received ' . self::MESSAGES], [$code, trim($out)], $err);
    }

    public function testFerroMQClientWithAWrongPasswordIsRefusedByPhpZmqServer(): void
    {
        $this->requireFerroMQSide();
        $endpoint = fresh_endpoint('tcp');
        $stop = sys_get_temp_dir() . '/ferromq-test-stop-' . getmypid() . '-' . mt_rand();
        $server = $this->phpZmqServer($endpoint, 0, [$stop]);
        $ctx = new ZMQContext(1, false);
        [$client, $monitor] = $this->plainClient($ctx, $endpoint, 'guess');
        $client->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        try {
            $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($monitor));
        } finally {
            touch($stop);
        }
        [$code, $out, $err] = finish_peer($server);
        unlink($stop);
        $this->assertSame([0, 'refused admin'], [$code, trim($out)], $err);
    }
}
