#!/usr/bin/env bash
# `make test-erlang-package`: the Erlang package builds outside this repository, fetched
# as a user's project fetches it. It packs the package (scripts/erlang-package.sh: the
# rebar3 project with the NIF crate and the core in native/) and publishes it twice:
#  - as a git repository, that a fresh rebar3 project depends on with {git, "file://…"};
#  - as a Hex tarball (tools/hex.escript build, the format `rebar3 hex build` writes) in a
#    local Hex repository with a signed registry (tools/hex.escript repo), served over
#    HTTP, that a fresh rebar3 project depends on with {ferromq, "VSN"}, as from hex.pm.
# In each, `rebar3 eunit` fetches the package into _build/, builds the NIF from the
# package alone and runs a smoke test.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
tools="$root/erlang/tools"
work="$root/target/erlang-package-test"
rm -rf "$work"
mkdir -p "$work"
# Both projects build the same crates: share what cargo can reuse between them.
export CARGO_TARGET_DIR="$work/cargo-target"
# rebar3's package cache, away from the user's.
export REBAR_CACHE_DIR="$work/rebar3-cache"
pkg=$("$root/scripts/erlang-package.sh" "$work/published")
vsn=$(sed -n 's/.*{vsn, "\(.*\)"}.*/\1/p' "$pkg/src/ferromq.app.src")

# A rebar3 project in $1 whose rebar.config starts with $2 (its deps) and whose EUnit
# smoke test uses the ferromq application.
smoke_project() {
    local app="$1" deps="$2"
    mkdir -p "$app/src" "$app/test"
    { echo "$deps"; echo '{eunit_opts, [no_tty, {report, {eunit_progress, []}}]}.'; } >"$app/rebar.config"
cat >"$app/src/smoke.app.src" <<'APP'
{application, smoke, [{description, "depends on ferromq"}, {vsn, "0.1.0"},
                      {applications, [kernel, stdlib, ferromq]}]}.
APP
cat >"$app/test/smoke_tests.erl" <<'TEST'
%% A project that depends on the ferromq package: sockets work over inproc and tcp.
-module(smoke_tests).
-include_lib("eunit/include/eunit.hrl").

round_trip_test_() ->
    [fun() -> round_trip(Endpoint) end || Endpoint <- ["inproc://smoke", "tcp://127.0.0.1:*"]].

round_trip(Endpoint) ->
    {ok, Ctx} = erlzmq:context(),
    {ok, Rep} = erlzmq:socket(Ctx, rep),
    ok = erlzmq:bind(Rep, Endpoint),
    {ok, Bound} = erlzmq:getsockopt(Rep, last_endpoint),
    {ok, Req} = erlzmq:socket(Ctx, [req, {active, true}]),
    ok = erlzmq:connect(Req, Bound),
    [begin
         ok = erlzmq:send(Req, integer_to_binary(I)),
         {ok, Got} = erlzmq:recv(Rep, [{timeout, 5000}]),
         ok = erlzmq:send(Rep, <<"re ", Got/binary>>),
         Reply = receive {zmq, Req, R, []} -> R after 5000 -> timeout end,
         ?assertEqual(<<"re ", (integer_to_binary(I))/binary>>, Reply)
     end || I <- lists:seq(1, 100)],
    ok = erlzmq:close(Req),
    ok = erlzmq:close(Rep),
    ok = erlzmq:term(Ctx).
TEST
    (cd "$app" && rebar3 eunit)
}

echo "== the package as a git dependency"
(
    cd "$pkg"
    git init -q -b main
    git add -A
    git -c user.name=ferromq -c user.email=ferromq@localhost commit -qm "ferromq Erlang package"
)
smoke_project "$work/smoke-git" "{deps, [{ferromq, {git, \"file://$pkg\", {branch, \"main\"}}}]}."

echo "== the package as a Hex dependency"
escript "$tools/hex.escript" build "$pkg" "$work/hex"
public_key=$(escript "$tools/hex.escript" repo "$work/hex/ferromq-$vsn.tar" "$work/hex-repo")
python3 "$tools/serve-hex-repo.py" "$work/hex-repo" "$work/hex-port" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$work/hex-port" ] && break; sleep 0.1; done
port=$(cat "$work/hex-port")
# `replace`: this repository instead of hex.pm, which this machine cannot reach.
smoke_project "$work/smoke-hex" "{hex, [{repos, replace, [#{name => <<\"ferromq_local\">>,
    repo_url => <<\"http://127.0.0.1:$port\">>,
    repo_public_key => <<\"$public_key\">>}]}]}.
{deps, [{ferromq, \"$vsn\"}]}."
