<?php
// Every option on every socket type, as php-zmq (on the real libzmq) answers: the value
// read, the result of setting it, the value read back, or the exception, compared line by
// line. The options FerroMQ does not have yet are the README's Differences.

use PHPUnit\Framework\TestCase;

final class OptionsTest extends TestCase
{
    /** Options whose answers differ on purpose (php/README.md, Differences). */
    private const DIFFERENT = [
        'SOCKOPT_GSSAPI_SERVER',
        'SOCKOPT_GSSAPI_PLAINTEXT', 'SOCKOPT_GSSAPI_PRINCIPAL', 'SOCKOPT_GSSAPI_SERVICE_PRINCIPAL',
        'SOCKOPT_GSSAPI_PRINCIPAL_NAMETYPE', 'SOCKOPT_GSSAPI_SERVICE_PRINCIPAL_NAMETYPE',
        'SOCKOPT_ROUTER_RAW',
    ];

    public function testEveryOptionAnswersAsPhpZmqDoes(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('compares FerroMQ with php-zmq');
        }
        $peer = start_peer('php-zmq', 'options.php', []);
        [$code, $theirs, $err] = finish_peer($peer, 60);
        $this->assertSame(0, $code, $err);
        $peer = start_peer('ferromq', 'options.php', []);
        [$code, $ours, $err] = finish_peer($peer, 60);
        $this->assertSame(0, $code, $err);
        $keep = fn (string $out) => array_values(array_filter(
            explode("\n", trim($out)),
            fn ($line) => !in_array(explode(' ', $line)[1] ?? '', self::DIFFERENT, true)
        ));
        $theirs = $keep($theirs);
        $this->assertGreaterThan(700, count($theirs));
        $this->assertSame($theirs, $keep($ours));
    }
}
