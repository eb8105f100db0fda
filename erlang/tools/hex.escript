#!/usr/bin/env escript
%% -*- erlang -*-
%% The Erlang package as a Hex package, with the Hex code that rebar3 itself carries
%% (hex_core, vendored in the rebar3 escript as r3_hex_*), since the rebar3_hex plugin
%% behind `rebar3 hex build` is fetched from hex.pm, which this machine cannot reach.
%%
%%   hex.escript build PackageDir OutDir
%%       Writes OutDir/NAME-VSN.tar, a Hex tarball (format 3, as `rebar3 hex build`
%%       makes) of a packaged copy (scripts/erlang-package.sh): its sources, its rebar
%%       config and hook, and the crates in native/. Name, version, description and
%%       licenses come from src/NAME.app.src.
%%   hex.escript repo Tarball RepoDir
%%       Makes RepoDir a Hex repository (the layout repo.hex.pm serves) holding that
%%       tarball, its registry signed with a key made for it. Prints the public key,
%%       which a project names as the repository's repo_public_key.
-mode(compile).
-include_lib("public_key/include/public_key.hrl").

main(["build", PackageDir, OutDir]) ->
    load_hex_core(),
    build(PackageDir, OutDir);
main(["repo", Tarball, RepoDir]) ->
    load_hex_core(),
    repo(Tarball, RepoDir);
main(_) ->
    io:format(standard_error,
              "usage: hex.escript build PackageDir OutDir | repo Tarball RepoDir~n", []),
    halt(2).

%% rebar3 is an escript whose archive holds hex_core's modules under the r3_ prefix.
load_hex_core() ->
    Rebar3 = os:find_executable("rebar3"),
    Rebar3 =/= false orelse fail("rebar3 is not on the PATH", []),
    {ok, Sections} = escript:extract(Rebar3, []),
    {ok, Files} = zip:extract(proplists:get_value(archive, Sections), [memory]),
    Loaded = [code:load_binary(list_to_atom(filename:basename(Name, ".beam")), Name, Beam)
              || {Name, Beam} <- Files,
                 lists:prefix("rebar/ebin/r3_hex_", Name) orelse
                     lists:prefix("rebar/ebin/r3_safe_erl_term", Name)],
    Loaded =/= [] orelse fail("no hex_core modules in ~s", [Rebar3]).

build(PackageDir, OutDir) ->
    [AppSrc] = filelib:wildcard(filename:join(PackageDir, "src/*.app.src")),
    {ok, [{application, App, Props}]} = file:consult(AppSrc),
    Name = atom_to_binary(App),
    Version = list_to_binary(proplists:get_value(vsn, Props)),
    Metadata = #{<<"name">> => Name,
                 <<"version">> => Version,
                 <<"app">> => Name,
                 <<"description">> => list_to_binary(proplists:get_value(description, Props)),
                 <<"licenses">> => [list_to_binary(L) || L <- proplists:get_value(licenses, Props)],
                 <<"build_tools">> => [<<"rebar3">>],
                 <<"requirements">> => []},
    Files = [{File, filename:join(PackageDir, File)} || File <- package_files(PackageDir)],
    {ok, #{tarball := Tar, outer_checksum := Outer}} = r3_hex_tarball:create(Metadata, Files),
    Out = filename:join(OutDir, <<Name/binary, "-", Version/binary, ".tar">>),
    ok = filelib:ensure_dir(Out),
    ok = file:write_file(Out, Tar),
    io:format("~s (~b files, ~b bytes, checksum ~s)~n",
              [Out, length(Files), byte_size(Tar), r3_hex_tarball:format_checksum(Outer)]).

%% What a user's build needs: the Erlang sources, the rebar3 configuration and the NIF
%% hook, the README, and the Cargo workspace in native/ without build products or the
%% core's own tests.
package_files(Dir) ->
    Top = ["rebar.config", "rebar.lock", "build-nif.sh", "README.md"],
    Trees = ["src", "native"],
    Skip = ["native/target"],
    Found = lists:append([filelib:wildcard(T ++ "/**", Dir) || T <- Trees]),
    Top ++ lists:sort([F || F <- Found,
                            filelib:is_regular(filename:join(Dir, F)),
                            not lists:any(fun(S) -> lists:prefix(S ++ "/", F) end, Skip)]).

repo(Tarball, RepoDir) ->
    {ok, Tar} = file:read_file(Tarball),
    {ok, #{metadata := Meta, outer_checksum := Outer, inner_checksum := Inner}} =
        r3_hex_tarball:unpack(Tar, memory),
    #{<<"name">> := Name, <<"version">> := Version} = Meta,
    RepoName = <<"ferromq_local">>,
    PrivateKey = public_key:generate_key({rsa, 2048, 65537}),
    PublicKey = #'RSAPublicKey'{modulus = element(3, PrivateKey),
                                publicExponent = element(4, PrivateKey)},
    PrivatePem = pem(public_key:pem_entry_encode('RSAPrivateKey', PrivateKey)),
    PublicPem = pem(public_key:pem_entry_encode('SubjectPublicKeyInfo', PublicKey)),
    Release = #{version => Version, inner_checksum => Inner, outer_checksum => Outer,
                dependencies => []},
    Package = r3_hex_registry:encode_package(#{name => Name, repository => RepoName,
                                               releases => [Release]}),
    Versions = r3_hex_registry:encode_versions(
                 #{repository => RepoName,
                   packages => [#{name => Name, versions => [Version], retired => []}]}),
    Names = r3_hex_registry:encode_names(#{repository => RepoName,
                                           packages => [#{name => Name}]}),
    Signed = fun(Payload) -> zlib:gzip(r3_hex_registry:sign_protobuf(Payload, PrivatePem)) end,
    write(RepoDir, ["packages", Name], Signed(Package)),
    write(RepoDir, ["versions"], Signed(Versions)),
    write(RepoDir, ["names"], Signed(Names)),
    write(RepoDir, ["tarballs", <<Name/binary, "-", Version/binary, ".tar">>], Tar),
    io:format("~s", [PublicPem]).

pem(Entry) -> public_key:pem_encode([Entry]).

write(Dir, Parts, Bytes) ->
    Path = filename:join([Dir | Parts]),
    ok = filelib:ensure_dir(Path),
    ok = file:write_file(Path, Bytes).

fail(Format, Args) ->
    io:format(standard_error, "hex.escript: " ++ Format ++ "~n", Args),
    halt(1).
