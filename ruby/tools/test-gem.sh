#!/usr/bin/env bash
# `make test-ruby-gem`: the gem installs and works outside this repository, as a user gets
# it. scripts/ruby-package.sh packs ruby/ with the extension crate and the core (native/)
# and runs `gem build`; then
#  - `gem install --local` into a fresh directory builds the extension from the gem alone,
#    and a script using that directory runs a smoke test;
#  - a Bundler project that names the package with `path:` (as a Rails or Sinatra app
#    would) runs the same smoke test with `bundle exec`, after the package's
#    build-native.sh has built the extension (Bundler builds no extension of a path gem).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$root/target/ruby-gem-test"
rm -rf "$work"
mkdir -p "$work"
# Both builds compile the same crates: share what cargo can reuse between them.
export CARGO_TARGET_DIR="$work/cargo-target"
gem_file=$("$root/scripts/ruby-package.sh" "$work/package")
pkg="$work/package/ferromq"

smoke='
require "zmq"
ctx = ZMQ::Context.new(1)
%w[inproc://smoke tcp://127.0.0.1:*].each do |endpoint|
  rep = ctx.socket(ZMQ::REP)
  rep.bind(endpoint)
  req = ctx.socket(:req)
  req.connect(rep.getsockopt(ZMQ::LAST_ENDPOINT))
  100.times do |i|
    req.send("q#{i}")
    rep.send("re #{rep.recv}")
    reply = req.recv
    abort "#{endpoint}: got #{reply.inspect} for q#{i}" unless reply == "re q#{i}"
  end
  req.close
  rep.close
end
auth = ZMQ::Authenticator.new(ctx)
auth.start
auth.configure_plain("*", "admin" => "secret")
server = ctx.socket(:pull, plain_server: true, rcvtimeo: 5000)
server.bind("tcp://127.0.0.1:*")
client = ctx.socket(:push, plain_username: "admin", plain_password: "secret")
client.connect(server.getsockopt(ZMQ::LAST_ENDPOINT))
client.send("plain")
reply = server.recv
abort "PLAIN: got #{reply.inspect}" unless reply == "plain"
[client, server].each(&:close)
auth.configure_curve(ZMQ::Authenticator::CURVE_ALLOW_ANY)
server_public, server_secret = ZMQ::Util.curve_keypair
client_public, client_secret = ZMQ::Util.curve_keypair
server = ctx.socket(:pull, curve_server: true, curve_secretkey: server_secret, rcvtimeo: 5000)
server.bind("tcp://127.0.0.1:*")
client = ctx.socket(:push, curve_serverkey: server_public, curve_publickey: client_public,
                           curve_secretkey: client_secret)
client.connect(server.getsockopt(ZMQ::LAST_ENDPOINT))
client.send("curve")
reply = server.recv
abort "CURVE: got #{reply.inspect}" unless reply == "curve"
[client, server].each(&:close)
auth.stop
ctx.terminate
puts "smoke test passed: #{$LOADED_FEATURES.grep(/ferromq_native/).first}"
'

echo "== gem install --local"
default_path=$(env -u GEM_HOME -u GEM_PATH gem env gempath)
gem install --local --no-document --install-dir "$work/gems" "$gem_file"
GEM_HOME="$work/gems" GEM_PATH="$work/gems:$default_path" ruby -e "$smoke"

echo "== Bundler, path: the package"
"$pkg/build-native.sh"
app="$work/app"
mkdir -p "$app"
echo "gem \"ferromq\", path: \"$pkg\"" >"$app/Gemfile"
(
    cd "$app"
    export BUNDLE_PATH="$app/vendor" BUNDLE_GEMFILE="$app/Gemfile"
    bundle install --local --quiet
    bundle exec ruby -e "$smoke"
)
