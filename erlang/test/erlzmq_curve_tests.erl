%% EUnit tests of CURVE (RFC 26), FerroMQ on both sides: the options, erlzmq:curve_keypair/0,
%% curve_public/1, z85_encode/1 and z85_decode/1, certificates, erlzmq_auth's CURVE policy
%% (a certificate directory per domain, or allow_any), every message of a CURVE stream
%% counted, refusals. Against the real libzmq: erlzmq_interop_tests.
-module(erlzmq_curve_tests).

-include_lib("eunit/include/eunit.hrl").
-include_lib("kernel/include/file.hrl").

%% Messages a CURVE client sends before it closes; the server counts every one.
-define(MESSAGES, 10000).

%%====================================================================
%% Helpers
%%====================================================================

uniq() ->
    integer_to_list(erlang:unique_integer([positive])).

endpoint(tcp) -> "tcp://127.0.0.1:*";
endpoint(ipc) -> "ipc:///tmp/ferromq-erl-curve-" ++ os:getpid() ++ "-" ++ uniq().

bind(S, Transport) ->
    ok = erlzmq:bind(S, endpoint(Transport)),
    {ok, Endpoint} = erlzmq:getsockopt(S, last_endpoint),
    Endpoint.

%% Runs Fun(ServerCtx, ClientCtx, Dir) with two fresh contexts and an empty directory for
%% certificates; terminates both, removes the directory.
with_contexts(Fun) ->
    Dir = filename:join("/tmp", "ferromq-erl-certs-" ++ os:getpid() ++ "-" ++ uniq()),
    ok = file:make_dir(Dir),
    {ok, SCtx} = erlzmq:context(),
    {ok, CCtx} = erlzmq:context(),
    Result = try
                 Fun(SCtx, CCtx, Dir)
             catch
                 Class:Reason:Stack ->
                     _ = erlzmq:term(CCtx, 0),
                     _ = erlzmq:term(SCtx, 0),
                     _ = file:del_dir_r(Dir),
                     erlang:raise(Class, Reason, Stack)
             end,
    ?assertEqual(ok, erlzmq:term(CCtx, 10000)),
    ?assertEqual(ok, erlzmq:term(SCtx, 10000)),
    ok = file:del_dir_r(Dir),
    Result.

close_all(Sockets) ->
    [ok = erlzmq:close(S) || S <- Sockets],
    ok.

%% A CURVE PULL server with a new key pair; returns {Server, ServerPublic}.
curve_server(Ctx, Mode) ->
    {ok, Public, Secret} = erlzmq:curve_keypair(),
    {ok, S} = erlzmq:socket(Ctx, [pull, {active, Mode =:= active}]),
    ok = erlzmq:setsockopt(S, curve_server, true),
    ok = erlzmq:setsockopt(S, curve_secretkey, Secret),
    ok = erlzmq:setsockopt(S, linger, 0),
    {S, Public}.

%% A client certificate Name in Dir (what a server's certificate directory holds); returns
%% the client's keys {Public, Secret}, read back from the secret file.
client_certificate(Dir, Name) ->
    {ok, PublicFile, SecretFile} = erlzmq_auth:create_certificates(Dir, Name),
    {ok, Public, undefined} = erlzmq_auth:load_certificate(PublicFile),
    {ok, Public, Secret} = erlzmq_auth:load_certificate(SecretFile),
    {Public, Secret}.

%% A CURVE PUSH client with keys {Public, Secret}, for the server whose key is ServerKey.
curve_client(Ctx, Endpoint, ServerKey, {Public, Secret}) ->
    {ok, C} = erlzmq:socket(Ctx, push),
    ok = erlzmq:setsockopt(C, curve_serverkey, ServerKey),
    ok = erlzmq:setsockopt(C, curve_publickey, Public),
    ok = erlzmq:setsockopt(C, curve_secretkey, Secret),
    ok = erlzmq:connect(C, Endpoint),
    C.

new_keys() ->
    {ok, Public, Secret} = erlzmq:curve_keypair(),
    {Public, Secret}.

%% Whether a message a client sends reaches the server within Ms (a refused connection is
%% not redialled, so a refused PUSH client may have no pipe left to send on).
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

refused(Server, Client) ->
    ok = erlzmq:setsockopt(Client, linger, 0),
    ?assertNot(arrives(Server, Client, 500)).

badarg_reason(Module, Fun, N) ->
    try Fun() of
        Result -> error({no_badarg, Result})
    catch
        error:badarg:Stack ->
            [{Module, _, _, Info} | _] = Stack,
            #{cause := Cause} = proplists:get_value(error_info, Info),
            maps:get(N, Cause)
    end.

%%====================================================================
%% Delivery
%%====================================================================

%% A CURVE client whose certificate is in the server's directory sends numbered messages
%% and closes right after the last one; the server gets every one, in order.
curve_delivers_everything_test_() ->
    [{lists:flatten(io_lib:format("~p messages over ~p to a ~p server", [?MESSAGES, T, Mode])),
      {timeout, 60, fun() -> curve_delivery(T, Mode) end}}
     || {T, Mode} <- [{tcp, passive}, {ipc, passive}, {tcp, active}]].

curve_delivery(Transport, Mode) ->
    with_contexts(fun(SCtx, CCtx, Dir) ->
        Keys = client_certificate(Dir, "client"),
        {ok, Auth} = erlzmq_auth:start(SCtx),
        ok = erlzmq_auth:configure_curve(Auth, "*", Dir),
        {Server, ServerKey} = curve_server(SCtx, Mode),
        Ep = bind(Server, Transport),
        Client = curve_client(CCtx, Ep, ServerKey, Keys),
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
        ok = erlzmq_auth:stop(Auth)
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

%% Large and multipart messages go through CURVE's boxes too.
curve_multipart_and_large_test() ->
    with_contexts(fun(SCtx, CCtx, _Dir) ->
        {ok, Auth} = erlzmq_auth:start(SCtx),
        ok = erlzmq_auth:configure_curve(Auth, allow_any),
        {Server, ServerKey} = curve_server(SCtx, passive),
        Ep = bind(Server, tcp),
        Client = curve_client(CCtx, Ep, ServerKey, new_keys()),
        Big = crypto:strong_rand_bytes(3 * 1024 * 1024),
        ok = erlzmq:send(Client, <<"head">>, [sndmore]),
        ok = erlzmq:send(Client, Big),
        ?assertEqual({ok, <<"head">>}, erlzmq:recv(Server, [{timeout, 10000}])),
        ?assertEqual({ok, 1}, erlzmq:getsockopt(Server, rcvmore)),
        ?assertEqual({ok, Big}, erlzmq:recv(Server, [{timeout, 10000}])),
        close_all([Client, Server]),
        ok = erlzmq_auth:stop(Auth)
    end).

%%====================================================================
%% Refusals and the policy
%%====================================================================

%% A client that has the wrong server key cannot complete the handshake (the server cannot
%% open its boxes), even with an authenticator that lets any key in.
curve_wrong_server_key_fails_test() ->
    with_contexts(fun(SCtx, CCtx, _Dir) ->
        {ok, Auth} = erlzmq_auth:start(SCtx),
        ok = erlzmq_auth:configure_curve(Auth, "*", allow_any),
        {Server, ServerKey} = curve_server(SCtx, passive),
        Ep = bind(Server, tcp),
        {OtherKey, _} = new_keys(),
        Wrong = curve_client(CCtx, Ep, OtherKey, new_keys()),
        refused(Server, Wrong),
        Right = curve_client(CCtx, Ep, ServerKey, new_keys()),
        ?assert(arrives(Server, Right, 5000)),
        close_all([Wrong, Right, Server]),
        ok = erlzmq_auth:stop(Auth)
    end).

%% With a certificate directory, only the clients whose certificates it holds get in; a
%% NULL or PLAIN client does not get in at all.
curve_unknown_client_key_refused_test() ->
    with_contexts(fun(SCtx, CCtx, Dir) ->
        Known = client_certificate(Dir, "known"),
        {ok, Auth} = erlzmq_auth:start(SCtx),
        ok = erlzmq_auth:configure_curve(Auth, Dir),
        {Server, ServerKey} = curve_server(SCtx, passive),
        Ep = bind(Server, tcp),
        Stranger = curve_client(CCtx, Ep, ServerKey, new_keys()),
        refused(Server, Stranger),
        {ok, Null} = erlzmq:socket(CCtx, push),
        ok = erlzmq:connect(Null, Ep),
        refused(Server, Null),
        Friend = curve_client(CCtx, Ep, ServerKey, Known),
        ?assert(arrives(Server, Friend, 5000)),
        %% Certificates added later count once configure_curve reads the directory again.
        Later = client_certificate(Dir, "later"),
        Early = curve_client(CCtx, Ep, ServerKey, Later),
        refused(Server, Early),
        ok = erlzmq_auth:configure_curve(Auth, Dir),
        Now = curve_client(CCtx, Ep, ServerKey, Later),
        ?assert(arrives(Server, Now, 5000)),
        ?assertEqual({error, eagain}, erlzmq:recv(Server, [{timeout, 200}])),
        close_all([Stranger, Null, Friend, Early, Now, Server]),
        ok = erlzmq_auth:stop(Auth)
    end).

%% Without configure_curve nobody gets in; allow_any lets any key in.
curve_allow_any_test() ->
    with_contexts(fun(SCtx, CCtx, _Dir) ->
        {ok, Auth} = erlzmq_auth:start(SCtx),
        {Server, ServerKey} = curve_server(SCtx, passive),
        Ep = bind(Server, tcp),
        Before = curve_client(CCtx, Ep, ServerKey, new_keys()),
        refused(Server, Before),
        ok = erlzmq_auth:configure_curve(Auth, allow_any),
        Clients = [curve_client(CCtx, Ep, ServerKey, new_keys()) || _ <- lists:seq(1, 3)],
        [?assert(arrives(Server, C, 5000)) || C <- Clients],
        close_all([Before, Server | Clients]),
        ok = erlzmq_auth:stop(Auth)
    end).

%% Without a ZAP handler in its context a CURVE server lets any CURVE client in (as libzmq),
%% unless zap_enforce_domain is set.
curve_without_handler_test() ->
    with_contexts(fun(SCtx, CCtx, _Dir) ->
        {Server, ServerKey} = curve_server(SCtx, passive),
        Ep = bind(Server, tcp),
        Client = curve_client(CCtx, Ep, ServerKey, new_keys()),
        ?assert(arrives(Server, Client, 5000)),
        {Strict, StrictKey} = curve_server(SCtx, passive),
        ok = erlzmq:setsockopt(Strict, zap_enforce_domain, true),
        StrictEp = bind(Strict, tcp),
        Refused = curve_client(CCtx, StrictEp, StrictKey, new_keys()),
        refused(Strict, Refused),
        close_all([Client, Server, Refused, Strict])
    end).

%% Keys are per ZAP domain: a server with a domain checks that domain's certificates.
curve_keys_per_domain_test() ->
    with_contexts(fun(SCtx, CCtx, Dir) ->
        Keys = client_certificate(Dir, "client"),
        Empty = filename:join(Dir, "empty"),
        ok = file:make_dir(Empty),
        {ok, Auth} = erlzmq_auth:start(SCtx),
        ok = erlzmq_auth:configure_curve(Auth, "*", Dir),
        ok = erlzmq_auth:configure_curve(Auth, <<"vip">>, Empty),
        {Server, ServerKey} = curve_server(SCtx, passive),
        ok = erlzmq:setsockopt(Server, zap_domain, "vip"),
        Ep = bind(Server, tcp),
        Client = curve_client(CCtx, Ep, ServerKey, Keys),
        refused(Server, Client),
        ok = erlzmq_auth:configure_curve(Auth, "vip", Dir),
        Again = curve_client(CCtx, Ep, ServerKey, Keys),
        ?assert(arrives(Server, Again, 5000)),
        close_all([Client, Again, Server]),
        ok = erlzmq_auth:stop(Auth)
    end).

configure_curve_errors_test() ->
    {ok, Ctx} = erlzmq:context(),
    {ok, Auth} = erlzmq_auth:start(Ctx),
    ?assertEqual({error, enoent}, erlzmq_auth:configure_curve(Auth, "/nonexistent/certs")),
    ?assertMatch("a directory of public certificates" ++ _,
                 badarg_reason(erlzmq_auth,
                               fun() -> erlzmq_auth:configure_curve(Auth, "*", 42) end, 3)),
    ?assertMatch("a directory of public certificates" ++ _,
                 badarg_reason(erlzmq_auth,
                               fun() -> erlzmq_auth:configure_curve(Auth, any) end, 3)),
    ?assertMatch("not an authenticator" ++ _,
                 badarg_reason(erlzmq_auth,
                               fun() -> erlzmq_auth:configure_curve(Ctx, allow_any) end, 1)),
    ?assertEqual({error, enoent}, erlzmq_auth:create_certificates("/nonexistent/dir", "x")),
    ?assertEqual({error, enoent}, erlzmq_auth:load_certificate("/nonexistent/x.key")),
    ok = erlzmq_auth:stop(Auth),
    ok = erlzmq:term(Ctx).

%% A certificate written by hand in czmq's zcert format (as czmq and pyzmq write them) is
%% read; a file that is not one is einval.
zcert_files_test() ->
    Dir = filename:join("/tmp", "ferromq-erl-zcert-" ++ os:getpid() ++ "-" ++ uniq()),
    ok = file:make_dir(Dir),
    try
        {ok, Public, Secret} = erlzmq:curve_keypair(),
        File = filename:join(Dir, "hand.key_secret"),
        ok = file:write_file(File, ["#   ****  Generated on 2026-01-01 by czmq  ****\n",
                                    "#   ZeroMQ CURVE **Secret** Certificate\n\n",
                                    "metadata\n    name = \"hand\"\ncurve\n",
                                    "    public-key = \"", Public, "\"\n",
                                    "    secret-key = \"", Secret, "\"\n"]),
        ?assertEqual({ok, Public, Secret}, erlzmq_auth:load_certificate(File)),
        Junk = filename:join(Dir, "junk.key"),
        ok = file:write_file(Junk, "metadata\ncurve\n    public-key = \"short\"\n"),
        ?assertEqual({error, einval}, erlzmq_auth:load_certificate(Junk)),
        {ok, PublicFile, SecretFile} = erlzmq_auth:create_certificates(list_to_binary(Dir), "me"),
        ?assertEqual(list_to_binary(filename:join(Dir, "me.key")), PublicFile),
        ?assertEqual(list_to_binary(filename:join(Dir, "me.key_secret")), SecretFile),
        {ok, #file_info{mode = Mode}} = file:read_file_info(SecretFile),
        ?assertEqual(8#600, Mode band 8#777),
        {ok, MyPublic, MySecret} = erlzmq_auth:load_certificate(SecretFile),
        ?assertEqual({ok, MyPublic}, erlzmq:curve_public(MySecret))
    after
        file:del_dir_r(Dir)
    end.

%%====================================================================
%% Options, keys and Z85
%%====================================================================

curve_options_read_back_test() ->
    {ok, Ctx} = erlzmq:context(),
    {ok, S} = erlzmq:socket(Ctx, dealer),
    {ok, Public, Secret} = erlzmq:curve_keypair(),
    {ok, RawPublic} = erlzmq:z85_decode(Public),
    {ok, RawSecret} = erlzmq:z85_decode(Secret),
    ?assertEqual({ok, 0}, erlzmq:getsockopt(S, mechanism)),
    ?assertEqual({ok, 0}, erlzmq:getsockopt(S, curve_server)),
    ok = erlzmq:setsockopt(S, curve_server, true),
    ?assertEqual({ok, 1}, erlzmq:getsockopt(S, curve_server)),
    ?assertEqual({ok, 2}, erlzmq:getsockopt(S, mechanism)),
    %% Keys as Z85 text (binary or string) or as 32 bytes; read back as 32 bytes.
    ok = erlzmq:setsockopt(S, curve_secretkey, binary_to_list(Secret)),
    ?assertEqual({ok, RawSecret}, erlzmq:getsockopt(S, curve_secretkey)),
    ok = erlzmq:setsockopt(S, curve_publickey, RawPublic),
    ?assertEqual({ok, RawPublic}, erlzmq:getsockopt(S, curve_publickey)),
    ok = erlzmq:setsockopt(S, curve_serverkey, Public),
    ?assertEqual({ok, RawPublic}, erlzmq:getsockopt(S, curve_serverkey)),
    %% Setting a server key makes the socket a CURVE client.
    ?assertEqual({ok, 0}, erlzmq:getsockopt(S, curve_server)),
    ?assertEqual({ok, 2}, erlzmq:getsockopt(S, mechanism)),
    ok = erlzmq:setsockopt(S, curve_server, false),
    ?assertEqual({ok, 0}, erlzmq:getsockopt(S, mechanism)),
    %% Not a key: wrong length (badarg, as erlzmq2), not Z85 (einval, as libzmq).
    ?assertMatch("option curve_publickey takes a key" ++ _,
                 badarg_reason(erlzmq,
                               fun() -> erlzmq:setsockopt(S, curve_publickey, <<"short">>) end,
                               3)),
    ?assertMatch("option curve_serverkey takes a binary" ++ _,
                 badarg_reason(erlzmq,
                               fun() -> erlzmq:setsockopt(S, curve_serverkey, 42) end, 3)),
    ?assertEqual({error, einval},
                 erlzmq:setsockopt(S, curve_serverkey, binary:copy(<<"~">>, 40))),
    ok = erlzmq:close(S),
    ok = erlzmq:term(Ctx).

keypair_and_z85_test() ->
    %% RFC 32's test vector.
    Data = <<16#86, 16#4F, 16#D2, 16#6F, 16#B5, 16#59, 16#F7, 16#5B>>,
    ?assertEqual({ok, <<"HelloWorld">>}, erlzmq:z85_encode(Data)),
    ?assertEqual({ok, Data}, erlzmq:z85_decode(<<"HelloWorld">>)),
    ?assertEqual({ok, Data}, erlzmq:z85_decode("HelloWorld")),
    ?assertEqual({ok, <<"HelloWorld">>}, erlzmq:z85_encode([<<16#86, 16#4F>>, [16#D2, 16#6F],
                                                            <<16#B5, 16#59, 16#F7, 16#5B>>])),
    ?assertEqual({ok, <<>>}, erlzmq:z85_encode(<<>>)),
    %% Round trips, both ways.
    [begin
         Bytes = crypto:strong_rand_bytes(N * 4),
         {ok, Text} = erlzmq:z85_encode(Bytes),
         ?assertEqual(N * 5, byte_size(Text)),
         ?assertEqual({ok, Bytes}, erlzmq:z85_decode(Text)),
         ?assertEqual({ok, Text}, erlzmq:z85_encode(element(2, erlzmq:z85_decode(Text))))
     end || N <- [1, 2, 8, 100]],
    %% Key pairs: 40 characters of Z85 each, new every time, the public key the secret's.
    {ok, P1, S1} = erlzmq:curve_keypair(),
    {ok, P2, S2} = erlzmq:curve_keypair(),
    ?assertEqual([40, 40], [byte_size(P1), byte_size(S1)]),
    ?assertNotEqual({P1, S1}, {P2, S2}),
    {ok, Raw} = erlzmq:z85_decode(P1),
    ?assertEqual(32, byte_size(Raw)),
    ?assertEqual({ok, P1}, erlzmq:z85_encode(Raw)),
    ?assertEqual({ok, P1}, erlzmq:curve_public(S1)),
    ?assertEqual({ok, P2}, erlzmq:curve_public(binary_to_list(S2))),
    ?assertEqual({error, einval}, erlzmq:curve_public(<<"short">>)),
    %% Lengths: badarg (erlzmq2's); characters outside Z85: einval.
    ?assertMatch("Z85 encodes a multiple of 4 bytes" ++ _,
                 badarg_reason(erlzmq, fun() -> erlzmq:z85_encode(<<"abc">>) end, 1)),
    ?assertMatch("Z85 text is a multiple of 5 characters" ++ _,
                 badarg_reason(erlzmq, fun() -> erlzmq:z85_decode(<<"Hell">>) end, 1)),
    ?assertMatch("data to encode" ++ _,
                 badarg_reason(erlzmq, fun() -> erlzmq:z85_encode(an_atom) end, 1)),
    ?assertEqual({error, einval}, erlzmq:z85_decode(<<"Hell~">>)),
    ?assertEqual({error, einval}, erlzmq:z85_decode(<<"%%%%%">>)).
