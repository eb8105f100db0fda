#!/usr/bin/env bash
# Runs php with one ØMQ extension: FerroMQ's (php/modules/ferromq.so, the default) or
# Debian's php-zmq (FERROMQ_PHP_IMPL=php-zmq), with every other extension of the
# machine's PHP CLI configuration. php-zmq is enabled by a file in PHP's conf.d, so for
# FerroMQ this points PHP_INI_SCAN_DIR at a copy of that directory without it.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
impl="${FERROMQ_PHP_IMPL:-ferromq}"
if [ "$impl" = php-zmq ]; then
    exec php "$@"
fi
system_conf="$(php -r 'echo PHP_CONFIG_FILE_SCAN_DIR;')"
conf="$root/target/php/conf.d"
if [ ! -f "$conf/99-ferromq.ini" ]; then
    mkdir -p "$conf"
    for ini in "$system_conf"/*.ini; do
        case "$(basename "$ini")" in
            *-zmq.ini) ;;
            *) ln -sf "$ini" "$conf/" ;;
        esac
    done
    echo "extension=$root/php/modules/ferromq.so" > "$conf/99-ferromq.ini"
fi
PHP_INI_SCAN_DIR="$conf" exec php "$@"
