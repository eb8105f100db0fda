%% @doc A ready-made ZAP handler (RFC 27) for a context's servers: FerroMQ's authenticator
%% (the core's `ferromq::auth::Authenticator', which pyzmq users know as `zmq.auth'). erlzmq2
%% has none; this is an addition.
%%
%% ```
%% {ok, Auth} = erlzmq_auth:start(Ctx),
%% ok = erlzmq_auth:configure_plain(Auth, "*", #{"admin" => "secret"}),
%% {ok, Server} = erlzmq:socket(Ctx, pull),
%% ok = erlzmq:setsockopt(Server, plain_server, true),
%% ok = erlzmq:bind(Server, "tcp://*:5555"),
%% ...
%% ok = erlzmq_auth:stop(Auth).
%% '''
%%
%% {@link start/1} binds `inproc://zeromq.zap.01' in the context and answers, on a native
%% thread of its own, the ZAP requests of the context's servers (PLAIN servers, and NULL
%% servers with a `zap_domain'), by this policy:
%%
%% <ul>
%% <li>addresses: with an allow list ({@link allow/2}) only its addresses get in; otherwise
%%     the addresses of the deny list ({@link deny/2}) are kept out; an allowed address still
%%     goes through the mechanism's check;</li>
%% <li>NULL: every address not kept out gets in (user id `anonymous');</li>
%% <li>PLAIN: the username and password must be among those {@link configure_plain/3}
%%     gave for the server's `zap_domain' (`"*"': servers without a domain); the user id is
%%     the username.</li>
%% <li>CURVE: the client's public key must be among the certificates of the directory
%%     {@link configure_curve/3} gave for the server's `zap_domain', unless
%%     `configure_curve(Auth, Domain, allow_any)' lets any client in; the user id is the
%%     client's public key in Z85.</li>
%% </ul>
%%
%% Changes to the policy apply to the next handshake. The authenticator stops with
%% {@link stop/1}, when the context is terminated, or when no process references it any
%% more (garbage collection).
%%
%% Certificates are czmq's zcert files (what pyzmq's `zmq.auth.create_certificates' and
%% czmq write): {@link create_certificates/2} writes a key pair, {@link load_certificate/1}
%% reads one.
-module(erlzmq_auth).

-export([start/1, stop/1, is_running/1,
         allow/2, deny/2,
         configure_plain/2, configure_plain/3,
         configure_curve/2, configure_curve/3,
         create_certificates/2, load_certificate/1]).
%% error_info: the reason a badarg was raised, as the shell and erl_error print it.
-export([format_error/2]).

-export_type([erlzmq_auth/0, address/0, text/0, filename/0]).

-opaque erlzmq_auth() :: reference().
%% An IP address as the ZAP request gives it, e.g. "127.0.0.1" or "::1".
-type address() :: string() | binary().
-type text() :: string() | binary().
-type filename() :: file:filename_all().

-define(BADARG(Args, N, Why),
        erlang:error(badarg, Args,
                     [{error_info, #{module => ?MODULE,
                                     cause => #{N => lists:flatten(Why)}}}])).

%% @doc Starts an authenticator for the servers of `Context': `{ok, Auth}', or `{error,
%% eaddrinuse}' when another ZAP handler is bound in that context, `{error, eterm}' when
%% it was terminated. It lets nobody in by PLAIN until {@link configure_plain/3} is called.
-spec start(erlzmq:erlzmq_context()) -> {ok, erlzmq_auth()} | erlzmq:erlzmq_error().
start(Context) ->
    call([Context], fun() -> ferromq_nif:auth_start(Context) end, "not an erlzmq context").

%% @doc Stops answering and frees `inproc://zeromq.zap.01' (another authenticator may start
%% then). Stopping again does nothing.
-spec stop(erlzmq_auth()) -> ok.
stop(Auth) ->
    call([Auth], fun() -> ferromq_nif:auth_stop(Auth) end, not_auth()).

%% @doc Whether the authenticator answers requests (false after {@link stop/1}, or once its
%% context was terminated).
-spec is_running(erlzmq_auth()) -> boolean().
is_running(Auth) ->
    call([Auth], fun() -> ferromq_nif:auth_is_running(Auth) end, not_auth()).

%% @doc Lets in only these addresses (an address or a list of them), added to those allowed
%% before. The other checks still apply to them.
-spec allow(erlzmq_auth(), address() | [address()]) -> ok.
allow(Auth, Addresses) ->
    Args = [Auth, Addresses],
    List = addresses(Args, Addresses),
    call(Args, fun() -> ferromq_nif:auth_allow(Auth, List) end, not_auth()).

%% @doc Keeps these addresses out (an address or a list of them), added to those denied
%% before. Ignored while an allow list exists (as pyzmq's authenticator).
-spec deny(erlzmq_auth(), address() | [address()]) -> ok.
deny(Auth, Addresses) ->
    Args = [Auth, Addresses],
    List = addresses(Args, Addresses),
    call(Args, fun() -> ferromq_nif:auth_deny(Auth, List) end, not_auth()).

%% @equiv configure_plain(Auth, "*", Passwords)
-spec configure_plain(erlzmq_auth(), #{text() => text()} | [{text(), text()}]) -> ok.
configure_plain(Auth, Passwords) ->
    configure_plain(Auth, "*", Passwords).

%% @doc The PLAIN users of the ZAP domain `Domain' (`"*"': the servers without a
%% `zap_domain'), as a map or a list of `{Username, Password}'. Replaces the users given for
%% that domain before.
-spec configure_plain(erlzmq_auth(), text(), #{text() => text()} | [{text(), text()}]) -> ok.
configure_plain(Auth, Domain, Passwords) ->
    Args = [Auth, Domain, Passwords],
    D = text(Args, 2, Domain, "the domain must be a string or a binary (\"*\": no domain)"),
    Pairs = if
                is_map(Passwords) -> maps:to_list(Passwords);
                is_list(Passwords) -> Passwords;
                true -> ?BADARG(Args, 3, "a map #{Username => Password} or a list of "
                                         "{Username, Password}")
            end,
    Users = [case Pair of
                 {U, P} ->
                     {text(Args, 3, U, "usernames must be strings or binaries"),
                      text(Args, 3, P, "passwords must be strings or binaries")};
                 _ ->
                     ?BADARG(Args, 3, io_lib:format("not a {Username, Password} pair: ~p",
                                                    [Pair]))
             end || Pair <- Pairs],
    call(Args, fun() -> ferromq_nif:auth_configure_plain(Auth, D, Users) end, not_auth()).

%% @equiv configure_curve(Auth, "*", Location)
-spec configure_curve(erlzmq_auth(), filename() | allow_any) -> ok | erlzmq:erlzmq_error().
configure_curve(Auth, Location) ->
    configure_curve(Auth, "*", Location).

%% @doc The CURVE clients of the ZAP domain `Domain' (`"*"': the servers without a
%% `zap_domain'): those whose public certificates (`*.key' files, czmq's zcert format) are in
%% the directory `Location', read now (run it again after adding certificates), replacing the
%% keys given for that domain before; `{error, enoent}' if there is no such directory. With
%% `allow_any' (pyzmq's `CURVE_ALLOW_ANY') every CURVE client gets in, whatever the domain,
%% from then on: encryption without authentication. Without a call, no CURVE client gets in.
-spec configure_curve(erlzmq_auth(), text(), filename() | allow_any) ->
          ok | erlzmq:erlzmq_error().
configure_curve(Auth, Domain, allow_any) ->
    Args = [Auth, Domain, allow_any],
    _ = text(Args, 2, Domain, "the domain must be a string or a binary (\"*\": no domain)"),
    call(Args, fun() -> ferromq_nif:auth_allow_any_curve(Auth) end, not_auth());
configure_curve(Auth, Domain, Location) ->
    Args = [Auth, Domain, Location],
    D = text(Args, 2, Domain, "the domain must be a string or a binary (\"*\": no domain)"),
    L = filename(Args, 3, Location,
                 "a directory of public certificates (a string or a binary) or allow_any"),
    call(Args, fun() -> ferromq_nif:auth_configure_curve(Auth, D, L) end, not_auth()).

%% @doc Writes a new CURVE key pair in the directory `Directory' as czmq's zcert files:
%% `Name.key' (the public key: put it in a server's certificate directory) and
%% `Name.key_secret' (both keys, readable by its owner only). `{ok, PublicFile, SecretFile}'
%% (binaries), or `{error, Reason}' (`enoent': no such directory). pyzmq's
%% `zmq.auth.create_certificates'.
-spec create_certificates(filename(), text()) ->
          {ok, binary(), binary()} | erlzmq:erlzmq_error().
create_certificates(Directory, Name) ->
    Args = [Directory, Name],
    D = filename(Args, 1, Directory, "a directory (a string or a binary)"),
    N = text(Args, 2, Name, "a file name without a directory (a string or a binary)"),
    ferromq_nif:create_certificates(D, N).

%% @doc Reads a zcert file: `{ok, Public, Secret}' (40 Z85 characters each; `Secret' is
%% `undefined' in a public certificate), or `{error, Reason}' (`enoent': no such file,
%% `einval': not a certificate). pyzmq's `zmq.auth.load_certificate'.
-spec load_certificate(filename()) ->
          {ok, binary(), binary() | undefined} | erlzmq:erlzmq_error().
load_certificate(File) ->
    F = filename([File], 1, File, "a file name (a string or a binary)"),
    ferromq_nif:load_certificate(F).

%%====================================================================
%% Internals
%%====================================================================

not_auth() ->
    "not an authenticator (expected what erlzmq_auth:start/1 returned)".

%% Calls the NIF; its badarg means argument 1 is not a resource of the right kind.
call(Args, Fun, Why) ->
    try Fun()
    catch error:badarg -> ?BADARG(Args, 1, Why)
    end.

%% One address or a list of them, as a list of UTF-8 binaries.
addresses(Args, A) when is_binary(A) ->
    [text(Args, 2, A, address_why())];
addresses(Args, [C | _] = A) when is_integer(C) ->
    [text(Args, 2, A, address_why())];
addresses(Args, List) when is_list(List) ->
    [text(Args, 2, A, address_why()) || A <- List];
addresses(Args, _) ->
    ?BADARG(Args, 2, address_why()).

address_why() ->
    "an address (a string or a binary such as \"127.0.0.1\") or a list of them".

%% A string or a binary as a UTF-8 binary (what the core takes).
text(Args, N, Value, Why) when is_binary(Value); is_list(Value) ->
    case unicode:characters_to_binary(Value) of
        B when is_binary(B) -> B;
        _ -> ?BADARG(Args, N, Why)
    end;
text(Args, N, _, Why) ->
    ?BADARG(Args, N, Why).

%% A file name as a UTF-8 binary (the NIF takes a string).
filename(Args, N, Name, Why) when is_binary(Name); is_list(Name) ->
    try unicode:characters_to_binary(filename:flatten(Name)) of
        B when is_binary(B) -> B;
        _ -> ?BADARG(Args, N, Why)
    catch
        error:_ -> ?BADARG(Args, N, Why)
    end;
filename(Args, N, _, Why) ->
    ?BADARG(Args, N, Why).

%% @private
format_error(_Reason, [{_M, _F, _As, Info} | _]) ->
    case proplists:get_value(error_info, Info, #{}) of
        #{cause := Cause} when is_map(Cause) -> Cause;
        _ -> #{}
    end.
