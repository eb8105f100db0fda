%% @doc ZeroMQ for Erlang with erlzmq2's API, on FerroMQ's Rust core.
%%
%% Code written for erlzmq2 runs unchanged: `erlzmq:context/0', `erlzmq:socket(Ctx, [Type,
%% {active, Bool}])', `bind/2', `connect/2', `send/2,3', `recv/1,2', `setsockopt/3',
%% `getsockopt/2', `close/1', `term/1' with erlzmq2's atoms, return values and active-mode
%% messages `{zmq, Socket, Msg, Flags}'. See README.md for what differs.
%%
%% Nothing here blocks a scheduler: an operation that would block is handed to the
%% context's reactor thread and this process waits for its reply in `receive'; the reply
%% always comes (the result, `{error, eagain}' when SNDTIMEO/RCVTIMEO expire, `{error,
%% enotsock}' when another process closes the socket, `{error, eterm}' when the context is
%% terminated).
-module(erlzmq).

-export([context/0, context/1,
         socket/2,
         bind/2, connect/2, unbind/2, disconnect/2,
         send/2, send/3, sendmsg/2, sendmsg/3,
         recv/1, recv/2, recvmsg/1, recvmsg/2,
         setsockopt/3, getsockopt/2,
         close/1, close/2,
         term/1, term/2,
         version/0,
         curve_keypair/0, curve_public/1, z85_encode/1, z85_decode/1]).
%% error_info: the reason a badarg was raised, as the shell and erl_error print it.
-export([format_error/2]).

-export_type([erlzmq_context/0, erlzmq_socket/0, erlzmq_socket_type/0, erlzmq_endpoint/0,
              erlzmq_error/0, erlzmq_error_type/0, erlzmq_data/0, erlzmq_sockopt/0,
              erlzmq_sockopt_value/0, erlzmq_send_recv_flag/0, erlzmq_send_recv_flags/0]).

-type erlzmq_context() :: reference().
-type erlzmq_socket() :: {pos_integer(), reference()}.
-type erlzmq_socket_type() :: pair | pub | sub | req | rep | dealer | router | xreq | xrep |
                              pull | push | xpub | xsub | stream.
-type erlzmq_endpoint() :: string() | binary().
-type erlzmq_error_type() :: eagain | efsm | eterm | ehostunreach | eaddrinuse |
                             eaddrnotavail | enodev | einval | eprotonosupport | enotsup |
                             emsgsize | enotsock | enoent | eintr | eio | active.
-type erlzmq_error() :: {error, erlzmq_error_type()}.
-type erlzmq_data() :: iodata().
-type erlzmq_sockopt() :: affinity | identity | routing_id | subscribe | unsubscribe |
                          rate | recovery_ivl | sndbuf | rcvbuf | rcvmore | fd | events |
                          type | linger | reconnect_ivl | backlog | reconnect_ivl_max |
                          maxmsgsize | sndhwm | rcvhwm | multicast_hops | rcvtimeo |
                          sndtimeo | ipv4only | ipv6 | last_endpoint | router_mandatory |
                          tcp_keepalive | tcp_keepalive_cnt | tcp_keepalive_idle |
                          tcp_keepalive_intvl | immediate | xpub_verbose | xpub_verboser |
                          mechanism | plain_server | plain_username | plain_password |
                          zap_domain | zap_enforce_domain | curve_server |
                          curve_publickey | curve_secretkey | curve_serverkey |
                          probe_router | req_correlate | req_relaxed |
                          conflate | router_handover | connect_routing_id |
                          handshake_ivl | xpub_nodrop | xpub_manual | xpub_welcome_msg |
                          invert_matching | heartbeat_ivl | heartbeat_ttl |
                          heartbeat_timeout | connect_timeout | multicast_maxtpdu.
-type erlzmq_sockopt_value() :: integer() | boolean() | iodata().
-type erlzmq_send_recv_flag() :: dontwait | noblock | sndmore | {timeout, timeout()}.
-type erlzmq_send_recv_flags() :: [erlzmq_send_recv_flag()].

%% libzmq's numbers.
-define(ZMQ_DONTWAIT, 1).
-define(ZMQ_SNDMORE, 2).
%% The NIF's "use the socket's SNDTIMEO/RCVTIMEO" (resp. LINGER) value.
-define(FROM_OPTION, -2).

%% Active sockets: the flow process grants the reactor more credit once the owner's
%% mailbox holds fewer messages than this (the reactor delivers 256 frames per grant).
-define(FLOW_MAILBOX, 256).

-define(BADARG(Args, N, Why),
        erlang:error(badarg, Args,
                     [{error_info, #{module => ?MODULE,
                                     cause => #{N => lists:flatten(Why)}}}])).
-define(CHECK(Cond, N, Why), case Cond of true -> ok; false -> invalid(N, Why) end).

%%====================================================================
%% Contexts
%%====================================================================

%% @equiv context(1)
-spec context() -> {ok, erlzmq_context()} | erlzmq_error().
context() ->
    context(1).

%% @doc A context with `Threads' I/O threads (0, for inproc only in libzmq, gets one here).
%% `{error, einval}' for a negative number, as erlzmq2. Terminate it with {@link term/1}.
-spec context(Threads :: non_neg_integer()) -> {ok, erlzmq_context()} | erlzmq_error().
context(Threads) when is_integer(Threads) ->
    ferromq_nif:context(Threads);
context(Threads) ->
    ?BADARG([Threads], 1, "the number of I/O threads must be an integer").

%% @equiv term(Context, infinity)
-spec term(erlzmq_context()) -> ok | erlzmq_error().
term(Context) ->
    term(Context, infinity).

%% @doc Terminates the context: blocking calls on its sockets return `{error, eterm}', the
%% sockets still open are closed (as erlzmq2 does), then this waits (at most `Timeout' ms)
%% until every socket has sent what its LINGER allows. `{error, {timeout, Ref}}' if that
%% takes longer; the termination goes on and `{Ref, ok}' arrives when it is done.
-spec term(erlzmq_context(), timeout()) -> ok | erlzmq_error() | {error, {timeout, reference()}}.
term(Context, Timeout) ->
    Args = [Context, Timeout],
    try
        ?CHECK(is_timeout(Timeout), 2, "a timeout in ms or infinity"),
        Ref = make_ref(),
        case nif(1, "not an erlzmq context", fun() -> ferromq_nif:term(Context, Ref) end) of
            wait ->
                receive
                    {Ref, Result} -> Result
                after Timeout ->
                    {error, {timeout, Ref}}
                end;
            Result ->
                Result
        end
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG(Args, N, Why)
    end.

%% @doc The libzmq version FerroMQ is compatible with (erlzmq2 reports the libzmq it runs on).
-spec version() -> {integer(), integer(), integer()}.
version() ->
    {4, 3, 5}.

%%====================================================================
%% Sockets
%%====================================================================

%% @doc Creates a socket: `socket(Ctx, Type)' or `socket(Ctx, [Type, {active, Bool}])'.
%%
%% An active socket sends every frame it receives to the process that created it (or to
%% `Pid' with `{active_pid, Pid}') as `{zmq, Socket, Binary, Flags}', with `Flags' `[rcvmore]'
%% while more frames of the same message follow and `[]' on the last one; an error ends
%% delivery with `{zmq, Socket, {error, Reason}}'. Delivery is flow-controlled: it pauses
%% while the owner's mailbox is long, so a flood fills the socket's queue (RCVHWM) and then
%% pushes back on the sender instead of growing the mailbox.
-spec socket(erlzmq_context(), erlzmq_socket_type() | [erlzmq_socket_type() |
             {active, boolean()} | {active_pid, pid()}]) ->
          {ok, erlzmq_socket()} | erlzmq_error().
socket(Context, Type) when is_atom(Type) ->
    socket(Context, [Type]);
socket(Context, Spec) ->
    Args = [Context, Spec],
    try
        ?CHECK(is_list(Spec), 2, "a socket type or a list [Type, {active, Boolean}]"),
        {Types, Options} = lists:partition(fun erlang:is_atom/1, Spec),
        Type = case Types of
                   [T] -> T;
                   [] -> invalid(2, "no socket type (pair, pub, sub, req, rep, dealer, router, "
                                    "xreq, xrep, pull, push, xpub, xsub, stream)");
                   _ -> invalid(2, io_lib:format("more than one socket type: ~p", [Types]))
               end,
        TypeNo = socket_type(Type),
        case active_owner(Options, undefined) of
            undefined ->
                new_socket(Context, TypeNo, undefined, undefined);
            _ when Type =:= pub; Type =:= push ->
                invalid(2, io_lib:format("a ~p socket receives nothing, so it cannot be active",
                                         [Type]));
            Owner ->
                Flow = spawn(fun() -> flow_start(Owner) end),
                try new_socket(Context, TypeNo, Owner, Flow) of
                    {ok, _} = Ok ->
                        Ok;
                    Error ->
                        Flow ! '$ferromq_stop',
                        Error
                catch
                    Class:Reason:Stack ->
                        Flow ! '$ferromq_stop',
                        erlang:raise(Class, Reason, Stack)
                end
        end
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG(Args, N, Why)
    end.

new_socket(Context, TypeNo, Owner, Flow) ->
    nif(1, "not an erlzmq context",
        fun() -> ferromq_nif:socket(Context, TypeNo, Owner, Flow) end).

active_owner([], Owner) ->
    Owner;
active_owner([{active, true} | Rest], _) ->
    active_owner(Rest, self());
active_owner([{active, false} | Rest], _) ->
    active_owner(Rest, undefined);
active_owner([{active_pid, Pid} | Rest], _) when is_pid(Pid), node(Pid) =:= node() ->
    active_owner(Rest, Pid);
active_owner([Option | _], _) ->
    invalid(2, io_lib:format("unknown socket option ~p (expected {active, Boolean} or "
                             "{active_pid, LocalPid})", [Option])).

socket_type(pair) -> 0;
socket_type(pub) -> 1;
socket_type(sub) -> 2;
socket_type(req) -> 3;
socket_type(rep) -> 4;
socket_type(dealer) -> 5;
socket_type(xreq) -> 5;
socket_type(router) -> 6;
socket_type(xrep) -> 6;
socket_type(pull) -> 7;
socket_type(upstream) -> 7;
socket_type(push) -> 8;
socket_type(downstream) -> 8;
socket_type(xpub) -> 9;
socket_type(xsub) -> 10;
socket_type(stream) -> 11;
socket_type(Other) ->
    invalid(2, io_lib:format("unknown socket type ~p (pair, pub, sub, req, rep, dealer, "
                             "router, xreq, xrep, pull, push, xpub, xsub, stream)", [Other])).

%% @doc Binds the socket: `"tcp://*:5555"', `"ipc:///tmp/feed"', `"inproc://name"'…
-spec bind(erlzmq_socket(), erlzmq_endpoint()) -> ok | erlzmq_error().
bind(Socket, Endpoint) ->
    endpoint_call(Socket, Endpoint, fun ferromq_nif:bind/2, [Socket, Endpoint]).

%% @doc Connects the socket.
-spec connect(erlzmq_socket(), erlzmq_endpoint()) -> ok | erlzmq_error().
connect(Socket, Endpoint) ->
    endpoint_call(Socket, Endpoint, fun ferromq_nif:connect/2, [Socket, Endpoint]).

%% @doc Stops listening on an endpoint given to {@link bind/2}.
-spec unbind(erlzmq_socket(), erlzmq_endpoint()) -> ok | erlzmq_error().
unbind(Socket, Endpoint) ->
    endpoint_call(Socket, Endpoint, fun ferromq_nif:unbind/2, [Socket, Endpoint]).

%% @doc Drops the connection made by {@link connect/2}.
-spec disconnect(erlzmq_socket(), erlzmq_endpoint()) -> ok | erlzmq_error().
disconnect(Socket, Endpoint) ->
    endpoint_call(Socket, Endpoint, fun ferromq_nif:disconnect/2, [Socket, Endpoint]).

endpoint_call(Socket, Endpoint, Nif, Args) ->
    try
        S = sock(Socket),
        E = case Endpoint of
                _ when is_binary(Endpoint) -> Endpoint;
                _ when is_list(Endpoint) ->
                    case unicode:characters_to_binary(Endpoint) of
                        B when is_binary(B) -> B;
                        _ -> invalid(2, "an endpoint string such as \"tcp://127.0.0.1:5555\"")
                    end;
                _ -> invalid(2, "an endpoint string such as \"tcp://127.0.0.1:5555\"")
            end,
        nif(1, "not an erlzmq socket", fun() -> Nif(S, E) end)
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG(Args, N, Why)
    end.

%% @equiv send(Socket, Data, [])
-spec send(erlzmq_socket(), erlzmq_data()) -> ok | erlzmq_error().
send(Socket, Data) ->
    send(Socket, Data, []).

%% @doc Sends one frame; with `sndmore' more frames of the same message follow. Waits
%% (without blocking a scheduler) while the socket cannot take it, up to SNDTIMEO or
%% `{timeout, Ms}'; with `dontwait' it returns `{error, eagain}' at once instead.
-spec send(erlzmq_socket(), erlzmq_data(), erlzmq_send_recv_flags()) -> ok | erlzmq_error().
send(Socket, Data, Flags) ->
    try
        S = sock(Socket),
        Bin = if
                  is_binary(Data) -> Data;
                  true ->
                      try iolist_to_binary(Data)
                      catch error:_ -> invalid(2, "the data to send must be a binary (or iodata)")
                      end
              end,
        {Bits, Timeout} = flags(Flags, send, 0, ?FROM_OPTION),
        Ref = make_ref(),
        case nif(1, "not an erlzmq socket",
                 fun() -> ferromq_nif:send(S, Bin, Bits, Timeout, Ref) end) of
            wait ->
                receive
                    {Ref, Result} -> Result
                end;
            Result ->
                Result
        end
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG([Socket, Data, Flags], N, Why)
    end.

%% @equiv send(Socket, Data, [])
sendmsg(Socket, Data) ->
    send(Socket, Data, []).

%% @equiv send(Socket, Data, Flags)
sendmsg(Socket, Data, Flags) ->
    send(Socket, Data, Flags).

%% @equiv recv(Socket, [])
-spec recv(erlzmq_socket()) -> {ok, binary()} | erlzmq_error().
recv(Socket) ->
    recv(Socket, []).

%% @doc Receives one frame of a passive socket; `getsockopt(Socket, rcvmore)' tells whether
%% more frames of the same message follow. Waits (without blocking a scheduler) up to
%% RCVTIMEO or `{timeout, Ms}'; with `dontwait', `{error, eagain}' at once if nothing is
%% there. On an active socket: `{error, active}' (its messages go to the owner's mailbox).
-spec recv(erlzmq_socket(), erlzmq_send_recv_flags()) -> {ok, binary()} | erlzmq_error().
recv(Socket, Flags) ->
    try
        S = sock(Socket),
        {Bits, Timeout} = flags(Flags, recv, 0, ?FROM_OPTION),
        Ref = make_ref(),
        case nif(1, "not an erlzmq socket",
                 fun() -> ferromq_nif:recv(S, Bits, Timeout, Ref) end) of
            wait ->
                receive
                    {Ref, Result} -> Result
                end;
            Result ->
                Result
        end
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG([Socket, Flags], N, Why)
    end.

%% @equiv recv(Socket, [])
recvmsg(Socket) ->
    recv(Socket, []).

%% @equiv recv(Socket, Flags)
recvmsg(Socket, Flags) ->
    recv(Socket, Flags).

flags([], _, Bits, Timeout) ->
    {Bits, Timeout};
flags([dontwait | Rest], Op, Bits, Timeout) ->
    flags(Rest, Op, Bits bor ?ZMQ_DONTWAIT, Timeout);
flags([noblock | Rest], Op, Bits, Timeout) ->
    flags(Rest, Op, Bits bor ?ZMQ_DONTWAIT, Timeout);
flags([sndmore | Rest], send, Bits, Timeout) ->
    flags(Rest, send, Bits bor ?ZMQ_SNDMORE, Timeout);
flags([{timeout, infinity} | Rest], Op, Bits, _) ->
    flags(Rest, Op, Bits, -1);
flags([{timeout, Ms} | Rest], Op, Bits, _) when is_integer(Ms), Ms >= 0, Ms =< 16#7fffffff ->
    flags(Rest, Op, Bits, Ms);
flags(Flags, Op, _, _) ->
    N = case Op of send -> 3; recv -> 2 end,
    Known = case Op of
                send -> "[sndmore, dontwait, {timeout, Ms}]";
                recv -> "[dontwait, {timeout, Ms}]"
            end,
    case is_list(Flags) of
        true ->
            invalid(N, io_lib:format("unknown ~p flag ~p (expected a list of ~s)",
                                     [Op, hd(Flags), Known]));
        false ->
            invalid(N, io_lib:format("flags must be a list of ~s", [Known]))
    end.

%% @equiv close(Socket, infinity)
-spec close(erlzmq_socket()) -> ok | erlzmq_error().
close(Socket) ->
    close(Socket, infinity).

%% @doc Closes the socket: what it has queued is sent within LINGER (set it with
%% `setsockopt(Socket, linger, Ms)' first), in the background. Processes waiting in
%% `send'/`recv' on it get `{error, enotsock}'; an active socket stops delivering. Closing
%% completes at once here, so `Timeout' (erlzmq2's wait for its polling thread) is not used.
-spec close(erlzmq_socket(), timeout()) -> ok | erlzmq_error().
close(Socket, Timeout) ->
    try
        ?CHECK(is_timeout(Timeout), 2, "a timeout in ms or infinity"),
        S = sock(Socket),
        nif(1, "not an erlzmq socket", fun() -> ferromq_nif:close(S, ?FROM_OPTION) end)
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG([Socket, Timeout], N, Why)
    end.

%%====================================================================
%% Options
%%====================================================================

%% @doc Sets an option with erlzmq2's (and libzmq's) name: `subscribe', `identity',
%% `linger', `sndhwm', `rcvtimeo'… Integer options also take `true'/`false'; binary ones a
%% binary or a string.
-spec setsockopt(erlzmq_socket(), erlzmq_sockopt(), erlzmq_sockopt_value()) ->
          ok | erlzmq_error().
setsockopt(Socket, Name, Value) ->
    Args = [Socket, Name, Value],
    try
        S = sock(Socket),
        {Number, Kind, Access} = option(Name),
        ?CHECK(Access =/= read, 2,
               io_lib:format("option ~p is read-only (use getsockopt/2)", [Name])),
        V = option_value(Name, Kind, Value),
        nif(1, "not an erlzmq socket", fun() -> ferromq_nif:setsockopt(S, Number, V) end)
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG(Args, N, Why)
    end.

%% @doc Reads an option: `{ok, Integer}' or, for `identity', `last_endpoint' and other
%% binary options, `{ok, Binary}'.
-spec getsockopt(erlzmq_socket(), erlzmq_sockopt()) ->
          {ok, integer() | binary()} | erlzmq_error().
getsockopt(Socket, Name) ->
    Args = [Socket, Name],
    try
        S = sock(Socket),
        {Number, Kind, Access} = option(Name),
        ?CHECK(Access =/= write, 2,
               io_lib:format("option ~p can only be set (use setsockopt/3)", [Name])),
        Result = nif(1, "not an erlzmq socket", fun() -> ferromq_nif:getsockopt(S, Number) end),
        case {Kind, Result} of
            {inverted, {ok, V}} -> {ok, 1 - V};
            _ -> Result
        end
    catch
        throw:{?MODULE, badarg, N, Why} -> ?BADARG(Args, N, Why)
    end.

%% {libzmq number, int | binary | key (CURVE: 32 bytes or 40 Z85 characters) | inverted
%% (ipv4only = not ipv6), read | write | both}.
option(affinity) -> {4, int, both};
option(identity) -> {5, binary, both};
option(routing_id) -> {5, binary, both};
option(subscribe) -> {6, binary, write};
option(unsubscribe) -> {7, binary, write};
option(rate) -> {8, int, both};
option(recovery_ivl) -> {9, int, both};
option(sndbuf) -> {11, int, both};
option(rcvbuf) -> {12, int, both};
option(rcvmore) -> {13, int, read};
option(fd) -> {14, int, read};
option(events) -> {15, int, read};
option(type) -> {16, int, read};
option(linger) -> {17, int, both};
option(reconnect_ivl) -> {18, int, both};
option(backlog) -> {19, int, both};
option(reconnect_ivl_max) -> {21, int, both};
option(maxmsgsize) -> {22, int, both};
option(sndhwm) -> {23, int, both};
option(rcvhwm) -> {24, int, both};
option(multicast_hops) -> {25, int, both};
option(rcvtimeo) -> {27, int, both};
option(sndtimeo) -> {28, int, both};
option(ipv4only) -> {42, inverted, both};
option(last_endpoint) -> {32, binary, read};
option(router_mandatory) -> {33, int, write};
option(tcp_keepalive) -> {34, int, both};
option(tcp_keepalive_cnt) -> {35, int, both};
option(tcp_keepalive_idle) -> {36, int, both};
option(tcp_keepalive_intvl) -> {37, int, both};
option(immediate) -> {39, int, both};
option(delay_attach_on_connect) -> {39, int, both};
option(xpub_verbose) -> {40, int, write};
option(ipv6) -> {42, int, both};
option(mechanism) -> {43, int, read};
option(plain_server) -> {44, int, both};
option(plain_username) -> {45, binary, both};
option(plain_password) -> {46, binary, both};
option(curve_server) -> {47, int, both};
option(curve_publickey) -> {48, key, both};
option(curve_secretkey) -> {49, key, both};
option(curve_serverkey) -> {50, key, both};
option(probe_router) -> {51, int, write};
option(req_correlate) -> {52, int, write};
option(req_relaxed) -> {53, int, write};
option(conflate) -> {54, int, both};
option(zap_domain) -> {55, binary, both};
option(router_handover) -> {56, int, write};
option(connect_routing_id) -> {61, binary, write};
option(handshake_ivl) -> {66, int, both};
option(xpub_nodrop) -> {69, int, write};
option(xpub_manual) -> {71, int, write};
option(xpub_welcome_msg) -> {72, binary, write};
option(invert_matching) -> {74, int, both};
option(heartbeat_ivl) -> {75, int, both};
option(heartbeat_ttl) -> {76, int, both};
option(heartbeat_timeout) -> {77, int, both};
option(xpub_verboser) -> {78, int, write};
option(connect_timeout) -> {79, int, both};
option(multicast_maxtpdu) -> {84, int, both};
option(zap_enforce_domain) -> {93, int, both};
option(Name) ->
    invalid(2, io_lib:format("unknown socket option ~p", [Name])).

option_value(_, int, true) -> 1;
option_value(_, int, false) -> 0;
option_value(_, int, V) when is_integer(V), V >= -(1 bsl 63), V < 1 bsl 63 -> V;
option_value(Name, int, _) ->
    invalid(3, io_lib:format("option ~p takes an integer", [Name]));
option_value(_, inverted, V) when V =:= true; V =:= 1 -> 0;
option_value(_, inverted, V) when V =:= false; V =:= 0 -> 1;
option_value(Name, inverted, _) ->
    invalid(3, io_lib:format("option ~p takes 0, 1, true or false", [Name]));
option_value(Name, key, V) ->
    Key = option_value(Name, binary, V),
    ?CHECK(byte_size(Key) =:= 32 orelse byte_size(Key) =:= 40, 3,
           io_lib:format("option ~p takes a key: 32 bytes, or 40 characters of Z85 "
                         "(got ~b bytes)", [Name, byte_size(Key)])),
    Key;
option_value(_, binary, V) when is_binary(V) -> V;
option_value(Name, binary, V) ->
    try iolist_to_binary(V)
    catch error:_ -> invalid(3, io_lib:format("option ~p takes a binary or a string", [Name]))
    end.

%%====================================================================
%% CURVE keys and Z85
%%====================================================================

%% @doc A new CURVE key pair: `{ok, Public, Secret}', each 40 characters of Z85 (RFC 32),
%% as erlzmq2 (libzmq's zmq_curve_keypair). Give them to `curve_publickey' and
%% `curve_secretkey' (a server needs its secret key; clients need the server's public key
%% in `curve_serverkey').
-spec curve_keypair() -> {ok, binary(), binary()}.
curve_keypair() ->
    ferromq_nif:curve_keypair().

%% @doc The public key of a Z85 secret key: `{ok, Public}' (40 Z85 characters), or `{error,
%% einval}' if `Secret' is not 40 characters of Z85 (libzmq's zmq_curve_public). An
%% addition: erlzmq2 has no such function.
-spec curve_public(iodata()) -> {ok, binary()} | erlzmq_error().
curve_public(Secret) ->
    Bin = iodata(Secret, [Secret], "the secret key: 40 characters of Z85, a binary or a string"),
    ferromq_nif:curve_public(Bin).

%% @doc Encodes `Data' (a binary or iodata of a multiple of 4 bytes, else `badarg', as
%% erlzmq2) as Z85: `{ok, Text}', 5 characters per 4 bytes.
-spec z85_encode(iodata()) -> {ok, binary()} | erlzmq_error().
z85_encode(Data) ->
    Bin = iodata(Data, [Data], "data to encode: a binary or iodata"),
    case byte_size(Bin) rem 4 of
        0 -> ferromq_nif:z85_encode(Bin);
        _ -> ?BADARG([Data], 1, io_lib:format("Z85 encodes a multiple of 4 bytes, not ~b",
                                               [byte_size(Bin)]))
    end.

%% @doc Decodes Z85 text (a multiple of 5 characters, else `badarg', as erlzmq2): `{ok,
%% Data}', or `{error, einval}' if it is not valid Z85.
-spec z85_decode(iodata()) -> {ok, binary()} | erlzmq_error().
z85_decode(Text) ->
    Bin = iodata(Text, [Text], "Z85 text: a binary or a string"),
    case byte_size(Bin) rem 5 of
        0 -> ferromq_nif:z85_decode(Bin);
        _ -> ?BADARG([Text], 1, io_lib:format("Z85 text is a multiple of 5 characters, not ~b",
                                               [byte_size(Bin)]))
    end.

%%====================================================================
%% Internals
%%====================================================================

%% iodata as a binary, or badarg (argument 1) with Why.
iodata(V, _Args, _Why) when is_binary(V) ->
    V;
iodata(V, Args, Why) ->
    try iolist_to_binary(V)
    catch error:_ -> ?BADARG(Args, 1, Why)
    end.

sock({I, S}) when is_integer(I), is_reference(S) ->
    S;
sock(_) ->
    invalid(1, "not an erlzmq socket (expected what erlzmq:socket/2 returned)").

is_timeout(infinity) -> true;
is_timeout(T) -> is_integer(T) andalso T >= 0.

%% Calls the NIF; a badarg from it means a resource of the wrong kind in argument N.
nif(N, Why, Fun) ->
    try Fun()
    catch error:badarg -> invalid(N, Why)
    end.

-spec invalid(pos_integer(), iodata()) -> no_return().
invalid(N, Why) ->
    throw({?MODULE, badarg, N, Why}).

%% @private
format_error(_Reason, [{_M, _F, _As, Info} | _]) ->
    case proplists:get_value(error_info, Info, #{}) of
        #{cause := Cause} when is_map(Cause) -> Cause;
        _ -> #{}
    end.

%% The flow process of an active socket: when the reactor has delivered a window of frames
%% it asks here for more, and gets it once the owner's mailbox is short again. Ends with
%% the owner, or when the socket stops delivering.
flow_start(Owner) ->
    Monitor = erlang:monitor(process, Owner),
    flow_loop(Owner, Monitor).

flow_loop(Owner, Monitor) ->
    receive
        {'$ferromq_credit', Sock} ->
            flow_wait(Owner, Monitor, Sock, 1);
        '$ferromq_stop' ->
            ok;
        {'DOWN', Monitor, process, _, _} ->
            ok
    end.

flow_wait(Owner, Monitor, Sock, Delay) ->
    case erlang:process_info(Owner, message_queue_len) of
        {message_queue_len, Len} when Len < ?FLOW_MAILBOX ->
            ferromq_nif:grant(Sock),
            flow_loop(Owner, Monitor);
        {message_queue_len, _} ->
            receive
                '$ferromq_stop' -> ok;
                {'DOWN', Monitor, process, _, _} -> ok
            after Delay ->
                %% Short waits: the owner may drain its mailbox fast, and every wait here
                %% is time the socket doesn't deliver.
                flow_wait(Owner, Monitor, Sock, min(Delay * 2, 8))
            end;
        undefined ->
            ok
    end.
