%% Interop with the real libzmq, both directions, over tcp and ipc: the peer is test/peer.py
%% on Debian's /usr/bin/python3 with python3-zmq (libzmq 4.3.4), started with open_port.
%% PLAIN, CURVE and ZAP too, both ways.
-module(erlzmq_interop_tests).

-include_lib("eunit/include/eunit.hrl").

-define(PYTHON, "/usr/bin/python3").

interop_test_() ->
    {setup, fun check_peer/0, fun(_) -> ok end,
     [{lists:flatten(io_lib:format("~s over ~p", [Name, T])),
       {timeout, 30, fun() -> with_context(fun(Ctx) -> Fun(Ctx, T) end) end}}
      || T <- [tcp, ipc],
         {Name, Fun} <- [{"erlzmq REP binds, libzmq REQ connects", fun erl_rep_py_req/2},
                         {"libzmq REP binds, erlzmq REQ connects", fun py_rep_erl_req/2},
                         {"erlzmq active PULL binds, libzmq PUSH connects", fun erl_pull_py_push/2},
                         {"libzmq PULL binds, erlzmq PUSH connects", fun py_pull_erl_push/2},
                         {"libzmq PUB binds, erlzmq active SUB connects", fun py_pub_erl_sub/2},
                         {"erlzmq PUB binds, libzmq SUB connects", fun erl_pub_py_sub/2},
                         {"erlzmq ROUTER binds, libzmq DEALER connects", fun erl_router_py_dealer/2},
                         {"libzmq ROUTER binds, erlzmq DEALER connects", fun py_router_erl_dealer/2},
                         {"erlzmq PAIR binds, libzmq PAIR connects", fun erl_pair_py_pair/2},
                         {"erlzmq active REP binds, libzmq REQ connects", fun erl_active_rep_py_req/2},
                         {"libzmq REP binds, erlzmq active REQ connects", fun py_rep_erl_active_req/2}]]}.

%% PLAIN, CURVE and ZAP against libzmq: its PLAIN and CURVE clients and servers, its ZAP
%% handler (pyzmq's ThreadAuthenticator) guarding its server, erlzmq_auth guarding ours.
security_interop_test_() ->
    {setup, fun check_peer/0, fun(_) -> ok end,
     [{Name, {timeout, 60, fun() -> with_context(Fun) end}}
      || {Name, Fun} <-
             [{"PLAIN: erlzmq server (erlzmq_auth), libzmq client sends 10000 and closes",
               fun erl_plain_server_py_client/1},
              {"PLAIN: erlzmq server (erlzmq_auth) refuses a libzmq client's wrong password",
               fun erl_plain_server_py_wrong_password/1},
              {"PLAIN: libzmq server (its ZAP handler), erlzmq client sends 10000 and closes",
               fun py_plain_server_erl_client/1},
              {"PLAIN: libzmq server (its ZAP handler) refuses an erlzmq client's wrong password",
               fun py_plain_server_erl_wrong_password/1},
              {"NULL: erlzmq server with a ZAP domain admits a libzmq client, refuses a denied one",
               fun erl_null_zap_server_py_client/1},
              {"CURVE: erlzmq server (erlzmq_auth, certificates), libzmq client sends 10000 "
               "and closes", fun erl_curve_server_py_client/1},
              {"CURVE: erlzmq server (erlzmq_auth, certificates) refuses a libzmq client's "
               "unknown key", fun erl_curve_server_py_unknown_key/1},
              {"CURVE: libzmq server (its ZAP handler, erlzmq's certificates), erlzmq client "
               "sends 10000 and closes", fun py_curve_server_erl_client/1},
              {"CURVE: libzmq server (its ZAP handler) refuses an erlzmq client's unknown key",
               fun py_curve_server_erl_unknown_key/1},
              {"CURVE: libzmq server (allow any), erlzmq client with the wrong server key fails",
               fun py_curve_server_erl_wrong_server_key/1}]]}.

check_peer() ->
    case filelib:is_regular(?PYTHON)
         andalso os:cmd(?PYTHON ++ " -c 'import zmq; print(\"ok\")'") =:= "ok\n" of
        true -> ok;
        false -> error("the interop tests need Debian's python3-zmq on /usr/bin/python3 "
                       "(apt-get install python3-zmq; make deps installs it)")
    end.

%%====================================================================
%% The cases
%%====================================================================

erl_rep_py_req(Ctx, T) ->
    {ok, Rep} = erlzmq:socket(Ctx, rep),
    Ep = bind(Rep, T),
    Port = peer(["req", "connect", Ep, "5"]),
    ready(Port),
    lists:foreach(fun(I) ->
                          N = integer_to_binary(I),
                          ?assertEqual([<<"req">>, N], recv_multipart(Rep)),
                          send_multipart(Rep, [<<"echo req">>, <<"echo ", N/binary>>])
                  end, lists:seq(0, 4)),
    ?assertEqual([<<"got echo req|echo ", (integer_to_binary(I))/binary>> || I <- lists:seq(0, 4)],
                 finish(Port)),
    ok = erlzmq:close(Rep).

py_rep_erl_req(Ctx, T) ->
    Port = peer(["rep", "bind", bind_endpoint(T), "5"]),
    Ep = ready(Port),
    {ok, Req} = erlzmq:socket(Ctx, req),
    ok = erlzmq:connect(Req, Ep),
    lists:foreach(fun(I) ->
                          N = integer_to_binary(I),
                          send_multipart(Req, [<<"hello">>, N]),
                          ?assertEqual([<<"echo hello">>, <<"echo ", N/binary>>],
                                       recv_multipart(Req))
                  end, lists:seq(0, 4)),
    ?assertEqual([<<"got hello|", (integer_to_binary(I))/binary>> || I <- lists:seq(0, 4)],
                 finish(Port)),
    ok = erlzmq:close(Req).

erl_active_rep_py_req(Ctx, T) ->
    {ok, Rep} = erlzmq:socket(Ctx, [rep, {active, true}]),
    Ep = bind(Rep, T),
    Port = peer(["req", "connect", Ep, "100"]),
    ready(Port),
    lists:foreach(fun(I) ->
                          N = integer_to_binary(I),
                          ?assertEqual([<<"req">>, N], active_multipart(Rep)),
                          send_multipart(Rep, [<<"echo req">>, <<"echo ", N/binary>>])
                  end, lists:seq(0, 99)),
    ?assertEqual([<<"got echo req|echo ", (integer_to_binary(I))/binary>> || I <- lists:seq(0, 99)],
                 finish(Port)),
    ok = erlzmq:close(Rep).

py_rep_erl_active_req(Ctx, T) ->
    Port = peer(["rep", "bind", bind_endpoint(T), "100"]),
    Ep = ready(Port),
    {ok, Req} = erlzmq:socket(Ctx, [req, {active, true}]),
    ok = erlzmq:connect(Req, Ep),
    lists:foreach(fun(I) ->
                          N = integer_to_binary(I),
                          send_multipart(Req, [<<"hello">>, N]),
                          ?assertEqual([<<"echo hello">>, <<"echo ", N/binary>>],
                                       active_multipart(Req))
                  end, lists:seq(0, 99)),
    ?assertEqual([<<"got hello|", (integer_to_binary(I))/binary>> || I <- lists:seq(0, 99)],
                 finish(Port)),
    ok = erlzmq:close(Req).

erl_pull_py_push(Ctx, T) ->
    {ok, Pull} = erlzmq:socket(Ctx, [pull, {active, true}]),
    Ep = bind(Pull, T),
    Port = peer(["push", "connect", Ep, "20"]),
    ready(Port),
    Got = [active_multipart(Pull) || _ <- lists:seq(1, 20)],
    ?assertEqual([[<<"part">>, <<>>, integer_to_binary(I)] || I <- lists:seq(0, 19)], Got),
    ?assertEqual([], finish(Port)),
    ok = erlzmq:close(Pull).

py_pull_erl_push(Ctx, T) ->
    Port = peer(["pull", "bind", bind_endpoint(T), "20"]),
    Ep = ready(Port),
    {ok, Push} = erlzmq:socket(Ctx, push),
    ok = erlzmq:connect(Push, Ep),
    [send_multipart(Push, [<<"x">>, integer_to_binary(I)]) || I <- lists:seq(0, 19)],
    ?assertEqual([<<"got x|", (integer_to_binary(I))/binary>> || I <- lists:seq(0, 19)],
                 finish(Port)),
    ok = erlzmq:close(Push).

py_pub_erl_sub(Ctx, T) ->
    Port = peer(["pub", "bind", bind_endpoint(T), "0"]),
    Ep = ready(Port),
    {ok, Sub} = erlzmq:socket(Ctx, [sub, {active, true}]),
    ok = erlzmq:setsockopt(Sub, subscribe, <<"b">>),
    ok = erlzmq:connect(Sub, Ep),
    Got = [active_multipart(Sub) || _ <- lists:seq(1, 5)],
    port_close(Port),
    [?assertMatch([<<"b ", _/binary>>], M) || M <- Got],
    ok = erlzmq:close(Sub).

erl_pub_py_sub(Ctx, T) ->
    {ok, Pub} = erlzmq:socket(Ctx, pub),
    Ep = bind(Pub, T),
    Port = peer(["sub", "connect", Ep, "5"]),
    ready(Port),
    publish(Pub, Port, 0),
    Lines = finish(Port),
    ?assertEqual(5, length(Lines)),
    [?assertMatch(<<"got b ", _/binary>>, L) || L <- Lines],
    ok = erlzmq:close(Pub).

%% Publishes until the peer has printed its last line.
publish(Pub, Port, I) when I < 2000 ->
    ok = erlzmq:send(Pub, <<"a ", (integer_to_binary(I))/binary>>),
    ok = erlzmq:send(Pub, <<"b ", (integer_to_binary(I))/binary>>),
    receive
        {Port, {data, {eol, <<"done">>}}} = Done -> self() ! Done
    after 10 ->
        publish(Pub, Port, I + 1)
    end.

erl_router_py_dealer(Ctx, T) ->
    {ok, Router} = erlzmq:socket(Ctx, router),
    Ep = bind(Router, T),
    Port = peer(["dealer", "connect", Ep, "5"]),
    ready(Port),
    lists:foreach(fun(I) ->
                          [Id, Payload] = recv_multipart(Router),
                          ?assertEqual(<<"d ", (integer_to_binary(I))/binary>>, Payload),
                          send_multipart(Router, [Id, <<"r ", Payload/binary>>])
                  end, lists:seq(0, 4)),
    ?assertEqual([<<"got r d ", (integer_to_binary(I))/binary>> || I <- lists:seq(0, 4)],
                 finish(Port)),
    ok = erlzmq:close(Router).

py_router_erl_dealer(Ctx, T) ->
    Port = peer(["router", "bind", bind_endpoint(T), "5"]),
    Ep = ready(Port),
    {ok, Dealer} = erlzmq:socket(Ctx, [dealer, {active, true}]),
    ok = erlzmq:connect(Dealer, Ep),
    [ok = erlzmq:send(Dealer, <<"e ", (integer_to_binary(I))/binary>>) || I <- lists:seq(0, 4)],
    ?assertEqual([[<<"re e ", (integer_to_binary(I))/binary>>] || I <- lists:seq(0, 4)],
                 [active_multipart(Dealer) || _ <- lists:seq(0, 4)]),
    ?assertEqual([<<"got e ", (integer_to_binary(I))/binary>> || I <- lists:seq(0, 4)],
                 finish(Port)),
    ok = erlzmq:close(Dealer).

erl_pair_py_pair(Ctx, T) ->
    {ok, Pair} = erlzmq:socket(Ctx, pair),
    Ep = bind(Pair, T),
    Port = peer(["pair", "connect", Ep, "3"]),
    ready(Port),
    Big = binary:copy(<<"z">>, 100000),
    Msgs = [[<<"one">>], [<<"two">>, <<"parts">>], [Big]],
    [begin
         send_multipart(Pair, M),
         ?assertEqual(M, recv_multipart(Pair))
     end || M <- Msgs],
    ?assertEqual(3, length(finish(Port))),
    ok = erlzmq:close(Pair).

%%====================================================================
%% Security
%%====================================================================

-define(PLAIN_MESSAGES, 10000).

plain_auth(Ctx) ->
    {ok, Auth} = erlzmq_auth:start(Ctx),
    ok = erlzmq_auth:configure_plain(Auth, "*", #{"admin" => "secret"}),
    Auth.

plain_server(Ctx) ->
    {ok, Pull} = erlzmq:socket(Ctx, pull),
    ok = erlzmq:setsockopt(Pull, plain_server, true),
    ok = erlzmq:setsockopt(Pull, linger, 0),
    Pull.

plain_client(Ctx, Ep, Password) ->
    {ok, Push} = erlzmq:socket(Ctx, push),
    ok = erlzmq:setsockopt(Push, plain_username, "admin"),
    ok = erlzmq:setsockopt(Push, plain_password, Password),
    ok = erlzmq:connect(Push, Ep),
    Push.

erl_plain_server_py_client(Ctx) ->
    Auth = plain_auth(Ctx),
    Pull = plain_server(Ctx),
    Ep = bind(Pull, tcp),
    Port = peer(["seqpush", "connect", Ep, integer_to_list(?PLAIN_MESSAGES),
                 "plain-client=admin:secret"]),
    ready(Port),
    [?assertEqual({ok, integer_to_binary(I)}, erlzmq:recv(Pull, [{timeout, 10000}]))
     || I <- lists:seq(0, ?PLAIN_MESSAGES - 1)],
    ?assertEqual([], finish(Port)),
    ?assertEqual({error, eagain}, erlzmq:recv(Pull, [{timeout, 100}])),
    ok = erlzmq:close(Pull),
    ok = erlzmq_auth:stop(Auth).

erl_plain_server_py_wrong_password(Ctx) ->
    Auth = plain_auth(Ctx),
    Pull = plain_server(Ctx),
    Ep = bind(Pull, tcp),
    %% LINGER keeps the message alive while we wait: refused, not dropped at close.
    Port = peer(["seqpush", "connect", Ep, "1", "plain-client=admin:guess", "linger=1500"]),
    ready(Port),
    ?assertEqual({error, eagain}, erlzmq:recv(Pull, [{timeout, 1000}])),
    %% libzmq's send may find no pipe left once refused (SNDTIMEO then says so).
    ?assert(lists:member(finish(Port), [[], [<<"got sendtimeout 0">>]])),
    ok = erlzmq:close(Pull),
    ok = erlzmq_auth:stop(Auth).

py_plain_server_erl_client(Ctx) ->
    Port = peer(["seqpull", "bind", "tcp://127.0.0.1:*", integer_to_list(?PLAIN_MESSAGES),
                 "plain-server"]),
    Ep = ready(Port),
    Push = plain_client(Ctx, Ep, "secret"),
    [ok = erlzmq:send(Push, integer_to_binary(I)) || I <- lists:seq(0, ?PLAIN_MESSAGES - 1)],
    ok = erlzmq:close(Push),
    %% Every message, in order, and libzmq's ZAP handler named the user.
    ?assertEqual([<<"got ", (integer_to_binary(?PLAIN_MESSAGES))/binary, " admin">>],
                 finish(Port)).

py_plain_server_erl_wrong_password(Ctx) ->
    Port = peer(["seqpull", "bind", "tcp://127.0.0.1:*", "1", "plain-server", "rcvtimeo=1000"]),
    Ep = ready(Port),
    Push = plain_client(Ctx, Ep, "guess"),
    ok = erlzmq:setsockopt(Push, linger, 0),
    ?assert(lists:member(erlzmq:send(Push, <<"0">>, [{timeout, 500}]), [ok, {error, eagain}])),
    ?assertEqual([<<"got timeout after 0">>], finish(Port)),
    ok = erlzmq:close(Push).

erl_null_zap_server_py_client(Ctx) ->
    {ok, Auth} = erlzmq_auth:start(Ctx),
    lists:foreach(
      fun(Denied) ->
              ok = case Denied of
                       true -> erlzmq_auth:deny(Auth, "127.0.0.1");
                       false -> ok
                   end,
              {ok, Pull} = erlzmq:socket(Ctx, pull),
              ok = erlzmq:setsockopt(Pull, zap_domain, "global"),
              ok = erlzmq:setsockopt(Pull, linger, 0),
              Ep = bind(Pull, tcp),
              %% LINGER keeps the message alive while we wait: refused, not dropped.
              Port = peer(["seqpush", "connect", Ep, "1", "linger=1500"]),
              ready(Port),
              Expected = case Denied of
                             true -> {error, eagain};
                             false -> {ok, <<"0">>}
                         end,
              ?assertEqual(Expected, erlzmq:recv(Pull, [{timeout, 1000}])),
              ?assert(lists:member(finish(Port), [[], [<<"got sendtimeout 0">>]])),
              ok = erlzmq:close(Pull)
      end, [false, true]),
    ok = erlzmq_auth:stop(Auth).

%% CURVE. Keys travel to the peer as Z85 on its command line; certificate directories are
%% written by erlzmq_auth:create_certificates/2 (czmq's zcert format, which pyzmq reads).

with_cert_dir(Fun) ->
    Dir = filename:join("/tmp", "ferromq-erl-interop-certs-" ++ os:getpid() ++ "-"
                        ++ integer_to_list(erlang:unique_integer([positive]))),
    ok = file:make_dir(Dir),
    try Fun(Dir)
    after file:del_dir_r(Dir)
    end.

%% A client certificate in Dir: {Public, Secret}.
cert(Dir, Name) ->
    {ok, _, SecretFile} = erlzmq_auth:create_certificates(Dir, Name),
    {ok, Public, Secret} = erlzmq_auth:load_certificate(SecretFile),
    {Public, Secret}.

keys() ->
    {ok, Public, Secret} = erlzmq:curve_keypair(),
    {Public, Secret}.

z85_args(Keys) ->
    lists:join(",", [binary_to_list(K) || K <- Keys]).

curve_server(Ctx, Dir) ->
    {ok, Auth} = erlzmq_auth:start(Ctx),
    ok = erlzmq_auth:configure_curve(Auth, "*", Dir),
    {Public, Secret} = keys(),
    {ok, Pull} = erlzmq:socket(Ctx, pull),
    ok = erlzmq:setsockopt(Pull, curve_server, true),
    ok = erlzmq:setsockopt(Pull, curve_secretkey, Secret),
    ok = erlzmq:setsockopt(Pull, linger, 0),
    {Auth, Pull, Public}.

curve_client(Ctx, Ep, ServerKey, {Public, Secret}) ->
    {ok, Push} = erlzmq:socket(Ctx, push),
    ok = erlzmq:setsockopt(Push, curve_serverkey, ServerKey),
    ok = erlzmq:setsockopt(Push, curve_publickey, Public),
    ok = erlzmq:setsockopt(Push, curve_secretkey, Secret),
    ok = erlzmq:connect(Push, Ep),
    Push.

erl_curve_server_py_client(Ctx) ->
    with_cert_dir(fun(Dir) ->
        {Public, Secret} = cert(Dir, "libzmq"),
        {Auth, Pull, ServerKey} = curve_server(Ctx, Dir),
        Ep = bind(Pull, tcp),
        Port = peer(["seqpush", "connect", Ep, integer_to_list(?PLAIN_MESSAGES),
                     "curve-client=" ++ z85_args([ServerKey, Public, Secret])]),
        ready(Port),
        [?assertEqual({ok, integer_to_binary(I)}, erlzmq:recv(Pull, [{timeout, 10000}]))
         || I <- lists:seq(0, ?PLAIN_MESSAGES - 1)],
        ?assertEqual([], finish(Port)),
        ?assertEqual({error, eagain}, erlzmq:recv(Pull, [{timeout, 100}])),
        ok = erlzmq:close(Pull),
        ok = erlzmq_auth:stop(Auth)
    end).

erl_curve_server_py_unknown_key(Ctx) ->
    with_cert_dir(fun(Dir) ->
        _ = cert(Dir, "someone-else"),
        {Public, Secret} = keys(),
        {Auth, Pull, ServerKey} = curve_server(Ctx, Dir),
        Ep = bind(Pull, tcp),
        %% LINGER keeps the message alive while we wait: refused, not dropped at close.
        Port = peer(["seqpush", "connect", Ep, "1", "linger=1500",
                     "curve-client=" ++ z85_args([ServerKey, Public, Secret])]),
        ready(Port),
        ?assertEqual({error, eagain}, erlzmq:recv(Pull, [{timeout, 1000}])),
        ?assert(lists:member(finish(Port), [[], [<<"got sendtimeout 0">>]])),
        ok = erlzmq:close(Pull),
        ok = erlzmq_auth:stop(Auth)
    end).

py_curve_server(Count, Dir, Extra) ->
    {Public, Secret} = keys(),
    Port = peer(["seqpull", "bind", "tcp://127.0.0.1:*", integer_to_list(Count),
                 "curve-server=" ++ z85_args([Public, Secret]), "curve-clients=" ++ Dir
                 | Extra]),
    {Port, ready(Port), Public}.

py_curve_server_erl_client(Ctx) ->
    with_cert_dir(fun(Dir) ->
        {ClientKey, _} = Keys = cert(Dir, "erlzmq"),
        {Port, Ep, ServerKey} = py_curve_server(?PLAIN_MESSAGES, Dir, []),
        Push = curve_client(Ctx, Ep, ServerKey, Keys),
        [ok = erlzmq:send(Push, integer_to_binary(I)) || I <- lists:seq(0, ?PLAIN_MESSAGES - 1)],
        ok = erlzmq:close(Push),
        %% Every message, in order; libzmq's ZAP handler named the client by its key.
        ?assertEqual([<<"got ", (integer_to_binary(?PLAIN_MESSAGES))/binary, " ",
                        ClientKey/binary>>],
                     finish(Port))
    end).

py_curve_server_erl_unknown_key(Ctx) ->
    with_cert_dir(fun(Dir) ->
        _ = cert(Dir, "someone-else"),
        {Port, Ep, ServerKey} = py_curve_server(1, Dir, ["rcvtimeo=1000"]),
        Push = curve_client(Ctx, Ep, ServerKey, keys()),
        ok = erlzmq:setsockopt(Push, linger, 0),
        ?assert(lists:member(erlzmq:send(Push, <<"0">>, [{timeout, 500}]),
                             [ok, {error, eagain}])),
        ?assertEqual([<<"got timeout after 0">>], finish(Port)),
        ok = erlzmq:close(Push)
    end).

py_curve_server_erl_wrong_server_key(Ctx) ->
    {Port, Ep, _ServerKey} = py_curve_server(1, "*", ["rcvtimeo=1000"]),
    {OtherKey, _} = keys(),
    Push = curve_client(Ctx, Ep, OtherKey, keys()),
    ok = erlzmq:setsockopt(Push, linger, 0),
    ?assert(lists:member(erlzmq:send(Push, <<"0">>, [{timeout, 500}]), [ok, {error, eagain}])),
    ?assertEqual([<<"got timeout after 0">>], finish(Port)),
    ok = erlzmq:close(Push).

%%====================================================================
%% Helpers
%%====================================================================

%% Runs Fun(Ctx) with a fresh context, and terminates it (all sockets must be closed by
%% then). A failure is reported as it is, not as the termination it prevents.
with_context(Fun) ->
    {ok, Ctx} = erlzmq:context(),
    Result = try
                 Fun(Ctx)
             catch
                 Class:Reason:Stack ->
                     _ = erlzmq:term(Ctx, 0),
                     erlang:raise(Class, Reason, Stack)
             end,
    ?assertEqual(ok, erlzmq:term(Ctx, 10000)),
    Result.

bind_endpoint(tcp) ->
    "tcp://127.0.0.1:*";
bind_endpoint(ipc) ->
    "ipc:///tmp/ferromq-erl-interop-" ++ os:getpid() ++ "-"
        ++ integer_to_list(erlang:unique_integer([positive])).

bind(S, T) ->
    ok = erlzmq:bind(S, bind_endpoint(T)),
    {ok, Ep} = erlzmq:getsockopt(S, last_endpoint),
    binary_to_list(Ep).

peer(Args) ->
    open_port({spawn_executable, ?PYTHON},
              [{args, [peer_script() | Args]}, {line, 1 bsl 20}, binary, exit_status,
               use_stdio, stderr_to_stdout]).

peer_script() ->
    Candidates = [filename:join(filename:dirname(?FILE), "peer.py"),
                  filename:join([code:lib_dir(ferromq), "test", "peer.py"])],
    hd([F || F <- Candidates, filelib:is_regular(F)] ++ Candidates).

%% Waits for the peer's "ready ENDPOINT"; returns the endpoint.
ready(Port) ->
    receive
        {Port, {data, {eol, <<"ready ", Ep/binary>>}}} -> binary_to_list(Ep);
        {Port, {data, {eol, Line}}} -> error({peer_said, Line});
        {Port, {exit_status, S}} -> error({peer_exited, S})
    after 10000 ->
        error(peer_not_ready)
    end.

%% The peer's "got ..." lines once it has exited with 0 after "done".
finish(Port) ->
    finish(Port, [], false).

finish(Port, Lines, Done) ->
    receive
        {Port, {data, {eol, <<"done">>}}} -> finish(Port, Lines, true);
        {Port, {data, {eol, <<"got ", _/binary>> = Line}}} -> finish(Port, [Line | Lines], Done);
        {Port, {data, {eol, Line}}} -> error({peer_said, Line, lists:reverse(Lines)});
        {Port, {exit_status, 0}} when Done -> lists:reverse(Lines);
        {Port, {exit_status, S}} -> error({peer_exited, S, lists:reverse(Lines)})
    after 15000 ->
        error({peer_timeout, lists:reverse(Lines)})
    end.

recv_multipart(S) ->
    {ok, Frame} = erlzmq:recv(S, [{timeout, 10000}]),
    case erlzmq:getsockopt(S, rcvmore) of
        {ok, 1} -> [Frame | recv_multipart(S)];
        {ok, 0} -> [Frame]
    end.

send_multipart(S, [Last]) ->
    ok = erlzmq:send(S, Last);
send_multipart(S, [Frame | Rest]) ->
    ok = erlzmq:send(S, Frame, [sndmore]),
    send_multipart(S, Rest).

active_multipart(S) ->
    receive
        {zmq, S, Frame, [rcvmore]} -> [Frame | active_multipart(S)];
        {zmq, S, Frame, []} -> [Frame]
    after 10000 ->
        error({timeout, active_multipart})
    end.
