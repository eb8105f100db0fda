<?php
// Shared by every test: which ØMQ extension runs them, and fresh endpoints.
// The suite runs on FerroMQ's extension and, for the compatibility tests, on Debian's
// php-zmq (FERROMQ_PHP_IMPL=php-zmq): the same code must give the same results on both,
// except where FerroMQ's README lists a difference (those tests say so and skip on
// php-zmq).

if (!extension_loaded('zmq')) {
    fwrite(STDERR, "No zmq extension is loaded: run the tests through php/tools/test.sh\n");
    exit(1);
}

const FERROMQ_ROOT = __DIR__ . '/../..';

/** "ferromq" or "php-zmq": the extension under test. */
function zmq_impl(): string
{
    return (new ReflectionExtension('zmq'))->getVersion() === '1.1.3' ? 'php-zmq' : 'ferromq';
}

/** A fresh endpoint of `$transport` (inproc, ipc or tcp). */
function fresh_endpoint(string $transport = 'inproc'): string
{
    static $n = 0;
    $n++;
    $id = getmypid() . '-' . $n;
    switch ($transport) {
        case 'inproc':
            return "inproc://ferromq-test-$id";
        case 'ipc':
            return 'ipc://' . sys_get_temp_dir() . "/ferromq-test-$id.ipc";
        default:
            return 'tcp://127.0.0.1:' . free_tcp_port();
    }
}

function free_tcp_port(): int
{
    $server = stream_socket_server('tcp://127.0.0.1:0');
    $name = stream_socket_get_name($server, false);
    fclose($server);
    return (int) substr($name, strrpos($name, ':') + 1);
}

/** Runs `$script` (a file under tests/peers/) in a separate PHP process with `$impl`'s
 *  extension; returns the process, its stdout pipe and its stderr pipe. */
function start_peer(string $impl, string $script, array $args): array
{
    $cmd = array_merge([FERROMQ_ROOT . '/php/tools/php.sh', __DIR__ . "/peers/$script"], $args);
    $env = getenv();
    $env['FERROMQ_PHP_IMPL'] = $impl;
    $proc = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $env);
    if (!is_resource($proc)) {
        throw new RuntimeException("cannot start $script");
    }
    return [$proc, $pipes[1], $pipes[2]];
}

/** Waits for a peer started by start_peer; returns [exit code, stdout, stderr]. */
function finish_peer(array $peer, float $timeout = 60.0): array
{
    [$proc, $out, $err] = $peer;
    $deadline = microtime(true) + $timeout;
    $stdout = '';
    $stderr = '';
    stream_set_blocking($out, false);
    stream_set_blocking($err, false);
    while (true) {
        $stdout .= stream_get_contents($out);
        $stderr .= stream_get_contents($err);
        $status = proc_get_status($proc);
        if (!$status['running']) {
            $stdout .= stream_get_contents($out);
            $stderr .= stream_get_contents($err);
            proc_close($proc);
            return [$status['exitcode'], $stdout, $stderr];
        }
        if (microtime(true) > $deadline) {
            proc_terminate($proc, 9);
            proc_close($proc);
            return [-1, $stdout, $stderr . "\n(killed after {$timeout}s)"];
        }
        usleep(10000);
    }
}

/** What SecurityTest and CurveTest share: handshake monitors and their assertions. The
 *  using class has the constants TIMEOUT and HANDSHAKE_EVENTS. */
trait SecurityHelpers
{
    /** The handshake events of `$socket`, on a PAIR. */
    private function monitor(ZMQContext $ctx, ZMQSocket $socket): ZMQSocket
    {
        $endpoint = fresh_endpoint('inproc');
        $socket->monitor($endpoint, self::HANDSHAKE_EVENTS);
        $events = $ctx->getSocket(ZMQ::SOCKET_PAIR);
        $events->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, self::TIMEOUT);
        $events->connect($endpoint);
        return $events;
    }

    private function nextEvent(ZMQSocket $monitor): array
    {
        $event = $monitor->recvEvent();
        return [$event['event'], $event['value']];
    }

    /** Receives `$count` messages "0", "1"… on `$server`, each in its place. */
    private function assertReceivesInOrder(ZMQSocket $server, int $count): void
    {
        $received = 0;
        while ($received < $count) {
            $message = $server->recv();
            if ($message !== (string) $received) {
                $this->fail("message $received: got " . var_export($message, true));
            }
            $received++;
        }
        $this->assertSame($count, $received);
    }

    private function assertSocketError(callable $call, string $message, int $code): void
    {
        try {
            $call();
            $this->fail("no exception: expected $message");
        } catch (ZMQSocketException $e) {
            $this->assertSame([$message, $code], [$e->getMessage(), $e->getCode()]);
        }
    }
}
