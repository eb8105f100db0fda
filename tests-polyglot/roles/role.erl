%% Generic role for the cross-language matrix (scenarios/matrix.json), erlzmq2's API: runs
%% on FerroMQ's Erlang package (erlang-ferromq) as an escript, and would run unchanged on
%% erlzmq2.
%% Usage: escript role.erl PATTERN ROLE ENDPOINT COUNT TAG  (see role.py for the protocol)
%%   rep/router/pull/pub bind, req/dealer/push/sub connect. Every message received is
%%   printed as "got <payload>"; payloads are "<role> <i> from <TAG>"; "done <COUNT>" at the
%%   end. pub publishes "skip …" and "pub …" every 20 ms until stopped (or 30 s); sub takes
%%   "pub". pull and sub are active sockets (messages arrive as {zmq, Socket, Msg, Flags}),
%%   the others passive.
-module(role).
-export([main/1]).

main([_Pattern, Role, Endpoint, CountArg, TagArg]) ->
    Count = list_to_integer(CountArg),
    Tag = list_to_binary(TagArg),
    {ok, Ctx} = erlzmq:context(),
    Active = lists:member(Role, ["pull", "sub"]),
    {ok, S} = erlzmq:socket(Ctx, [list_to_atom(Role), {active, Active}]),
    Role =:= "sub" andalso (ok = erlzmq:setsockopt(S, subscribe, <<"pub">>)),
    case lists:member(Role, ["rep", "router", "pull", "pub"]) of
        true -> ok = erlzmq:bind(S, Endpoint);
        false -> ok = erlzmq:connect(S, Endpoint)
    end,
    run(Role, S, Count, Tag),
    io:format("done ~B~n", [Count]),
    ok = erlzmq:close(S),
    ok = erlzmq:term(Ctx).

got(Payload) ->
    io:format("got ~s~n", [Payload]).

payload(Role, I, Tag) ->
    iolist_to_binary([Role, " ", integer_to_list(I), " from ", Tag]).

run("rep", S, Count, Tag) ->
    lists:foreach(fun(I) ->
                          {ok, Req} = erlzmq:recv(S),
                          got(Req),
                          ok = erlzmq:send(S, payload("rep", I, Tag))
                  end, lists:seq(0, Count - 1));
run("req", S, Count, Tag) ->
    lists:foreach(fun(I) ->
                          ok = erlzmq:send(S, payload("req", I, Tag)),
                          {ok, Rep} = erlzmq:recv(S),
                          got(Rep)
                  end, lists:seq(0, Count - 1));
run("push", S, Count, Tag) ->
    lists:foreach(fun(I) -> ok = erlzmq:send(S, payload("push", I, Tag)) end,
                  lists:seq(0, Count - 1));
run("pull", S, Count, _Tag) ->
    active_recv(S, Count);
run("pub", S, _Count, Tag) ->
    End = erlang:monotonic_time(millisecond) + 30000,
    publish(S, 0, End, Tag);
run("sub", S, Count, _Tag) ->
    active_recv(S, Count);
run("router", S, Count, Tag) ->
    lists:foreach(fun(I) ->
                          {ok, Id} = erlzmq:recv(S),
                          {ok, 1} = erlzmq:getsockopt(S, rcvmore),
                          {ok, Payload} = erlzmq:recv(S),
                          got(Payload),
                          ok = erlzmq:send(S, Id, [sndmore]),
                          ok = erlzmq:send(S, payload("router", I, Tag))
                  end, lists:seq(0, Count - 1));
run("dealer", S, Count, Tag) ->
    lists:foreach(fun(I) -> ok = erlzmq:send(S, payload("dealer", I, Tag)) end,
                  lists:seq(0, Count - 1)),
    lists:foreach(fun(_) ->
                          {ok, Reply} = erlzmq:recv(S),
                          got(Reply)
                  end, lists:seq(1, Count)).

active_recv(_S, 0) ->
    ok;
active_recv(S, N) ->
    receive
        {zmq, S, Msg, _Flags} ->
            got(Msg),
            active_recv(S, N - 1)
    after 20000 ->
        io:format("timed out waiting for ~B more messages~n", [N]),
        halt(1)
    end.

publish(S, I, End, Tag) ->
    case erlang:monotonic_time(millisecond) < End of
        true ->
            ok = erlzmq:send(S, payload("skip", I, Tag)),
            ok = erlzmq:send(S, payload("pub", I, Tag)),
            timer:sleep(20),
            publish(S, I + 1, End, Tag);
        false ->
            ok
    end.
