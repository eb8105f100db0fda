#!/usr/bin/env bash
# make test-php: builds the extension, runs the PHPUnit suite on it (Debian's phpunit;
# php-fpm for the persistence test, php-zmq for interop), then runs the same suite on
# Debian's php-zmq: the compatibility cases must pass on both (tests/bootstrap.php).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/tools/build.sh"
cd "$here"
echo "PHPUnit on FerroMQ's extension:"
FERROMQ_FPM_REQUESTS="${FERROMQ_FPM_REQUESTS:-100000}" ./tools/php.sh /usr/bin/phpunit
echo "The same suite on php-zmq (Debian's, on libzmq), for compatibility:"
FERROMQ_PHP_IMPL=php-zmq FERROMQ_FPM_REQUESTS=2000 ./tools/php.sh /usr/bin/phpunit
