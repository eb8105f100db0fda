%% Delivery-at-close role, erlzmq2's API: runs on FerroMQ's Erlang package (erlang-ferromq)
%% as an escript, and would run unchanged on erlzmq2.
%% Usage: escript role.erl send|receive PATTERN ENDPOINT bind|connect SIZE COUNT
%%   (see ../README.md; role.py is the reference: same behaviour, same output lines)
-module(role).
-export([main/1]).
-mode(compile).    % compiled, not interpreted: the send and receive loops are hot

-define(FIRST_WAIT_MS, 15000).
-define(NEXT_WAIT_MS, 5000).

%% PATTERN is the sender's socket type; the receiver uses its peer type.
receiver_of("push") -> pull;
receiver_of("dealer") -> router;
receiver_of("pub") -> sub;
receiver_of("req") -> rep;
receiver_of("rep") -> req;
receiver_of("router") -> dealer.

main([Mode, Pattern, Endpoint, How, SizeArg, CountArg]) ->
    Size = list_to_integer(SizeArg),
    Count = list_to_integer(CountArg),
    {ok, Ctx} = erlzmq:context(),
    Ok = case {Mode, lists:prefix("inproc://", Endpoint)} of
             {"send", true} ->
                 %% The receiver is an Erlang process on the same context, on the other
                 %% side of bind/connect; its result is collected before erlzmq:term.
                 Other = case How of "bind" -> "connect"; _ -> "bind" end,
                 {Pid, Ref} = spawn_monitor(fun() ->
                     exit({result, receive_(Ctx, Pattern, Endpoint, Other, Size, Count)})
                 end),
                 send(Ctx, Pattern, Endpoint, How, Size, Count),
                 receive {'DOWN', Ref, process, Pid, Why} -> Why =:= {result, true} end;
             {"send", false} ->
                 send(Ctx, Pattern, Endpoint, How, Size, Count),
                 true;
             {"receive", _} ->
                 receive_(Ctx, Pattern, Endpoint, How, Size, Count)
         end,
    %% Waits for the sender's queued messages to be delivered (default LINGER).
    ok = erlzmq:term(Ctx),
    Mode =:= "send" andalso say("sent ~B", [Count]),
    halt(case Ok of true -> 0; false -> 1 end).

%% Message I: SIZE bytes, I as 8 zero-padded decimal digits, then "x"s.
payload(I, Tail) ->
    <<(list_to_binary(io_lib:format("~8..0B", [I])))/binary, Tail/binary>>.

say(Format, Args) ->
    io:format(Format ++ "~n", Args).

attach(S, Endpoint, "bind") -> ok = erlzmq:bind(S, Endpoint), say("ready", []);
attach(S, Endpoint, "connect") -> ok = erlzmq:connect(S, Endpoint), say("ready", []).

send(Ctx, Pattern, Endpoint, How, Size, Count) ->
    {ok, S} = erlzmq:socket(Ctx, [list_to_atom(Pattern), {active, false}]),
    Pattern =:= "pub" andalso (ok = erlzmq:setsockopt(S, sndhwm, 0)),
    Pattern =:= "router" andalso (ok = erlzmq:setsockopt(S, router_mandatory, 1)),
    attach(S, Endpoint, How),
    Pattern =:= "pub" andalso timer:sleep(1000),      % the slow-joiner pause
    Tail = binary:copy(<<"x">>, Size - 8),
    Id = case Pattern of
             "router" ->                                % [id, "hello"] from the DEALER
                 {ok, Ident} = erlzmq:recv(S),
                 {ok, _Hello} = erlzmq:recv(S),
                 Ident;
             _ -> none
         end,
    lists:foreach(fun(I) -> send_one(Pattern, S, Id, payload(I, Tail), I =:= Count - 1) end,
                  lists:seq(0, Count - 1)),
    ok = erlzmq:close(S).

send_one("req", S, _Id, Msg, Last) ->                   % no reply awaited after the last
    ok = erlzmq:send(S, Msg),
    Last orelse ({ok, _} = erlzmq:recv(S)),
    ok;
send_one("rep", S, _Id, Msg, _Last) ->
    {ok, _} = erlzmq:recv(S),
    ok = erlzmq:send(S, Msg);
send_one("router", S, Id, Msg, _Last) ->
    ok = erlzmq:send(S, Id, [sndmore]),
    ok = erlzmq:send(S, Msg);
send_one(_PushDealerPub, S, _Id, Msg, _Last) ->
    ok = erlzmq:send(S, Msg).

%% Returns true when every message arrived, in order and intact.
receive_(Ctx, Pattern, Endpoint, How, Size, Count) ->
    {ok, S} = erlzmq:socket(Ctx, [receiver_of(Pattern), {active, false}]),
    Pattern =:= "pub" andalso (ok = erlzmq:setsockopt(S, subscribe, <<>>)),
    attach(S, Endpoint, How),
    Pattern =:= "router" andalso (ok = erlzmq:send(S, <<"hello">>)),
    ok = erlzmq:setsockopt(S, rcvtimeo, ?FIRST_WAIT_MS),
    {Received, Errors} = receive_loop(S, Pattern, Size, Count, 0, 0, 0),
    say("received ~B of ~B", [Received, Count]),
    ok = erlzmq:setsockopt(S, linger, 0),               % a last reply may have no reader
    ok = erlzmq:close(S),
    Received =:= Count andalso Errors =:= 0.

receive_loop(_S, _Pattern, _Size, Count, Count, Errors, _Expected) ->
    {Count, Errors};
receive_loop(S, Pattern, Size, Count, Received, Errors, Expected) ->
    Received =:= 1 andalso (ok = erlzmq:setsockopt(S, rcvtimeo, ?NEXT_WAIT_MS)),
    Pattern =:= "rep" andalso (ok = erlzmq:send(S, <<"next">>)),
    case recv_multipart(S) of
        {error, eagain} ->                              % nothing for 5 s (15 s at first)
            {Received, Errors};
        {ok, Frames} ->
            Pattern =:= "req" andalso (ok = erlzmq:send(S, <<"ok">>)),
            {Problem, Seq} = check(Frames, Pattern, Size, Expected),
            Errors1 = case Problem of
                          none -> Errors;
                          _ ->
                              Errors < 5 andalso
                                  say("error: message ~B: ~s", [Received, Problem]),
                              Errors + 1
                      end,
            receive_loop(S, Pattern, Size, Count, Received + 1, Errors1, Seq + 1)
    end.

%% {none | Problem, the sequence number counting goes on from}.
check(Frames, Pattern, Size, Expected) ->
    Body = lists:last(Frames),
    NFrames = case Pattern of "dealer" -> 2; _ -> 1 end,
    if
        length(Frames) =/= NFrames ->
            {io_lib:format("~B frames", [length(Frames)]), Expected};
        byte_size(Body) =/= Size ->
            {io_lib:format("~B bytes, expected ~B", [byte_size(Body), Size]), Expected};
        true ->
            Seq = binary_to_integer(binary:part(Body, 0, 8)),
            case Seq of
                Expected -> {none, Seq};
                _ -> {io_lib:format("sequence number ~B, expected ~B", [Seq, Expected]), Seq}
            end
    end.

recv_multipart(S) ->
    case erlzmq:recv(S) of
        {ok, Frame} -> {ok, [Frame | more_frames(S)]};
        Error -> Error
    end.

more_frames(S) ->
    case erlzmq:getsockopt(S, rcvmore) of
        {ok, 1} -> {ok, Frame} = erlzmq:recv(S), [Frame | more_frames(S)];
        {ok, 0} -> []
    end.
