#!/usr/bin/env bash
# `make test-erlang-package`: the Erlang package builds outside this repository. It packs
# the package (scripts/erlang-package.sh: the rebar3 project with the NIF crate and the
# core in native/), publishes it as a git repository, and makes a fresh rebar3 project
# that depends on it (`{git, "file://…"}`, fetched into _build/ as any rebar3 dependency):
# `rebar3 eunit` there builds the NIF from the package alone and runs a smoke test.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/target/erlang-package-test"
rm -rf "$work"
mkdir -p "$work"
pkg=$("$root/scripts/erlang-package.sh" "$work/published")
(
    cd "$pkg"
    git init -q -b main
    git add -A
    git -c user.name=ferromq -c user.email=ferromq@localhost commit -qm "ferromq Erlang package"
)

app="$work/smoke"
mkdir -p "$app/src" "$app/test"
cat >"$app/rebar.config" <<CONFIG
{deps, [{ferromq, {git, "file://$pkg", {branch, "main"}}}]}.
{eunit_opts, [no_tty, {report, {eunit_progress, []}}]}.
CONFIG
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
cd "$app"
rebar3 eunit
