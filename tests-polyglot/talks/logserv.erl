%% logserv.erl from "ØMQ – messaging made simple" (Ian Barber): the log writer, PULL on tcp
%% (active), each part decoded from JSON with rfc4627 and printed as "time log".
%%
%% Runs as the talk wrote it on FerroMQ's Erlang package (erlang/, erlzmq2's API; impls/
%% erlang-ferromq.json):  escript logserv.erl ENDPOINT  — with lib/erlang/rfc4627.erl, our
%% own rfc4627:decode/1 (the rfc4627 library can't be installed here), on the code path.
%% logserv.py, its line-by-line Python translation, stands in where no Erlang
%% implementation is available.
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
