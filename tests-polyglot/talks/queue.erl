%% queue.erl from "ØMQ – messaging made simple" (Ian Barber): a QUEUE device in Erlang on
%% erlzmq2, XREP (ROUTER) in front, XREQ (DEALER) behind, active sockets, forwarding every
%% part with sndmore while rcvmore is set.
%%
%% Runs as the talk wrote it on FerroMQ's Erlang package (erlang/, erlzmq2's API; impls/
%% erlang-ferromq.json):  escript queue.erl FRONT BACK  (queue.py, its line-by-line Python
%% translation, stands in where no Erlang implementation is available).
%% Changes to run unattended: the endpoints come from the command line (the talk's
%% "tcp://*:5454" and "tcp://*:5455" by default); main/1 for escript.
-module(queue).
-export([main/1, run/0, run/2]).

main([Front, Back]) -> run(Front, Back);
main([]) -> run().

run() -> run("tcp://*:5454", "tcp://*:5455").

run(FrontEndpoint, BackEndpoint) ->
  {ok, Ctx} = erlzmq:context(),
  {ok, Front} = erlzmq:socket(Ctx,
    [xrep, {active,true}]),
  {ok, Back} = erlzmq:socket(Ctx,
    [xreq, {active,true}]),
  ok = erlzmq:bind(Front, FrontEndpoint),
  ok = erlzmq:bind(Back, BackEndpoint),

  loop(Front, Back),
  ok = erlzmq:close(Front),
  ok = erlzmq:close(Back),
  ok = erlzmq:term(Ctx).

loop(Front, Back) ->
  receive
    {zmq, Front, Msg, Flags} ->
      io:format("Sending Back: ~p~n", [Msg]),
      sendall(Back, Msg, Flags),
      loop(Front, Back);
    {zmq, Back, Msg, Flags} ->
      io:format("Sending Front: ~p~n", [Msg]),
      sendall(Front, Msg, Flags),
      loop(Front, Back)
  end.

sendall(To, Part, [rcvmore|_Flags]) ->
  erlzmq:send(To, Part, [sndmore]);
sendall(To, Part, _Flags) ->
  erlzmq:send(To, Part).
