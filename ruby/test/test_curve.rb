# frozen_string_literal: true

require_relative "helper"
require "fileutils"
require "pathname"

# CURVE (RFC 26) with the `zmq` gem's surface: the key options with libzmq's semantics,
# ZMQ::Util.curve_keypair, czmq's certificate files, and ZMQ::Authenticator admitting CURVE
# clients by public key (a certificate directory) or all of them (CURVE_ALLOW_ANY).
# Interop with libzmq: test_interop.rb; ffi-rzmq's result codes: ffi_rzmq_cases.rb.
class TestCurve < Minitest::Test
  include FerroMQTestHelpers

  MESSAGES = 10_000
  Z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#"

  # Z85 text to bytes (RFC 32), to compare with what the key options read back.
  def z85_decode(text)
    text.chars.each_slice(5).map do |chunk|
      value = chunk.reduce(0) { |acc, char| acc * 85 + Z85.index(char) }
      [value].pack("N")
    end.join.b
  end

  def setup
    @ctx = ZMQ::Context.new(1)
    @auth = ZMQ::Authenticator.new(@ctx)
    @auth.start
    @dir = Dir.mktmpdir("ferromq-curve")
    @server_public, @server_secret = ZMQ::Util.curve_keypair
    # A known client: its public certificate is in the directory the authenticator reads.
    ZMQ::Authenticator.create_certificates(@dir, "client")
    @client_public, @client_secret = ZMQ::Authenticator.load_certificate(File.join(@dir, "client.key_secret"))
    @auth.configure_curve("*", @dir)
  end

  def teardown
    @auth.stop
    @ctx.terminate
    FileUtils.rm_rf(@dir)
  end

  def curve_server(**options)
    server = @ctx.socket(ZMQ::PULL, linger: 0, rcvtimeo: 5000, curve_server: true,
                                    curve_secretkey: @server_secret, **options)
    [server, bind(server, "tcp://127.0.0.1:*")]
  end

  def curve_client(ctx, endpoint, public_key: @client_public, secret_key: @client_secret,
                   server_key: @server_public, linger: 0)
    client = ctx.socket(ZMQ::PUSH, linger: linger, sndtimeo: 5000)
    client.setsockopt(ZMQ::CURVE_SERVERKEY, server_key)
    client.setsockopt(ZMQ::CURVE_PUBLICKEY, public_key)
    client.setsockopt(ZMQ::CURVE_SECRETKEY, secret_key)
    client.connect(endpoint)
    client
  end

  # A known client in a context of its own sends MESSAGES numbered messages from another
  # thread and closes right after the last one; the server counts every one, in order.
  def test_curve_delivers_every_message_from_a_known_client
    server, endpoint = curve_server
    client_ctx = ZMQ::Context.new(1)
    client = curve_client(client_ctx, endpoint, linger: -1)
    assert_equal ZMQ::CURVE, client.getsockopt(ZMQ::MECHANISM)
    sender = Thread.new do
      MESSAGES.times { |i| raise "send #{i} failed" unless client.send(i.to_s) }
      client.close
      client_ctx.terminate # returns once everything queued was delivered
    end
    received = 0
    MESSAGES.times do |i|
      message = server.recv
      assert_equal i.to_s, message, "message #{i}"
      received += 1
    end
    assert_equal MESSAGES, received
    assert_nil server.recv(ZMQ::NOBLOCK), "nothing after the last message"
    assert sender.join(10), "the client's context terminated"
  end

  # The client's box for the server cannot be opened: the handshake fails before the ZAP
  # handler is asked, even with CURVE_ALLOW_ANY.
  def test_a_wrong_server_key_delivers_nothing
    @auth.configure_curve(ZMQ::Authenticator::CURVE_ALLOW_ANY)
    server, endpoint = curve_server(rcvtimeo: 500)
    wrong_key, = ZMQ::Util.curve_keypair
    client = curve_client(@ctx, endpoint, server_key: wrong_key)
    assert client.send("wrong server key")
    assert_nil server.recv, "nothing gets through"
    server.setsockopt(ZMQ::RCVTIMEO, 5000)
    right = curve_client(@ctx, endpoint)
    assert right.send("right server key")
    assert_equal "right server key", server.recv
  end

  def test_an_unknown_client_key_is_refused_and_a_known_one_still_gets_in
    server, endpoint = curve_server(rcvtimeo: 500)
    unknown_public, unknown_secret = ZMQ::Util.curve_keypair
    intruder = curve_client(@ctx, endpoint, public_key: unknown_public, secret_key: unknown_secret)
    assert intruder.send("intruder")
    assert_nil server.recv, "a key not in the directory gets nothing through"
    server.setsockopt(ZMQ::RCVTIMEO, 5000)
    known = curve_client(@ctx, endpoint)
    assert known.send("known")
    assert_equal "known", server.recv
  end

  # Keys are looked up in the server's ZAP domain; configure_curve replaces a domain's.
  def test_client_keys_are_looked_up_in_the_servers_zap_domain
    other_dir = Dir.mktmpdir("ferromq-curve-other")
    ZMQ::Authenticator.create_certificates(other_dir, "clerk")
    clerk_public, clerk_secret = ZMQ::Authenticator.load_certificate(File.join(other_dir, "clerk.key_secret"))
    @auth.configure_curve("payments", Pathname(other_dir))
    server, endpoint = curve_server(rcvtimeo: 500, zap_domain: "payments")
    client = curve_client(@ctx, endpoint)
    assert client.send("from client")
    assert_nil server.recv, "client's certificate is in * only"
    server.setsockopt(ZMQ::RCVTIMEO, 5000)
    clerk = curve_client(@ctx, endpoint, public_key: clerk_public, secret_key: clerk_secret)
    assert clerk.send("from clerk")
    assert_equal "from clerk", server.recv
  ensure
    FileUtils.rm_rf(other_dir)
  end

  def test_allow_any_lets_every_client_in
    server, endpoint = curve_server(rcvtimeo: 500)
    stranger_public, stranger_secret = ZMQ::Util.curve_keypair
    before = curve_client(@ctx, endpoint, public_key: stranger_public, secret_key: stranger_secret)
    assert before.send("before")
    assert_nil server.recv, "refused while only the directory's keys get in"
    before.close
    @auth.configure_curve(ZMQ::Authenticator::CURVE_ALLOW_ANY)
    server.setsockopt(ZMQ::RCVTIMEO, 5000)
    3.times do |i|
      public_key, secret_key = ZMQ::Util.curve_keypair
      client = curve_client(@ctx, endpoint, public_key: public_key, secret_key: secret_key)
      assert client.send("client #{i}")
      assert_equal "client #{i}", server.recv
      client.close
    end
  end

  # pyzmq's marker, "*", means the same; the domain comes first when it is given.
  def test_allow_any_with_pyzmqs_marker
    @auth.configure_curve("*", "*")
    server, endpoint = curve_server
    public_key, secret_key = ZMQ::Util.curve_keypair
    client = curve_client(@ctx, endpoint, public_key: public_key, secret_key: secret_key)
    assert client.send("any")
    assert_equal "any", server.recv
  end

  # libzmq's rule while no ZAP handler is bound: a CURVE server admits every client that
  # knows its key, unless ZAP_ENFORCE_DOMAIN.
  def test_without_a_handler
    ctx = ZMQ::Context.new(1)
    [[{}, "in"], [{ zap_domain: "global", zap_enforce_domain: 1 }, nil]].each do |options, expected|
      server = ctx.socket(ZMQ::PULL, linger: 0, rcvtimeo: expected ? 5000 : 500, curve_server: true,
                                     curve_secretkey: @server_secret, **options)
      client = curve_client(ctx, bind(server, "tcp://127.0.0.1:*"))
      assert client.send("in")
      received = server.recv
      if expected
        assert_equal expected, received
      else
        assert_nil received, "refused: #{options}"
      end
      [client, server].each(&:close)
    end
  ensure
    ctx.terminate
  end

  def test_keypairs_are_z85_and_distinct
    pairs = Array.new(4) { ZMQ::Util.curve_keypair }
    pairs.flatten.each do |key|
      assert_equal 40, key.bytesize
      assert key.each_char.all? { |c| Z85.include?(c) }, "#{key} is Z85"
    end
    assert_equal 8, pairs.flatten.uniq.size
  end

  def test_curve_options_read_back_as_libzmq
    s = @ctx.socket(ZMQ::DEALER)
    assert_equal [0, ZMQ::NULL], [s.getsockopt(ZMQ::CURVE_SERVER), s.getsockopt(ZMQ::MECHANISM)]
    s.setsockopt(ZMQ::CURVE_SERVER, true)
    assert_equal [1, ZMQ::CURVE], [s.getsockopt(ZMQ::CURVE_SERVER), s.getsockopt(ZMQ::MECHANISM)]
    s.setsockopt(ZMQ::CURVE_SECRETKEY, @server_secret)
    assert_equal z85_decode(@server_secret), s.getsockopt(ZMQ::CURVE_SECRETKEY), "32 bytes back"
    s.setsockopt(ZMQ::CURVE_SERVERKEY, @server_public)
    assert_equal [0, ZMQ::CURVE], [s.getsockopt(ZMQ::CURVE_SERVER), s.getsockopt(ZMQ::MECHANISM)],
                 "a server key makes the socket a CURVE client"
    assert_equal z85_decode(@server_public), s.getsockopt(ZMQ::CURVE_SERVERKEY)
    raw = z85_decode(@client_public)
    assert_equal 32, raw.bytesize
    s.setsockopt(ZMQ::CURVE_PUBLICKEY, raw) # 32 raw bytes work as well
    assert_equal raw, s.getsockopt(ZMQ::CURVE_PUBLICKEY)
    assert_equal Encoding::BINARY, s.getsockopt(ZMQ::CURVE_PUBLICKEY).encoding
    s.setsockopt(ZMQ::CURVE_SERVER, 0)
    assert_equal ZMQ::NULL, s.getsockopt(ZMQ::MECHANISM)
    [[ZMQ::CURVE_PUBLICKEY, "too short"], [ZMQ::CURVE_SECRETKEY, "x" * 41],
     [ZMQ::CURVE_SERVERKEY, "\u00e9" * 20], [ZMQ::CURVE_SERVERKEY, ""], [ZMQ::CURVE_SERVER, 2]].each do |option, value|
      error = assert_raises(ZMQ::Error, "option #{option} = #{value.inspect}") { s.setsockopt(option, value) }
      assert_equal ZMQ::EINVAL, error.errno
    end
    assert_raises(TypeError) { s.setsockopt(ZMQ::CURVE_PUBLICKEY, 42) }
    assert_raises(TypeError) { s.setsockopt(ZMQ::CURVE_SERVER, "1") }
    named = @ctx.socket(:router, curve_server: true, curve_secretkey: @server_secret)
    assert_equal [1, ZMQ::CURVE], [named.getsockopt(ZMQ::CURVE_SERVER), named.getsockopt(ZMQ::MECHANISM)]
    assert_equal [47, 48, 49, 50], [ZMQ::CURVE_SERVER, ZMQ::CURVE_PUBLICKEY, ZMQ::CURVE_SECRETKEY, ZMQ::CURVE_SERVERKEY]
    [s, named].each(&:close)
  end

  # czmq's zcert files, as pyzmq's zmq.auth writes and reads them.
  def test_certificates
    public_file, secret_file = ZMQ::Authenticator.create_certificates(@dir, "server")
    assert_equal [File.join(@dir, "server.key"), File.join(@dir, "server.key_secret")], [public_file, secret_file]
    public_key, secret_key = ZMQ::Authenticator.load_certificate(secret_file)
    assert_equal [public_key, nil], ZMQ::Authenticator.load_certificate(public_file)
    assert_equal 40, secret_key.bytesize
    assert_equal 0o600, File.stat(secret_file).mode & 0o777, "the secret file is its owner's only"
    assert_match(/public-key = "#{Regexp.escape(public_key)}"/, File.read(public_file))
    File.write(File.join(@dir, "broken.key"), "metadata\ncurve\n    public-key = \"short\"\n")
    assert_equal({ @client_public => true, public_key => true }, ZMQ::Authenticator.load_certificates(@dir))
    error = assert_raises(ZMQ::Error) { ZMQ::Authenticator.load_certificate(File.join(@dir, "broken.key")) }
    assert_equal ZMQ::EINVAL, error.errno
    error = assert_raises(ZMQ::Error) { ZMQ::Authenticator.load_certificate(File.join(@dir, "missing.key")) }
    assert_equal ZMQ::ENOENT, error.errno
  end

  def test_configure_curve_arguments
    error = assert_raises(ZMQ::Error) { @auth.configure_curve("*", File.join(@dir, "missing")) }
    assert_equal ZMQ::ENOENT, error.errno
    assert_raises(TypeError) { @auth.configure_curve("*", 42) }
    assert_raises(TypeError) { @auth.configure_curve(nil, @dir) }
    assert_raises(ArgumentError) { @auth.configure_curve }
    assert_nil @auth.configure_curve(@dir) # the domain defaults to "*"
  end
end
