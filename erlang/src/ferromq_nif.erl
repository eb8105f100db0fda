%% @private
%% The NIF (bindings/erlang, crate ferromq-erlang). Use erlzmq, which checks arguments and
%% waits for the replies of operations that would block.
-module(ferromq_nif).

-export([context/1, socket/4, bind/2, connect/2, unbind/2, disconnect/2,
         send/5, recv/4, setsockopt/3, getsockopt/2, close/2, term/2, grant/1,
         socket_index/1,
         auth_start/1, auth_stop/1, auth_is_running/1, auth_allow/2, auth_deny/2,
         auth_configure_plain/3, auth_configure_curve/3, auth_allow_any_curve/1,
         create_certificates/2, load_certificate/1,
         curve_keypair/0, curve_public/1, z85_encode/1, z85_decode/1]).

-on_load(init/0).

init() ->
    erlang:load_nif(filename:join(priv_dir(), "ferromq_nif"), 0).

%% priv/ of the ferromq application; without an application directory on the code path
%% (e.g. `erl -pa .../ebin`), the priv/ beside this module's ebin/.
priv_dir() ->
    case code:priv_dir(ferromq) of
        {error, bad_name} ->
            filename:join(filename:dirname(filename:dirname(code:which(?MODULE))), "priv");
        Dir ->
            Dir
    end.

-define(NOT_LOADED, erlang:nif_error({not_loaded, ?MODULE})).

context(_IoThreads) -> ?NOT_LOADED.
socket(_Ctx, _Type, _Owner, _Flow) -> ?NOT_LOADED.
bind(_Sock, _Endpoint) -> ?NOT_LOADED.
connect(_Sock, _Endpoint) -> ?NOT_LOADED.
unbind(_Sock, _Endpoint) -> ?NOT_LOADED.
disconnect(_Sock, _Endpoint) -> ?NOT_LOADED.
send(_Sock, _Data, _Flags, _Timeout, _Ref) -> ?NOT_LOADED.
recv(_Sock, _Flags, _Timeout, _Ref) -> ?NOT_LOADED.
setsockopt(_Sock, _Option, _Value) -> ?NOT_LOADED.
getsockopt(_Sock, _Option) -> ?NOT_LOADED.
close(_Sock, _Linger) -> ?NOT_LOADED.
term(_Ctx, _Ref) -> ?NOT_LOADED.
grant(_Sock) -> ?NOT_LOADED.
socket_index(_Sock) -> ?NOT_LOADED.
auth_start(_Ctx) -> ?NOT_LOADED.
auth_stop(_Auth) -> ?NOT_LOADED.
auth_is_running(_Auth) -> ?NOT_LOADED.
auth_allow(_Auth, _Addresses) -> ?NOT_LOADED.
auth_deny(_Auth, _Addresses) -> ?NOT_LOADED.
auth_configure_plain(_Auth, _Domain, _Users) -> ?NOT_LOADED.
auth_configure_curve(_Auth, _Domain, _Directory) -> ?NOT_LOADED.
auth_allow_any_curve(_Auth) -> ?NOT_LOADED.
create_certificates(_Directory, _Name) -> ?NOT_LOADED.
load_certificate(_File) -> ?NOT_LOADED.
curve_keypair() -> ?NOT_LOADED.
curve_public(_Secret) -> ?NOT_LOADED.
z85_encode(_Data) -> ?NOT_LOADED.
z85_decode(_Text) -> ?NOT_LOADED.
