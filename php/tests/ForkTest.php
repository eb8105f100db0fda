<?php
// pcntl_fork: a child cannot use what its parent made (its I/O threads are not in the
// child) and gets a clear exception instead of a hang; it makes its own context, and it
// exits without touching the parent's.

use PHPUnit\Framework\TestCase;

final class ForkTest extends TestCase
{
    public function testTheChildGetsAClearErrorAndItsOwnContext(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('php-zmq hands the child the parent\'s context (README, Differences)');
        }
        $peer = start_peer('ferromq', 'fork.php', ['inherit', fresh_endpoint('tcp')]);
        [$code, $out, $err] = finish_peer($peer, 30);
        $this->assertSame(0, $code, $out . $err);
        $lines = explode("\n", trim($out));
        $this->assertMatchesRegularExpression(
            '/^child: ZMQSocketException \(156384765\): The socket was created in process \d+ and cannot be used after fork: create a new ZMQContext and socket in this process$/',
            $lines[0]
        );
        $this->assertSame([
            'child: sent from its own context',
            'parent: child exited with 0',
            'parent: received before fork, from child, after fork',
        ], array_slice($lines, 1));
    }

    public function testTheChildCannotUseItsParentsAuthenticator(): void
    {
        if (zmq_impl() !== 'ferromq') {
            $this->markTestSkipped('php-zmq has no authenticator');
        }
        $peer = start_peer('ferromq', 'fork.php', ['authenticator', fresh_endpoint('tcp')]);
        [$code, $out, $err] = finish_peer($peer, 30);
        $this->assertSame(0, $code, $out . $err);
        $lines = explode("\n", trim($out));
        $this->assertMatchesRegularExpression(
            '/^child: ZMQAuthenticatorException \(156384765\): The authenticator was created in process \d+ and cannot be used after fork: create a new ZMQContext and ZMQAuthenticator in this process$/',
            $lines[0]
        );
        $this->assertSame([
            'parent: child exited with 0',
            "parent: alive, received 'after fork'",
        ], array_slice($lines, 1));
    }

    public function testForkedWorkersWithTheirOwnContexts(): void
    {
        $peer = start_peer(zmq_impl(), 'fork.php', ['workers', fresh_endpoint('tcp')]);
        [$code, $out, $err] = finish_peer($peer, 30);
        $this->assertSame([0, 'answers from 2 workers'], [$code, trim($out)], $err);
    }
}
