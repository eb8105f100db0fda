<?php
// What thr.php and lat.php share: their options, and running each library in its own
// process (FerroMQ's extension and php-zmq both define the class ZMQ, so one process loads
// one of them; php/tools/php.sh picks it).

const LIBS = ['ferromq', 'php-zmq'];

/** --count N --size N --lib L[,L] [--CHILD_FLAG ENDPOINT] */
function bench_options(int $count, string $childFlag): array
{
    $o = getopt('', ['count:', 'size:', 'lib:', "$childFlag:"]);
    return [
        'count' => (int) ($o['count'] ?? $count),
        'size' => (int) ($o['size'] ?? 8),
        'libs' => explode(',', $o['lib'] ?? implode(',', LIBS)),
        'child' => $o[$childFlag] ?? null,
    ];
}

/** The extension this process has loaded: "ferromq" or "php-zmq". */
function loaded_lib(): string
{
    return (new ReflectionExtension('zmq'))->getVersion() === '1.1.3' ? 'php-zmq' : 'ferromq';
}

/** The command that runs `$script` with `$args` on `$lib`'s extension. */
function php_command(string $lib, string $script, array $args): array
{
    return array_merge(['env', "FERROMQ_PHP_IMPL=$lib", __DIR__ . '/../tools/php.sh', $script], $args);
}

/** Runs this script again on `$lib` (replacing the process) unless it is loaded already. */
function ensure_lib(string $lib, string $script, array $args): void
{
    if (loaded_lib() !== $lib) {
        $command = php_command($lib, $script, $args);
        pcntl_exec('/usr/bin/env', array_slice($command, 1));
        fwrite(STDERR, "cannot run $script on $lib\n");
        exit(1);
    }
}

/** Runs `$measure` for each library, each in its own process when there are several. */
function each_lib(string $script, array $options, callable $measure): void
{
    foreach ($options['libs'] as $lib) {
        if (count($options['libs']) === 1) {
            ensure_lib($lib, $script, ['--lib', $lib, '--count', $options['count'], '--size', $options['size']]);
            $measure($lib);
        } else {
            $command = php_command($lib, $script, ['--lib', $lib, '--count', $options['count'], '--size', $options['size']]);
            passthru(implode(' ', array_map('escapeshellarg', $command)));
        }
    }
}

/** Starts the child (`--FLAG endpoint`) on `$lib`. */
function spawn_child(string $lib, string $script, string $flag, string $endpoint, int $count, int $size)
{
    $command = php_command($lib, $script, ['--lib', $lib, '--count', (string) $count, '--size', (string) $size, "--$flag", $endpoint]);
    return proc_open($command, [], $pipes);
}
