<?php
// CURVE (RFC 26): ZMQ::curveKeyPair() and the CURVE options as php-zmq has them (on both
// extensions), servers guarded by FerroMQ's ZMQAuthenticator with a directory of client
// certificates or letting any client in, and CURVE between FerroMQ and php-zmq (Debian's,
// libzmq 4.3.4 with libsodium) in separate processes, each way.

use PHPUnit\Framework\TestCase;

final class CurveTest extends TestCase
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
    // libzmq's ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC: a box that does not open.
    private const PROTOCOL_ERROR_CRYPTOGRAPHIC = 0x11000001;

    // What SOCKOPT_MECHANISM reads: libzmq's ZMQ_NULL, ZMQ_PLAIN, ZMQ_CURVE.
    private const NULL = 0;
    private const PLAIN = 1;
    private const CURVE = 2;

    private const EINVAL = 22;
    private const ENOENT = 2;

    /** Authenticators to stop, and certificate directories to remove, after each test. */
    private array $authenticators = [];
    private array $directories = [];

    protected function tearDown(): void
    {
        foreach ($this->authenticators as $auth) {
            $auth->stop();
        }
        $this->authenticators = [];
        foreach ($this->directories as $dir) {
            array_map('unlink', glob("$dir/*"));
            rmdir($dir);
        }
        $this->directories = [];
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

    /** A directory with the public certificates (czmq's zcert files, as pyzmq and
     *  FerroMQ's core write them) of these public keys. */
    private function certificates(string ...$publicKeys): string
    {
        $dir = sys_get_temp_dir() . '/ferromq-test-certs-' . getmypid() . '-' . mt_rand();
        mkdir($dir);
        $this->directories[] = $dir;
        foreach ($publicKeys as $i => $key) {
            file_put_contents("$dir/client$i.key", "#   ZeroMQ CURVE Public Certificate\n\n"
                . "metadata\ncurve\n    public-key = \"$key\"\n");
        }
        // Not certificates: skipped.
        file_put_contents("$dir/README", "not a certificate\n");
        file_put_contents("$dir/broken.key", "metadata\ncurve\n    public-key = \"short\"\n");
        return $dir;
    }

    /** A started authenticator for `$ctx`'s servers, configured by `$configure`. */
    private function authenticator(ZMQContext $ctx, callable $configure): ZMQAuthenticator
    {
        $auth = new ZMQAuthenticator($ctx);
        $configure($auth);
        $this->authenticators[] = $auth->start();
        return $auth;
    }

    /** A CURVE PULL server with `$secret`, bound at a fresh tcp endpoint. */
    private function curveServer(ZMQContext $ctx, string $secret, ?string $domain = null): array
    {
        $server = $ctx->getSocket(ZMQ::SOCKET_PULL);
        $server->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVER, 1);
        $server->setSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY, $secret);
        if ($domain !== null) {
            $server->setSockOpt(ZMQ::SOCKOPT_ZAP_DOMAIN, $domain);
        }
        $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, self::TIMEOUT);
        $server->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $endpoint = fresh_endpoint('tcp');
        $server->bind($endpoint);
        return [$server, $endpoint];
    }

    /** A CURVE PUSH client of `$serverKey` with the key pair `$keys`, its handshake events on
     *  the PAIR returned. */
    private function curveClient(ZMQContext $ctx, string $endpoint, string $serverKey, array $keys): array
    {
        $client = $ctx->getSocket(ZMQ::SOCKET_PUSH);
        $client->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVERKEY, $serverKey);
        $client->setSockOpt(ZMQ::SOCKOPT_CURVE_PUBLICKEY, $keys['public_key']);
        $client->setSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY, $keys['secret_key']);
        $client->setSockOpt(ZMQ::SOCKOPT_SNDTIMEO, self::TIMEOUT);
        $client->setSockOpt(ZMQ::SOCKOPT_LINGER, 0);
        $monitor = $this->monitor($ctx, $client);
        $client->connect($endpoint);
        return [$client, $monitor];
    }

    // --- keys and options, on both extensions ---------------------------------------------

    public function testCurveKeyPairIsPhpZmqs(): void
    {
        $pair = ZMQ::curveKeyPair();
        $this->assertSame(['public_key', 'secret_key'], array_keys($pair));
        foreach ($pair as $name => $key) {
            $this->assertMatchesRegularExpression('/^[0-9a-zA-Z.\-:+=^!\/*?&<>()\[\]{}@%$#]{40}$/', $key, $name);
            $this->assertSame(32, strlen(ZMQ::z85decode($key)), $name);
        }
        $this->assertNotSame($pair['public_key'], $pair['secret_key']);
        $this->assertNotSame($pair, ZMQ::curveKeyPair());
        $this->assertContains('curvekeypair', get_class_methods('ZMQ'));
        $method = new ReflectionMethod('ZMQ', 'curveKeyPair');
        $this->assertTrue($method->isStatic());
        $this->assertSame(0, $method->getNumberOfParameters());
        try {
            ZMQ::curveKeyPair(1);
            $this->fail('no ArgumentCountError');
        } catch (ArgumentCountError $e) {
            $this->assertSame('ZMQ::curvekeypair() expects exactly 0 arguments, 1 given', $e->getMessage());
        }
    }

    public function testCurveOptionsReadBackAsPhpZmq(): void
    {
        $keys = ZMQ::curveKeyPair();
        $public = ZMQ::z85decode($keys['public_key']);
        $secret = ZMQ::z85decode($keys['secret_key']);
        $s = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_DEALER);
        // Unset keys read as 32 zero bytes.
        foreach (['PUBLICKEY', 'SECRETKEY', 'SERVERKEY'] as $name) {
            $this->assertSame(str_repeat("\0", 32), $s->getSockOpt(constant("ZMQ::SOCKOPT_CURVE_$name")), $name);
        }
        $this->assertSame([0, self::NULL], [$s->getSockOpt(ZMQ::SOCKOPT_CURVE_SERVER), $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM)]);

        // CURVE_SERVER makes it a CURVE server; 0 makes it a NULL socket again, as libzmq does.
        $s->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVER, 1);
        $this->assertSame([1, self::CURVE], [$s->getSockOpt(ZMQ::SOCKOPT_CURVE_SERVER), $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM)]);
        $s->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVER, 0);
        $this->assertSame([0, self::NULL], [$s->getSockOpt(ZMQ::SOCKOPT_CURVE_SERVER), $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM)]);

        // Keys are taken as 40 characters of Z85 or 32 bytes, and read back as 32 bytes (php-zmq
        // reads them into a 255-byte buffer: libzmq gives Z85 only for a 41-byte one).
        $s = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_DEALER);
        $s->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVERKEY, $keys['public_key']);
        $this->assertSame([0, self::CURVE], [$s->getSockOpt(ZMQ::SOCKOPT_CURVE_SERVER), $s->getSockOpt(ZMQ::SOCKOPT_MECHANISM)]);
        $this->assertSame($public, $s->getSockOpt(ZMQ::SOCKOPT_CURVE_SERVERKEY));
        $s->setSockOpt(ZMQ::SOCKOPT_CURVE_PUBLICKEY, $public);
        $this->assertSame($public, $s->getSockOpt(ZMQ::SOCKOPT_CURVE_PUBLICKEY));
        $s->setSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY, $keys['secret_key']);
        $this->assertSame($secret, $s->getSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY));
        $s->setSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY, $secret);
        $this->assertSame($secret, $s->getSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY));

        // Other lengths, and 40 characters that are not Z85, are EINVAL; nothing changes.
        foreach (['PUBLICKEY', 'SECRETKEY', 'SERVERKEY'] as $name) {
            $key = constant("ZMQ::SOCKOPT_CURVE_$name");
            $before = $s->getSockOpt($key);
            foreach (['', 'abc', str_repeat('a', 31), str_repeat('a', 33), str_repeat('a', 39),
                      str_repeat('a', 41), str_repeat('~', 40), str_repeat('"', 40)] as $bad) {
                $this->assertSocketError(
                    fn () => $s->setSockOpt($key, $bad),
                    "Failed to set socket ZMQ::SOCKOPT_CURVE_$name option: Invalid argument",
                    self::EINVAL
                );
            }
            $this->assertSame($before, $s->getSockOpt($key), $name);
        }
        foreach ([2, -1] as $value) {
            $this->assertSocketError(
                fn () => $s->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVER, $value),
                'Failed to set socket ZMQ::CURVE_SERVER option: Invalid argument',
                self::EINVAL
            );
        }

        // The last mechanism set wins, as in libzmq.
        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER, 1);
        $this->assertSame([self::PLAIN, 0], [$s->getSockOpt(ZMQ::SOCKOPT_MECHANISM), $s->getSockOpt(ZMQ::SOCKOPT_CURVE_SERVER)]);
        $s->setSockOpt(ZMQ::SOCKOPT_CURVE_SERVER, 1);
        $this->assertSame([self::CURVE, 0], [$s->getSockOpt(ZMQ::SOCKOPT_MECHANISM), $s->getSockOpt(ZMQ::SOCKOPT_PLAIN_SERVER)]);
        $s->setSockOpt(ZMQ::SOCKOPT_PLAIN_USERNAME, 'admin');
        $this->assertSame([self::PLAIN, 0], [$s->getSockOpt(ZMQ::SOCKOPT_MECHANISM), $s->getSockOpt(ZMQ::SOCKOPT_CURVE_SERVER)]);
        // The keys stay.
        $this->assertSame($secret, $s->getSockOpt(ZMQ::SOCKOPT_CURVE_SECRETKEY));
    }

    /** No ZAP handler: a CURVE server lets in every client that knows its key (libzmq's
     *  rule); a client with the wrong server key fails, as both monitors say. */
    public function testAWrongServerKeyFails(): void
    {
        $ctx = new ZMQContext(1, false);
        $serverKeys = ZMQ::curveKeyPair();
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key']);
        $serverMonitor = $this->monitor($ctx, $server);

        [$wrong, $monitor] = $this->curveClient($ctx, $endpoint, ZMQ::curveKeyPair()['public_key'], ZMQ::curveKeyPair());
        $wrong->send('not for you');
        // The server cannot open the client's HELLO; the client sees the connection go.
        $this->assertSame([self::HANDSHAKE_FAILED_PROTOCOL, self::PROTOCOL_ERROR_CRYPTOGRAPHIC], $this->nextEvent($serverMonitor));
        $this->assertSame(self::HANDSHAKE_FAILED_NO_DETAIL, $this->nextEvent($monitor)[0]);
        $wrong->disconnect($endpoint);

        [$right, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], ZMQ::curveKeyPair());
        $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($monitor));
        $right->send('for you');
        $this->assertSame('for you', $server->recv());
    }

    // --- the authenticator (FerroMQ's own) ------------------------------------------------

    public function testCurveWithAKnownClientKeyDeliversEveryMessage(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $serverKeys = ZMQ::curveKeyPair();
        $clientKeys = ZMQ::curveKeyPair();
        $certs = $this->certificates(ZMQ::curveKeyPair()['public_key'], $clientKeys['public_key']);
        $this->authenticator($ctx, fn ($auth) => $auth->configureCurve('*', $certs));
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key']);
        [$client, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], $clientKeys);
        $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($monitor));
        $client->setSockOpt(ZMQ::SOCKOPT_LINGER, -1);
        for ($i = 0; $i < self::MESSAGES; $i++) {
            $this->assertSame($client, $client->send((string) $i));
        }
        // Closed right after the last send: every message still arrives.
        unset($client);
        $this->assertReceivesInOrder($server, self::MESSAGES);
    }

    public function testAnUnknownClientKeyIsRefusedAndBothMonitorsSaySo(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $serverKeys = ZMQ::curveKeyPair();
        $clientKeys = ZMQ::curveKeyPair();
        $certs = $this->certificates(ZMQ::curveKeyPair()['public_key']);
        $auth = $this->authenticator($ctx, fn ($auth) => $auth->configureCurve('*', $certs));
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key']);
        $serverMonitor = $this->monitor($ctx, $server);
        [$client, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], $clientKeys);
        $client->send('not for you');
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($monitor));
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($serverMonitor));
        $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 200);
        $this->assertFalse($server->recv());

        // Its certificate added, the directory read again: it gets in.
        $certs = $this->certificates($clientKeys['public_key']);
        $this->assertSame($auth, $auth->configureCurve('*', $certs));
        [$client, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], $clientKeys);
        $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($monitor));
        $client->send('for you');
        $server->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, self::TIMEOUT);
        $this->assertSame('for you', $server->recv());
    }

    public function testCurveKeysBelongToTheirZapDomain(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $serverKeys = ZMQ::curveKeyPair();
        $clientKeys = ZMQ::curveKeyPair();
        $certs = $this->certificates($clientKeys['public_key']);
        $auth = $this->authenticator($ctx, fn ($auth) => $auth->configureCurve('*', $certs));
        // A server with a ZAP domain: the keys of "*" do not get in…
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key'], 'global');
        [$client, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], $clientKeys);
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($monitor));
        // …those of its domain do.
        $auth->configureCurve('global', $certs);
        [$client, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], $clientKeys);
        $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($monitor));
        $client->send('0');
        $this->assertSame('0', $server->recv());
    }

    public function testAllowAnyLetsEveryCurveClientIn(): void
    {
        $this->requireAuthenticator();
        $ctx = new ZMQContext(1, false);
        $this->assertSame('*', ZMQAuthenticator::CURVE_ALLOW_ANY);
        $serverKeys = ZMQ::curveKeyPair();
        $this->authenticator($ctx, fn ($auth) => $auth->configureCurve('*', ZMQAuthenticator::CURVE_ALLOW_ANY));
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key'], 'global');
        for ($i = 0; $i < 3; $i++) {
            [$client, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], ZMQ::curveKeyPair());
            $this->assertSame([self::HANDSHAKE_SUCCEEDED, 0], $this->nextEvent($monitor));
            $client->send("client $i");
            $this->assertSame("client $i", $server->recv());
        }
        // The server key still has to be right.
        $serverMonitor = $this->monitor($ctx, $server);
        [$client, $monitor] = $this->curveClient($ctx, $endpoint, ZMQ::curveKeyPair()['public_key'], ZMQ::curveKeyPair());
        $this->assertSame([self::HANDSHAKE_FAILED_PROTOCOL, self::PROTOCOL_ERROR_CRYPTOGRAPHIC], $this->nextEvent($serverMonitor));
    }

    public function testConfigureCurveTakesPhpValuesAndSaysWhatFails(): void
    {
        $this->requireAuthenticator();
        $auth = new ZMQAuthenticator(new ZMQContext(1, false));
        $missing = sys_get_temp_dir() . '/ferromq-test-no-such-dir-' . getmypid();
        try {
            $auth->configureCurve('*', $missing);
            $this->fail('no exception for a missing directory');
        } catch (ZMQAuthenticatorException $e) {
            $this->assertSame("Failed to read the certificates in $missing: No such file or directory", $e->getMessage());
            $this->assertSame(self::ENOENT, $e->getCode());
        }
        // An empty directory: no client gets in, but it is no error.
        $this->assertSame($auth, $auth->configureCurve('*', $this->certificates()));
        $errors = [
            'ZMQAuthenticator::configureCurve(): Argument #2 ($location) must be of type string, array given'
                => fn () => $auth->configureCurve('*', []),
            'ZMQAuthenticator::configureCurve(): Argument #1 ($domain) must be of type string, array given'
                => fn () => $auth->configureCurve([], '*'),
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
        $auth->configureCurve('*');
    }

    // --- with php-zmq (the real libzmq) in separate processes -----------------------------

    /** @return array<array{string}> */
    public function clientImplementations(): array
    {
        return ['ferromq client' => ['ferromq'], 'php-zmq client' => ['php-zmq']];
    }

    /**
     * A client in another process, exiting right after its last send, against a FerroMQ
     * server guarded by ZMQAuthenticator (a certificate directory) in this one.
     * @dataProvider clientImplementations
     */
    public function testCurveClientInAnotherProcessDeliversEveryMessage(string $impl): void
    {
        $this->requireFerroMQSide();
        $ctx = new ZMQContext(1, false);
        $serverKeys = ZMQ::curveKeyPair();
        $clientKeys = ZMQ::curveKeyPair();
        $certs = $this->certificates($clientKeys['public_key']);
        $this->authenticator($ctx, fn ($auth) => $auth->configureCurve('*', $certs));
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key']);
        $client = start_peer($impl, 'curve.php', ['client', $endpoint, (string) self::MESSAGES,
            $serverKeys['public_key'], $clientKeys['public_key'], $clientKeys['secret_key']]);
        $this->assertReceivesInOrder($server, self::MESSAGES);
        [$code, $out, $err] = finish_peer($client);
        $this->assertSame([0, ''], [$code, trim($out)], $err);
    }

    /** @dataProvider clientImplementations */
    public function testCurveClientInAnotherProcessWithAnUnknownKeyIsRefused(string $impl): void
    {
        $this->requireFerroMQSide();
        $ctx = new ZMQContext(1, false);
        $serverKeys = ZMQ::curveKeyPair();
        $clientKeys = ZMQ::curveKeyPair();
        $certs = $this->certificates(ZMQ::curveKeyPair()['public_key']);
        $this->authenticator($ctx, fn ($auth) => $auth->configureCurve('*', $certs));
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key']);
        $serverMonitor = $this->monitor($ctx, $server);
        $client = start_peer($impl, 'curve.php', ['refused', $endpoint, '0',
            $serverKeys['public_key'], $clientKeys['public_key'], $clientKeys['secret_key']]);
        $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($serverMonitor));
        [$code, $out, $err] = finish_peer($client);
        $this->assertSame([0, 'event ' . self::HANDSHAKE_FAILED_AUTH . ' value 400'], [$code, trim($out)], $err);
    }

    /** @dataProvider clientImplementations */
    public function testCurveClientInAnotherProcessWithTheWrongServerKeyFails(string $impl): void
    {
        $this->requireFerroMQSide();
        $ctx = new ZMQContext(1, false);
        $serverKeys = ZMQ::curveKeyPair();
        $clientKeys = ZMQ::curveKeyPair();
        $this->authenticator($ctx, fn ($auth) => $auth->configureCurve('*', ZMQAuthenticator::CURVE_ALLOW_ANY));
        [$server, $endpoint] = $this->curveServer($ctx, $serverKeys['secret_key']);
        $serverMonitor = $this->monitor($ctx, $server);
        $client = start_peer($impl, 'curve.php', ['refused', $endpoint, '0',
            ZMQ::curveKeyPair()['public_key'], $clientKeys['public_key'], $clientKeys['secret_key']]);
        $this->assertSame([self::HANDSHAKE_FAILED_PROTOCOL, self::PROTOCOL_ERROR_CRYPTOGRAPHIC], $this->nextEvent($serverMonitor));
        [$code, $out, $err] = finish_peer($client);
        $this->assertSame(0, $code, $err);
        $this->assertStringStartsWith('event ' . self::HANDSHAKE_FAILED_NO_DETAIL . ' ', trim($out));
    }

    /** Starts php-zmq's CURVE server (with its own ZAP handler) and waits for it. */
    private function phpZmqServer(string $endpoint, int $count, string $secret, string $allowed, array $more = []): array
    {
        $peer = start_peer('php-zmq', 'curve.php', array_merge(['server', $endpoint, (string) $count, $secret, $allowed], $more));
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
        $serverKeys = ZMQ::curveKeyPair();
        $clientKeys = ZMQ::curveKeyPair();
        $server = $this->phpZmqServer($endpoint, self::MESSAGES, $serverKeys['secret_key'], $clientKeys['public_key']);
        $client = start_peer('ferromq', 'curve.php', ['client', $endpoint, (string) self::MESSAGES,
            $serverKeys['public_key'], $clientKeys['public_key'], $clientKeys['secret_key']]);
        [$code, $out, $err] = finish_peer($client);
        $this->assertSame([0, ''], [$code, trim($out)], $err);
        [$code, $out, $err] = finish_peer($server);
        $this->assertSame([0, 'received ' . self::MESSAGES], [$code, trim($out)], $err);
    }

    public function testFerroMQClientWithAnUnknownKeyIsRefusedByPhpZmqServer(): void
    {
        $this->requireFerroMQSide();
        $endpoint = fresh_endpoint('tcp');
        $serverKeys = ZMQ::curveKeyPair();
        $stop = sys_get_temp_dir() . '/ferromq-test-stop-' . getmypid() . '-' . mt_rand();
        $server = $this->phpZmqServer($endpoint, 0, $serverKeys['secret_key'], ZMQ::curveKeyPair()['public_key'], [$stop]);
        $ctx = new ZMQContext(1, false);
        [$client, $monitor] = $this->curveClient($ctx, $endpoint, $serverKeys['public_key'], ZMQ::curveKeyPair());
        try {
            $this->assertSame([self::HANDSHAKE_FAILED_AUTH, 400], $this->nextEvent($monitor));
        } finally {
            touch($stop);
        }
        [$code, $out, $err] = finish_peer($server);
        unlink($stop);
        $this->assertSame([0, 'refused'], [$code, trim($out)], $err);
    }
}
