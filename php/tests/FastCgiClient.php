<?php
// A minimal FastCGI client (the protocol php-fpm speaks: FastCGI 1.0, one request per
// connection, role RESPONDER), to drive a real php-fpm pool from the tests.

final class FastCgiClient
{
    private const VERSION = 1;
    private const BEGIN_REQUEST = 1;
    private const END_REQUEST = 3;
    private const PARAMS = 4;
    private const STDIN = 5;
    private const STDOUT = 6;
    private const STDERR = 7;
    private const RESPONDER = 1;

    public function __construct(private string $address)
    {
    }

    /** Runs `$script` with `$query`; returns [headers and body as one string, stderr]. */
    public function get(string $script, string $query = ''): array
    {
        $socket = stream_socket_client($this->address, $errno, $error, 10);
        if ($socket === false) {
            throw new RuntimeException("cannot reach php-fpm at {$this->address}: $error");
        }
        $params = [
            'GATEWAY_INTERFACE' => 'FastCGI/1.0', 'REQUEST_METHOD' => 'GET',
            'SCRIPT_FILENAME' => $script, 'SCRIPT_NAME' => '/' . basename($script),
            'QUERY_STRING' => $query, 'REQUEST_URI' => '/' . basename($script) . "?$query",
            'SERVER_PROTOCOL' => 'HTTP/1.1', 'SERVER_NAME' => 'localhost', 'SERVER_PORT' => '80',
            'REMOTE_ADDR' => '127.0.0.1', 'CONTENT_LENGTH' => '0',
        ];
        $encoded = '';
        foreach ($params as $name => $value) {
            $encoded .= self::length(strlen($name)) . self::length(strlen($value)) . $name . $value;
        }
        fwrite($socket,
            self::record(self::BEGIN_REQUEST, pack('nCx5', self::RESPONDER, 0))
            . self::record(self::PARAMS, $encoded) . self::record(self::PARAMS, '')
            . self::record(self::STDIN, ''));
        $out = $err = '';
        while (true) {
            $header = self::read($socket, 8);
            $h = unpack('Cversion/Ctype/nid/nlength/Cpadding', $header);
            $content = self::read($socket, $h['length']);
            self::read($socket, $h['padding']);
            if ($h['type'] === self::STDOUT) {
                $out .= $content;
            } elseif ($h['type'] === self::STDERR) {
                $err .= $content;
            } elseif ($h['type'] === self::END_REQUEST) {
                fclose($socket);
                return [$out, $err];
            }
        }
    }

    private static function record(int $type, string $content): string
    {
        return pack('CCnnCx', self::VERSION, $type, 1, strlen($content), 0) . $content;
    }

    private static function length(int $n): string
    {
        return $n < 128 ? chr($n) : pack('N', $n | 0x80000000);
    }

    private static function read($socket, int $n): string
    {
        $data = '';
        while (strlen($data) < $n) {
            $chunk = fread($socket, $n - strlen($data));
            if ($chunk === false || ($chunk === '' && feof($socket))) {
                throw new RuntimeException('php-fpm closed the connection');
            }
            $data .= $chunk;
        }
        return $data;
    }
}
