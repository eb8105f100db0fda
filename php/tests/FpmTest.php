<?php
// Persistent sockets under a real php-fpm pool (Debian's php-fpm), driven through FastCGI:
// each worker makes its socket once and reuses it for every request it serves, every
// request's message arrives, and a worker's memory stays flat over many requests.

use PHPUnit\Framework\TestCase;

require_once __DIR__ . '/FastCgiClient.php';

final class FpmTest extends TestCase
{
    private $fpm;
    private string $dir;
    private FastCgiClient $client;

    protected function setUp(): void
    {
        $binary = trim((string) shell_exec('command -v php-fpm8.2 || command -v php-fpm'));
        if ($binary === '') {
            $this->fail('php-fpm is not installed (make deps installs php-fpm)');
        }
        $this->dir = sys_get_temp_dir() . '/ferromq-fpm-' . getmypid();
        @mkdir($this->dir);
        $listen = "{$this->dir}/fpm.sock";
        file_put_contents("{$this->dir}/fpm.conf", implode("\n", [
            '[global]', "pid = {$this->dir}/fpm.pid", "error_log = {$this->dir}/error.log",
            'daemonize = no', '[test]', "listen = $listen", 'pm = static', 'pm.max_children = 2',
            'catch_workers_output = yes', 'clear_env = no', '',
        ]));
        $extension = zmq_impl() === 'ferromq' ? FERROMQ_ROOT . '/php/modules/ferromq.so' : 'zmq';
        $this->fpm = proc_open(
            [$binary, '-n', '-R', '-F', '-y', "{$this->dir}/fpm.conf", '-d', "extension=$extension"],
            [1 => ['file', "{$this->dir}/stdout.log", 'w'], 2 => ['file', "{$this->dir}/stderr.log", 'w']],
            $pipes
        );
        $deadline = microtime(true) + 10;
        while (!file_exists($listen) && microtime(true) < $deadline) {
            usleep(20000);
        }
        $this->assertFileExists($listen, (string) @file_get_contents("{$this->dir}/error.log"));
        $this->client = new FastCgiClient("unix://$listen");
    }

    protected function tearDown(): void
    {
        if (is_resource($this->fpm)) {
            proc_terminate($this->fpm, SIGQUIT); // graceful: workers shut their modules down
            $deadline = microtime(true) + 10;
            while (proc_get_status($this->fpm)['running'] && microtime(true) < $deadline) {
                usleep(20000);
            }
            proc_close($this->fpm);
        }
        array_map('unlink', glob("{$this->dir}/*"));
        @rmdir($this->dir);
    }

    private function request(string $endpoint, int $n): array
    {
        [$out, $err] = $this->client->get(__DIR__ . '/fpm/app.php', http_build_query(['endpoint' => $endpoint, 'n' => $n]));
        $body = substr($out, strpos($out, "\r\n\r\n") + 4);
        $page = json_decode($body, true);
        $this->assertIsArray($page, $out . $err);
        return $page;
    }

    public function testPersistentSocketsAcrossRequestsAndMemoryOverManyRequests(): void
    {
        $endpoint = fresh_endpoint('tcp');
        $pull = (new ZMQContext(1, false))->getSocket(ZMQ::SOCKET_PULL)->bind($endpoint);
        $pull->setSockOpt(ZMQ::SOCKOPT_RCVTIMEO, 10000);

        $requests = (int) (getenv('FERROMQ_FPM_REQUESTS') ?: 20000);
        $made = [];
        $rss = [];
        $received = 0;
        for ($n = 0; $n < $requests; $n++) {
            $page = $this->request($endpoint, $n);
            $this->assertTrue($page['persistent']);
            $this->assertSame([$endpoint], $page['endpoints']);
            if ($page['new']) {
                $made[] = $page['pid'];
            }
            if ($n === 200) {
                $rss[$page['pid']] = $page['rss_kb'];
            }
            $last[$page['pid']] = $page['rss_kb'];
            // Keep up with the workers, so no queue grows without bound.
            while (($msg = $pull->recv(ZMQ::MODE_DONTWAIT)) !== false) {
                $received++;
            }
        }
        while ($received < $requests && $pull->recv() !== false) {
            $received++;
        }
        $this->assertSame($requests, $received, 'every request\'s message arrives');
        $this->assertSame(count(array_unique($made)), count($made), 'one socket per worker');
        $this->assertLessThanOrEqual(2, count($made));
        foreach ($rss as $pid => $early) {
            if (isset($last[$pid])) {
                // A leak of even 100 bytes per request would show as megabytes here.
                $this->assertLessThan(1024, $last[$pid] - $early, "worker $pid grew from $early kB to {$last[$pid]} kB");
            }
        }
    }
}
