%% logserv.erl from "ØMQ – messaging made simple" (Ian Barber): the log writer, PULL on tcp
%% (active), each part decoded from JSON with rfc4627 and printed as "time log".
%%
%% PENDING: not run yet (no Erlang binding here: erlzmq2 can't be installed, FerroMQ's
%% Erlang package doesn't exist yet). scenarios/03-logging-pipeline.json runs logserv.py, a
%% line-by-line translation, in its place. When impls/erlang-*.json gains a run command,
%% the runner starts this file instead:  escript logserv.erl ENDPOINT
%% Changes to run unattended: the endpoint comes from the command line (default the talk's
%% "tcp://*:5555"); main/1 for escript.
-module(logserv).
-export([main/1, run/0, run/1]).

main([Endpoint]) -> run(Endpoint);
main([]) -> run().

run() -> run("tcp://*:5555").

run(Endpoint) ->
  {ok, Ctx} = erlzmq:context(),
  {ok, In} = erlzmq:socket(Ctx,
                           [pull, {active,true}]),
  ok = erlzmq:bind(In, Endpoint),
  loop(In).

loop(In) ->
  receive
    {zmq, In, Msg, _F} ->
      {ok, {obj, [{_, Time}, {_, Log}] }, [] }
      = rfc4627:decode(Msg),
      io:format("~B ~s~n", [Time, Log]),
      loop(In)
  end.
