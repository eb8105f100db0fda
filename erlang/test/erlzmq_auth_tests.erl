%% EUnit tests of PLAIN (RFC 24), ZAP (RFC 27) and erlzmq_auth, FerroMQ on both sides: the
%% security options, the authenticator's policy (PLAIN users per domain, allow and deny
%% lists), every message of a PLAIN stream counted, refusals. Against the real libzmq:
%% erlzmq_interop_tests.
-module(erlzmq_auth_tests).

-include_lib("eunit/include/eunit.hrl").

%% Messages a PLAIN client sends before it closes; the server counts every one.
-define(MESSAGES, 10000).

%%====================================================================
%% Helpers
%%====================================================================

uniq() ->
    integer_to_list(erlang:unique_integer([positive])).

endpoint(tcp) -> "tcp://127.0.0.1:*";
endpoint(ipc) -> "ipc:///tmp/ferromq-erl-auth-" ++ os:getpid() ++ "-" ++ uniq().

bind(S, Transport) ->
    ok = erlzmq:bind(S, endpoint(Transport)),
    {ok, Endpoint} = erlzmq:getsockopt(S, last_endpoint),
    Endpoint.

%% Runs Fun(ServerCtx, ClientCtx) with two fresh contexts (the authenticator answers for
%% the server's only), and terminates both.
with_contexts(Fun) ->
    {ok, SCtx} = erlzmq:context(),
    {ok, CCtx} = erlzmq:context(),
    Result = try
                 Fun(SCtx, CCtx)
             catch
                 Class:Reason:Stack ->
                     _ = erlzmq:term(CCtx, 0),
                     _ = erlzmq:term(SCtx, 0),
                     erlang:raise(Class, Reason, Stack)
             end,
    ?assertEqual(ok, erlzmq:term(CCtx, 10000)),
    ?assertEqual(ok, erlzmq:term(SCtx, 10000)),
    Result.

close_all(Sockets) ->
    [ok = erlzmq:close(S) || S <- Sockets],
    ok.

%% An authenticator in Ctx that knows admin/secret for servers without a ZAP domain.
plain_auth(Ctx) ->
    {ok, Auth} = erlzmq_auth:start(Ctx),
    ?assert(erlzmq_auth:is_running(Auth)),
    ok = erlzmq_auth:configure_plain(Auth, "*", #{"admin" => "secret"}),
    Auth.

plain_server(Ctx, Mode) ->
    {ok, S} = erlzmq:socket(Ctx, [pull, {active, Mode =:= active}]),
    ok = erlzmq:setsockopt(S, plain_server, true),
    ok = erlzmq:setsockopt(S, linger, 0),
    S.

plain_client(Ctx, Endpoint, Username, Password) ->
    {ok, C} = erlzmq:socket(Ctx, push),
    ok = erlzmq:setsockopt(C, plain_username, Username),
    ok = erlzmq:setsockopt(C, plain_password, Password),
    ok = erlzmq:connect(C, Endpoint),
    C.

%% Whether a message a client sends reaches the server within Ms. A refused connection is
%% not redialled (as in libzmq), so a refused PUSH client may have no pipe left to send on.
arrives(Server, Client, Ms) ->
    Msg = <<"hello ", (list_to_binary(uniq()))/binary>>,
    case erlzmq:send(Client, Msg, [{timeout, Ms}]) of
        ok ->
            case erlzmq:recv(Server, [{timeout, Ms}]) of
                {ok, Msg} -> true;
                {error, eagain} -> false
            end;
        {error, eagain} ->
            false
    end.

%% A NULL PULL server with Options (applied before bind) and a NULL PUSH client: does a
%% message get through? `in': within 5 s; `out': not within 500 ms.
null_gets_in(SCtx, CCtx, Options, Expected) ->
    {ok, Server} = erlzmq:socket(SCtx, pull),
    [ok = erlzmq:setsockopt(Server, Name, Value) || {Name, Value} <- [{linger, 0} | Options]],
    Ep = bind(Server, tcp),
    {ok, Client} = erlzmq:socket(CCtx, push),
    ok = erlzmq:setsockopt(Client, linger, 0),
    ok = erlzmq:connect(Client, Ep),
    In = arrives(Server, Client, case Expected of in -> 5000; out -> 500 end),
    close_all([Client, Server]),
    ?assertEqual(Expected, case In of true -> in; false -> out end).

%% The badarg reason erlzmq_auth attached (error_info), for argument N.
badarg_reason(Fun, N) ->
    try Fun() of
        Result -> error({no_badarg, Result})
    catch
        error:badarg:Stack ->
            [{erlzmq_auth, _, _, Info} | _] = Stack,
            #{cause := Cause} = proplists:get_value(error_info, Info),
            maps:get(N, Cause)
    end.

%%====================================================================
%% PLAIN
%%====================================================================

%% A PLAIN client with the right password sends numbered messages and closes right after
%% the last one; the server gets every one, in order.
plain_right_password_delivers_everything_test_() ->
    [{lists:flatten(io_lib:format("~p messages over ~p to a ~p server", [?MESSAGES, T, Mode])),
      {timeout, 60, fun() -> plain_delivery(T, Mode) end}}
     || {T, Mode} <- [{tcp, passive}, {ipc, passive}, {tcp, active}]].

plain_delivery(Transport, Mode) ->
    with_contexts(fun(SCtx, CCtx) ->
        Auth = plain_auth(SCtx),
        Server = plain_server(SCtx, Mode),
        Ep = bind(Server, Transport),
        Client = plain_client(CCtx, Ep, <<"admin">>, "secret"),
        Parent = self(),
        Sender = spawn_link(fun() ->
            [ok = erlzmq:send(Client, integer_to_binary(I)) || I <- lists:seq(0, ?MESSAGES - 1)],
            ok = erlzmq:close(Client),
            Parent ! {self(), sent}
        end),
        count(Server, Mode, 0),
        receive {Sender, sent} -> ok after 10000 -> error(sender_stuck) end,
        nothing_more(Server, Mode),
        ok = erlzmq:close(Server),
        ok = erlzmq_auth:stop(Auth),
        ?assertNot(erlzmq_auth:is_running(Auth))
    end).

count(_, _, ?MESSAGES) ->
    ok;
count(Server, passive, I) ->
    ?assertEqual({ok, integer_to_binary(I)}, erlzmq:recv(Server, [{timeout, 10000}])),
    count(Server, passive, I + 1);
count(Server, active, I) ->
    Expected = integer_to_binary(I),
    receive
        {zmq, Server, Msg, []} -> ?assertEqual(Expected, Msg)
    after 10000 ->
        error({timeout, I})
    end,
    count(Server, active, I + 1).

nothing_more(Server, passive) ->
    ?assertEqual({error, eagain}, erlzmq:recv(Server, [{timeout, 100}]));
nothing_more(Server, active) ->
    receive
        {zmq, Server, _, _} = Extra -> error({unexpected, Extra})
    after 100 ->
        ok
    end.

%% A wrong password, an unknown user: refused, nothing of theirs arrives; the server goes on
%% serving the right clients.
plain_wrong_password_refused_test() ->
    with_contexts(fun(SCtx, CCtx) ->
        Auth = plain_auth(SCtx),
        Server = plain_server(SCtx, passive),
        Ep = bind(Server, tcp),
        Guess = plain_client(CCtx, Ep, "admin", "guess"),
        Eve = plain_client(CCtx, Ep, "eve", "secret"),
        [ok = erlzmq:setsockopt(C, linger, 0) || C <- [Guess, Eve]],
        %% Queued, or eagain once the refused connection is gone (it is not redialled).
        ?assert(lists:member(erlzmq:send(Guess, <<"wrong password">>, [{timeout, 200}]),
                             [ok, {error, eagain}])),
        ?assert(lists:member(erlzmq:send(Eve, <<"unknown user">>, [{timeout, 200}]),
                             [ok, {error, eagain}])),
        ?assertEqual({error, eagain}, erlzmq:recv(Server, [{timeout, 500}])),
        Good = plain_client(CCtx, Ep, "admin", "secret"),
        ?assert(arrives(Server, Good, 5000)),
        ?assertEqual({error, eagain}, erlzmq:recv(Server, [{timeout, 200}])),
        close_all([Guess, Eve, Good, Server]),
        ok = erlzmq_auth:stop(Auth)
    end).

%% Users are per ZAP domain: a server with a domain checks that domain's users only.
plain_users_per_domain_test() ->
    with_contexts(fun(SCtx, CCtx) ->
        Auth = plain_auth(SCtx),
        ok = erlzmq_auth:configure_plain(Auth, <<"global">>, [{"alice", <<"wonder">>}]),
        Server = plain_server(SCtx, passive),
        ok = erlzmq:setsockopt(Server, zap_domain, "global"),
        Ep = bind(Server, tcp),
        Admin = plain_client(CCtx, Ep, "admin", "secret"),
        ok = erlzmq:setsockopt(Admin, linger, 0),
        ?assertNot(arrives(Server, Admin, 500)),
        Alice = plain_client(CCtx, Ep, "alice", "wonder"),
        ?assert(arrives(Server, Alice, 5000)),
        %% configure_plain replaces the domain's users.
        ok = erlzmq_auth:configure_plain(Auth, "global", #{<<"bob">> => "builder"}),
        Alice2 = plain_client(CCtx, Ep, "alice", "wonder"),
        ok = erlzmq:setsockopt(Alice2, linger, 0),
        ?assertNot(arrives(Server, Alice2, 500)),
        Bob = plain_client(CCtx, Ep, "bob", "builder"),
        ?assert(arrives(Server, Bob, 5000)),
        ?assertEqual({error, eagain}, erlzmq:recv(Server, [{timeout, 300}])),
        close_all([Admin, Alice, Alice2, Bob, Server]),
        ok = erlzmq_auth:stop(Auth)
    end).

%% A PLAIN server with no ZAP handler lets nobody in (as libzmq).
plain_without_handler_refused_test() ->
    with_contexts(fun(SCtx, CCtx) ->
        Server = plain_server(SCtx, passive),
        Ep = bind(Server, tcp),
        Client = plain_client(CCtx, Ep, "admin", "secret"),
        ok = erlzmq:setsockopt(Client, linger, 0),
        ?assertNot(arrives(Server, Client, 500)),
        close_all([Client, Server])
    end).

%%====================================================================
%% NULL with ZAP
%%====================================================================

%% NULL servers with a ZAP domain ask the handler: the deny list keeps the client out, an
%% allow list lets only its addresses in. Servers without a domain don't ask.
null_with_zap_domain_and_deny_list_refused_test() ->
    with_contexts(fun(SCtx, CCtx) ->
        Domain = [{zap_domain, <<"global">>}],
        {ok, Auth} = erlzmq_auth:start(SCtx),
        null_gets_in(SCtx, CCtx, Domain, in),
        ok = erlzmq_auth:deny(Auth, "127.0.0.1"),
        null_gets_in(SCtx, CCtx, Domain, out),
        null_gets_in(SCtx, CCtx, [], in),
        %% An allow list wins over the deny list: only its addresses get in.
        ok = erlzmq_auth:allow(Auth, [<<"192.0.2.1">>]),
        null_gets_in(SCtx, CCtx, Domain, out),
        ok = erlzmq_auth:allow(Auth, ["127.0.0.1", "::1"]),
        null_gets_in(SCtx, CCtx, Domain, in),
        ok = erlzmq_auth:stop(Auth)
    end).

%% A NULL server with a domain but no handler: in, unless zap_enforce_domain is set.
null_without_handler_test() ->
    with_contexts(fun(SCtx, CCtx) ->
        null_gets_in(SCtx, CCtx, [{zap_domain, <<"global">>}], in),
        null_gets_in(SCtx, CCtx, [{zap_domain, <<"global">>}, {zap_enforce_domain, true}],
                     out)
    end).

%%====================================================================
%% Options
%%====================================================================

security_options_read_back_test() ->
    with_contexts(fun(Ctx, _) ->
        {ok, S} = erlzmq:socket(Ctx, dealer),
        %% mechanism: 0 NULL, 1 PLAIN (libzmq's ZMQ_NULL, ZMQ_PLAIN).
        ?assertEqual({ok, 0}, erlzmq:getsockopt(S, mechanism)),
        ?assertEqual({ok, 0}, erlzmq:getsockopt(S, plain_server)),
        ok = erlzmq:setsockopt(S, plain_server, true),
        ?assertEqual({ok, 1}, erlzmq:getsockopt(S, plain_server)),
        ?assertEqual({ok, 1}, erlzmq:getsockopt(S, mechanism)),
        %% A credential makes the socket a PLAIN client.
        ok = erlzmq:setsockopt(S, plain_username, "admin"),
        ok = erlzmq:setsockopt(S, plain_password, <<"secret">>),
        ?assertEqual({ok, 0}, erlzmq:getsockopt(S, plain_server)),
        ?assertEqual({ok, 1}, erlzmq:getsockopt(S, mechanism)),
        ?assertEqual({ok, <<"admin">>}, erlzmq:getsockopt(S, plain_username)),
        ?assertEqual({ok, <<"secret">>}, erlzmq:getsockopt(S, plain_password)),
        ok = erlzmq:setsockopt(S, plain_server, 0),
        ?assertEqual({ok, 0}, erlzmq:getsockopt(S, mechanism)),
        ?assertEqual({ok, <<>>}, erlzmq:getsockopt(S, zap_domain)),
        ok = erlzmq:setsockopt(S, zap_domain, "global"),
        ?assertEqual({ok, <<"global">>}, erlzmq:getsockopt(S, zap_domain)),
        ?assertEqual({ok, 0}, erlzmq:getsockopt(S, zap_enforce_domain)),
        ok = erlzmq:setsockopt(S, zap_enforce_domain, true),
        ?assertEqual({ok, 1}, erlzmq:getsockopt(S, zap_enforce_domain)),
        %% Values the core refuses: einval, as libzmq.
        Long = binary:copy(<<"x">>, 256),
        ?assertEqual({error, einval}, erlzmq:setsockopt(S, plain_username, Long)),
        ?assertEqual({error, einval}, erlzmq:setsockopt(S, zap_domain, Long)),
        ?assertEqual({error, einval}, erlzmq:setsockopt(S, plain_server, 2)),
        ok = erlzmq:setsockopt(S, plain_password, binary:copy(<<"x">>, 255)),
        ok = erlzmq:close(S)
    end).

security_options_badarg_test() ->
    with_contexts(fun(Ctx, _) ->
        {ok, S} = erlzmq:socket(Ctx, dealer),
        ?assertError(badarg, erlzmq:setsockopt(S, mechanism, 1)),
        ?assertError(badarg, erlzmq:setsockopt(S, plain_username, 42)),
        ?assertError(badarg, erlzmq:setsockopt(S, plain_server, <<"yes">>)),
        ok = erlzmq:close(S)
    end).

%%====================================================================
%% The authenticator itself
%%====================================================================

second_authenticator_eaddrinuse_test() ->
    with_contexts(fun(Ctx, OtherCtx) ->
        {ok, First} = erlzmq_auth:start(Ctx),
        ?assert(erlzmq_auth:is_running(First)),
        ?assertEqual({error, eaddrinuse}, erlzmq_auth:start(Ctx)),
        %% One per context: another context has its own.
        {ok, Other} = erlzmq_auth:start(OtherCtx),
        ok = erlzmq_auth:stop(First),
        ?assertNot(erlzmq_auth:is_running(First)),
        ok = erlzmq_auth:stop(First),
        {ok, Second} = erlzmq_auth:start(Ctx),
        [ok = erlzmq_auth:stop(A) || A <- [Second, Other]]
    end).

%% term/1 with an authenticator still running: it stops with its context.
term_stops_the_authenticator_test() ->
    {ok, Ctx} = erlzmq:context(),
    {ok, Auth} = erlzmq_auth:start(Ctx),
    ?assertEqual(ok, erlzmq:term(Ctx, 10000)),
    ?assert(wait_until(fun() -> not erlzmq_auth:is_running(Auth) end, 100)),
    ok = erlzmq_auth:stop(Auth),
    ?assertEqual({error, eterm}, erlzmq_auth:start(Ctx)).

%% An authenticator no process references any more is stopped by the garbage collector,
%% which frees the ZAP endpoint.
garbage_collected_authenticator_test() ->
    with_contexts(fun(Ctx, _) ->
        Parent = self(),
        {Pid, Monitor} = spawn_monitor(fun() ->
            {ok, _Auth} = erlzmq_auth:start(Ctx),
            Parent ! {self(), started}
        end),
        receive {Pid, started} -> ok after 5000 -> error(not_started) end,
        receive {'DOWN', Monitor, process, Pid, normal} -> ok end,
        ?assertEqual(ok, retry_start(Ctx, 100))
    end).

%% Whether Cond() becomes true within N tries 10 ms apart.
wait_until(Cond, 0) ->
    Cond();
wait_until(Cond, N) ->
    Cond() orelse begin timer:sleep(10), wait_until(Cond, N - 1) end.

retry_start(Ctx, 0) ->
    erlzmq_auth:start(Ctx);
retry_start(Ctx, N) ->
    erlang:garbage_collect(),
    case erlzmq_auth:start(Ctx) of
        {ok, Auth} -> erlzmq_auth:stop(Auth);
        {error, eaddrinuse} -> timer:sleep(20), retry_start(Ctx, N - 1)
    end.

auth_badarg_test() ->
    with_contexts(fun(Ctx, _) ->
        {ok, Auth} = erlzmq_auth:start(Ctx),
        ?assertEqual("not an erlzmq context",
                     badarg_reason(fun() -> erlzmq_auth:start(not_a_context) end, 1)),
        ?assertMatch("not an authenticator" ++ _,
                     badarg_reason(fun() -> erlzmq_auth:allow(Ctx, "127.0.0.1") end, 1)),
        ?assertMatch("an address" ++ _,
                     badarg_reason(fun() -> erlzmq_auth:deny(Auth, 127) end, 2)),
        ?assertMatch("an address" ++ _,
                     badarg_reason(fun() -> erlzmq_auth:deny(Auth, [{127, 0, 0, 1}]) end, 2)),
        ?assertMatch("the domain must be" ++ _,
                     badarg_reason(fun() -> erlzmq_auth:configure_plain(Auth, '*', #{}) end, 2)),
        ?assertMatch("a map" ++ _,
                     badarg_reason(fun() -> erlzmq_auth:configure_plain(Auth, "*", x) end, 3)),
        ?assertMatch("not a {Username, Password} pair" ++ _,
                     badarg_reason(fun() -> erlzmq_auth:configure_plain(Auth, "*", [a]) end, 3)),
        ?assertMatch("passwords must be" ++ _,
                     badarg_reason(fun() ->
                                           erlzmq_auth:configure_plain(Auth, "*", [{"a", 1}])
                                   end, 3)),
        %% Good forms: one address as a binary, an empty list, the default domain.
        ok = erlzmq_auth:deny(Auth, <<"10.0.0.1">>),
        ok = erlzmq_auth:allow(Auth, []),
        ok = erlzmq_auth:configure_plain(Auth, [{<<"u">>, <<"p">>}]),
        ok = erlzmq_auth:stop(Auth)
    end).
