#!/usr/bin/env bash
# `make test-python`: builds the abi3 wheel ONCE (cp39-abi3: one wheel for CPython 3.9+),
# installs it and runs the test suite on $PYTHON (default python3), then on the oldest
# (3.9, the wheel's floor) and newest (3.13 or later) CPython found under pyenv, each in a
# venv under target/python-venvs/ (git-ignored; made once, then reused) with pytest,
# pyzmq, tornado and gevent. A missing interpreter is skipped with a notice, not an error.
set -uo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHON="${PYTHON:-python3}"
wheels="$root/target/python-wheels"
venvs="$root/target/python-venvs"
pyenv_versions="${PYENV_ROOT:-$HOME/.pyenv}/versions"

say() { printf '== %s\n' "$*"; }
notice() { printf '== NOTICE: %s\n' "$*"; }

# ----- the wheel, once -----
rm -rf "$wheels"
say "building the wheel (maturin build --release)"
(cd "$root/python" && "$PYTHON" -m maturin build --release --out "$wheels") || exit 1
shopt -s nullglob
built=("$wheels"/ferromq-*.whl)
if [ ${#built[@]} -ne 1 ]; then
    echo "expected one wheel in $wheels, found: ${built[*]:-none}" >&2
    exit 1
fi
wheel="${built[0]}"
case "$(basename "$wheel")" in
    *-cp39-abi3-*) say "wheel: $(basename "$wheel")" ;;
    *) echo "the wheel is not tagged cp39-abi3: $(basename "$wheel")" >&2; exit 1 ;;
esac

failed=()
ran=()

# run_suite NAME PYTHON: installs the wheel into PYTHON's environment and runs pytest.
run_suite() {
    local name="$1" py="$2"
    say "$name: installing the wheel and running python/tests"
    "$py" -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        --force-reinstall --no-deps "$wheel" || { failed+=("$name (install)"); return; }
    if (cd "$root" && "$py" -m pytest -q python/tests); then
        ran+=("$name")
    else
        failed+=("$name")
    fi
}

default_version="$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
run_suite "python $default_version ($PYTHON)" "$PYTHON"
default_minor="${default_version%.*}"

# ----- the oldest and newest CPython under pyenv -----
# Installed CPython versions (X.Y.Z directories only), sorted by version.
installed=()
if [ -d "$pyenv_versions" ]; then
    while IFS= read -r v; do installed+=("$v"); done < <(
        ls "$pyenv_versions" | grep -E '^3\.[0-9]+\.[0-9]+$' | sort -t. -k2,2n -k3,3n
    )
fi
pick() { # pick MIN_MINOR MAX_MINOR: the newest installed 3.x.y with MIN <= x <= MAX
    local best="" v minor
    for v in "${installed[@]}"; do
        minor="$(echo "$v" | cut -d. -f2)"
        if [ "$minor" -ge "$1" ] && [ "$minor" -le "$2" ]; then best="$v"; fi
    done
    echo "$best"
}
oldest="$(pick 9 9)"
newest="$(pick 13 99)"
extra=()
if [ -n "$oldest" ]; then extra+=("$oldest"); else
    notice "CPython 3.9 (the wheel's floor) not found under $pyenv_versions: skipped the 3.9 run"
fi
if [ -n "$newest" ]; then extra+=("$newest"); else
    notice "CPython 3.13+ not found under $pyenv_versions: skipped the newest-interpreter run"
fi

for version in "${extra[@]}"; do
    if [ "${version%.*}" = "$default_minor" ]; then
        notice "CPython $version is the default python: not run twice"
        continue
    fi
    venv="$venvs/cpython-$version"
    if [ ! -x "$venv/bin/python" ]; then
        say "python $version: creating $venv"
        "$pyenv_versions/$version/bin/python" -m venv "$venv" || { failed+=("python $version (venv)"); continue; }
    fi
    if ! "$venv/bin/python" -c 'import pytest, zmq' >/dev/null 2>&1; then
        say "python $version: installing pytest and pyzmq"
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: pytest pyzmq \
            || { failed+=("python $version (test dependencies)"); continue; }
    fi
    for optional in tornado gevent; do
        if ! "$venv/bin/python" -c "import $optional" >/dev/null 2>&1; then
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: "$optional" \
                || notice "python $version: no $optional wheel; its tests are skipped there"
        fi
    done
    run_suite "python $version" "$venv/bin/python"
done

say "test-python: passed on: ${ran[*]:-nothing}"
if [ ${#failed[@]} -gt 0 ]; then
    say "test-python: FAILED on: ${failed[*]}"
    exit 1
fi
