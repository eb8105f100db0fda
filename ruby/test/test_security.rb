# frozen_string_literal: true

require_relative "helper"

# PLAIN (RFC 24) and ZAP (RFC 27) with the `zmq` gem's surface: the security options with
# libzmq's semantics, and ZMQ::Authenticator (the core's ZAP handler) admitting or refusing
# peers by password and by address. Interop with libzmq: test_interop.rb; ffi-rzmq's
# result codes: ffi_rzmq_cases.rb.
class TestSecurity < Minitest::Test
  include FerroMQTestHelpers

  MESSAGES = 10_000

  def setup
    @ctx = ZMQ::Context.new(1)
    @auth = ZMQ::Authenticator.new(@ctx)
    @auth.start
    @auth.configure_plain("*", "admin" => "secret")
  end

  def teardown
    @auth.stop
    @ctx.terminate
  end

  def plain_server(**options)
    server = @ctx.socket(ZMQ::PULL, linger: 0, rcvtimeo: 5000, **options)
    server.setsockopt(ZMQ::PLAIN_SERVER, 1)
    [server, bind(server, "tcp://127.0.0.1:*")]
  end

  def plain_client(ctx, endpoint, password, linger: 0)
    client = ctx.socket(ZMQ::PUSH, linger: linger, sndtimeo: 5000)
    client.setsockopt(ZMQ::PLAIN_USERNAME, "admin")
    client.setsockopt(ZMQ::PLAIN_PASSWORD, password)
    client.connect(endpoint)
    client
  end

  # A client in a context of its own sends MESSAGES numbered messages from another thread
  # and closes right after the last one; the server counts every one, in order.
  def test_plain_with_the_right_password_delivers_every_message
    server, endpoint = plain_server
    client_ctx = ZMQ::Context.new(1)
    client = plain_client(client_ctx, endpoint, "secret", linger: -1)
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

  def test_plain_with_a_wrong_password_is_refused_and_others_still_get_in
    server, endpoint = plain_server(rcvtimeo: 500)
    intruder = plain_client(@ctx, endpoint, "guess")
    assert intruder.send("intruder")
    assert_nil server.recv, "a wrong password gets nothing through"
    unknown = @ctx.socket(ZMQ::PUSH, linger: 0, plain_username: "root", plain_password: "secret")
    unknown.connect(endpoint)
    assert unknown.send("unknown")
    assert_nil server.recv, "an unknown user gets nothing through"
    server.setsockopt(ZMQ::RCVTIMEO, 5000)
    client = plain_client(@ctx, endpoint, "secret")
    assert client.send("admin")
    assert_equal "admin", server.recv
  end

  def test_plain_users_are_looked_up_in_the_servers_zap_domain
    @auth.configure_plain("payments", "clerk" => "ledger")
    server, endpoint = plain_server(rcvtimeo: 500, zap_domain: "payments")
    admin = plain_client(@ctx, endpoint, "secret")
    assert admin.send("from admin")
    assert_nil server.recv, "admin is a user of * only"
    server.setsockopt(ZMQ::RCVTIMEO, 5000)
    clerk = @ctx.socket(ZMQ::PUSH, linger: 0, plain_username: "clerk", plain_password: "ledger")
    clerk.connect(endpoint)
    assert clerk.send("from clerk")
    assert_equal "from clerk", server.recv
  end

  # A NULL server with a ZAP domain asks the authenticator about each peer's address.
  def test_null_with_a_zap_domain_is_admitted_or_refused_by_address
    [[nil, "admitted"], [:deny, nil], [:allow_other, nil]].each do |policy, expected|
      @auth.deny("127.0.0.1") if policy == :deny
      @auth.allow("192.0.2.1") if policy == :allow_other
      server = @ctx.socket(ZMQ::PULL, linger: 0, rcvtimeo: expected ? 5000 : 500, zap_domain: "global")
      assert_equal ZMQ::NULL, server.getsockopt(ZMQ::MECHANISM)
      client = @ctx.socket(ZMQ::PUSH, linger: 0)
      client.connect(bind(server, "tcp://127.0.0.1:*"))
      assert client.send("admitted")
      received = server.recv
      if expected
        assert_equal expected, received
      else
        assert_nil received, "policy #{policy.inspect}"
      end
      client.close
      server.close
    end
  end

  # libzmq's rules while no ZAP handler is bound: a PLAIN server refuses every client; a
  # NULL server with a domain admits its peers unless ZAP_ENFORCE_DOMAIN.
  def test_without_a_handler
    ctx = ZMQ::Context.new(1)
    [[{ plain_server: true }, { plain_username: "admin", plain_password: "secret" }, nil],
     [{ zap_domain: "global", zap_enforce_domain: 1 }, {}, nil],
     [{ zap_domain: "global" }, {}, "in"]].each do |server_options, client_options, expected|
      server = ctx.socket(ZMQ::PULL, linger: 0, rcvtimeo: expected ? 5000 : 500, **server_options)
      client = ctx.socket(ZMQ::PUSH, linger: 0, **client_options)
      client.connect(bind(server, "tcp://127.0.0.1:*"))
      assert client.send("in")
      received = server.recv
      if expected
        assert_equal expected, received
      else
        assert_nil received, "refused: #{server_options}"
      end
      [client, server].each(&:close)
    end
  ensure
    ctx.terminate
  end

  def test_security_options_read_back_as_libzmq
    s = @ctx.socket(ZMQ::DEALER)
    assert_equal ZMQ::NULL, s.getsockopt(ZMQ::MECHANISM)
    assert_equal 0, s.getsockopt(ZMQ::PLAIN_SERVER)
    s.setsockopt(ZMQ::PLAIN_SERVER, true)
    assert_equal [1, ZMQ::PLAIN], [s.getsockopt(ZMQ::PLAIN_SERVER), s.getsockopt(ZMQ::MECHANISM)]
    s.setsockopt(ZMQ::PLAIN_USERNAME, "admin")
    s.setsockopt(ZMQ::PLAIN_PASSWORD, "secret")
    assert_equal [0, ZMQ::PLAIN, "admin", "secret"],
                 [ZMQ::PLAIN_SERVER, ZMQ::MECHANISM, ZMQ::PLAIN_USERNAME, ZMQ::PLAIN_PASSWORD].map { |o| s.getsockopt(o) },
                 "a username makes the socket a PLAIN client"
    s.setsockopt(ZMQ::PLAIN_SERVER, 1)
    s.setsockopt(ZMQ::PLAIN_SERVER, 0)
    assert_equal ZMQ::NULL, s.getsockopt(ZMQ::MECHANISM)
    assert_equal "", s.getsockopt(ZMQ::ZAP_DOMAIN)
    s.setsockopt(ZMQ::ZAP_DOMAIN, "global")
    assert_equal "global", s.getsockopt(ZMQ::ZAP_DOMAIN)
    assert_equal 0, s.getsockopt(ZMQ::ZAP_ENFORCE_DOMAIN)
    s.setsockopt(ZMQ::ZAP_ENFORCE_DOMAIN, true)
    assert_equal 1, s.getsockopt(ZMQ::ZAP_ENFORCE_DOMAIN)
    s.setsockopt(ZMQ::PLAIN_USERNAME, "x" * 255)
    assert_equal 255, s.getsockopt(ZMQ::PLAIN_USERNAME).bytesize
    [[ZMQ::PLAIN_USERNAME, "x" * 256], [ZMQ::PLAIN_PASSWORD, "x" * 256], [ZMQ::ZAP_DOMAIN, "x" * 256],
     [ZMQ::PLAIN_SERVER, 2], [ZMQ::MECHANISM, ZMQ::PLAIN]].each do |option, value|
      error = assert_raises(ZMQ::Error, "option #{option}") { s.setsockopt(option, value) }
      assert_equal ZMQ::EINVAL, error.errno
    end
    assert_raises(TypeError) { s.setsockopt(ZMQ::PLAIN_USERNAME, 42) }
    assert_raises(TypeError) { s.setsockopt(ZMQ::PLAIN_SERVER, "1") }
    named = @ctx.socket(:router, plain_server: true, zap_domain: "global")
    assert_equal [1, "global"], [named.getsockopt(ZMQ::PLAIN_SERVER), named.getsockopt(ZMQ::ZAP_DOMAIN)]
    [s, named].each(&:close)
  end

  def test_a_second_authenticator_in_one_context_is_eaddrinuse
    assert @auth.alive?
    second = ZMQ::Authenticator.new(@ctx)
    error = assert_raises(ZMQ::Error) { second.start }
    assert_equal ZMQ::EADDRINUSE, error.errno
    refute second.alive?
    @auth.start # already running: nothing happens
    @auth.stop
    refute @auth.alive?
    second.start # the endpoint is free again
    assert second.alive?
    second.stop
    other_ctx = ZMQ::Context.new(1)
    other = ZMQ::Authenticator.new(other_ctx)
    other.start # one per context
    assert other.alive?
    other.stop
    other_ctx.terminate
  end

  def test_terminating_the_context_ends_a_running_authenticator
    ctx = ZMQ::Context.new(1)
    auth = ZMQ::Authenticator.new(ctx)
    auth.start
    Timeout.timeout(10) { ctx.terminate }
    deadline = Time.now + 5
    sleep 0.01 while auth.alive? && Time.now < deadline
    refute auth.alive?, "its thread ends soon after the context"
    auth.stop
  end

  def test_authenticator_arguments
    assert_raises(TypeError) { ZMQ::Authenticator.new(nil) }
    assert_raises(TypeError) { @auth.allow(127) }
    assert_raises(TypeError) { @auth.deny(nil) }
    assert_raises(TypeError) { @auth.configure_plain("*", [%w[admin secret]]) }
    assert_raises(TypeError) { @auth.configure_plain("*", "admin" => 1) }
    assert_raises(ArgumentError) { @auth.configure_plain("*", "admin" => "\xff".b) }
    @auth.configure_plain("*", admin: "secret") # symbols as names
    @auth.configure_plain # no users for *: nobody gets in by PLAIN
    assert_same @ctx, @auth.context
  end
end
