# frozen_string_literal: true

# ffi-rzmq's API on FerroMQ (`require "ferromq/ffi-rzmq"`), in a process of its own (the two
# API surfaces both define ZMQ::Context and ZMQ::Socket): run by test_ffi_rzmq.rb.
$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
require "minitest/autorun"
require "ferromq/ffi-rzmq"

class TestFfiRzmqSurface < Minitest::Test
  def setup
    @ctx = ZMQ::Context.new
  end

  def teardown
    @ctx.terminate
  end

  def pair(type_a, type_b, endpoint = "inproc://ffi-#{rand(1 << 30)}")
    a = @ctx.socket(type_a)
    assert_equal 0, a.bind(endpoint)
    b = @ctx.socket(type_b)
    assert_equal 0, b.connect(endpoint)
    [a, b]
  end

  def test_strings_and_multipart_with_result_codes
    pull, push = pair(ZMQ::PULL, ZMQ::PUSH)
    assert_equal 5, push.send_string("hello")
    assert ZMQ::Util.resultcode_ok?(push.send_strings(%w[one two three]))
    message = String.new
    assert_equal 5, pull.recv_string(message)
    assert_equal "hello", message
    parts = []
    assert ZMQ::Util.resultcode_ok?(pull.recv_strings(parts))
    assert_equal %w[one two three], parts
    assert_equal(-1, pull.recv_string(message, ZMQ::DONTWAIT))
    assert_equal ZMQ::EAGAIN, ZMQ::Util.errno
  end

  def test_messages
    pull, push = pair(ZMQ::PULL, ZMQ::PUSH)
    assert ZMQ::Util.resultcode_ok?(push.sendmsg(ZMQ::Message.new("payload")))
    message = ZMQ::Message.new
    assert ZMQ::Util.resultcode_ok?(pull.recvmsg(message))
    assert_equal "payload", message.copy_out_string
    assert_equal 7, message.size
  end

  def test_errors_set_errno
    socket = @ctx.socket(ZMQ::PAIR)
    assert_equal(-1, socket.bind("foo"))
    assert_equal ZMQ::EINVAL, ZMQ::Util.errno
    refute_empty ZMQ::Util.error_string
    assert_equal(-1, socket.connect("bogus://x"))
    assert_equal ZMQ::EPROTONOSUPPORT, ZMQ::Util.errno
    rep = @ctx.socket(ZMQ::REP)
    assert_equal(-1, rep.send_string("too early"))
    assert_equal ZMQ::EFSM, ZMQ::Util.errno
    assert_raises(TypeError) { socket.bind(5) }
  end

  def test_options_with_out_arrays
    socket = @ctx.socket(ZMQ::DEALER)
    assert_equal 0, socket.setsockopt(ZMQ::LINGER, 10)
    assert_equal 0, socket.setsockopt(ZMQ::IDENTITY, "me")
    out = []
    assert_equal 0, socket.getsockopt(ZMQ::LINGER, out)
    assert_equal 10, out[0]
    assert_equal 0, socket.getsockopt(ZMQ::IDENTITY, out)
    assert_equal "me", out[0]
    assert_equal(-1, socket.setsockopt(ZMQ::SNDHWM, -5))
    assert_equal ZMQ::EINVAL, ZMQ::Util.errno
  end

  def test_poller
    pull, push = pair(ZMQ::PULL, ZMQ::PUSH)
    poller = ZMQ::Poller.new
    poller.register_readable(pull)
    poller.register_writable(push)
    assert_equal 1, poller.poll(50), "only the PUSH can act"
    assert_equal [push], poller.writables
    push.send_string("now")
    assert_equal 2, poller.poll(1000)
    assert_equal [pull], poller.readables
    poller.deregister_writable(push)
    assert_equal 1, poller.size
  end

  def test_router_dealer_envelopes_over_tcp
    router = @ctx.socket(ZMQ::ROUTER)
    assert_equal 0, router.bind("tcp://127.0.0.1:*")
    endpoint = []
    router.getsockopt(ZMQ::LAST_ENDPOINT, endpoint)
    dealer = @ctx.socket(ZMQ::DEALER)
    dealer.identity = "worker"
    assert_equal 0, dealer.connect(endpoint[0])
    dealer.send_string("job")
    parts = []
    assert ZMQ::Util.resultcode_ok?(router.recv_strings(parts))
    assert_equal %w[worker job], parts
    dealer.send_strings(["", "with", "envelope"])
    body = []
    envelope = []
    assert ZMQ::Util.resultcode_ok?(router.recv_multipart(body, envelope))
    assert_equal ["worker", ""], envelope.map(&:copy_out_string)
    assert_equal %w[with envelope], body.map(&:copy_out_string)
    router.send_strings(%w[worker done])
    reply = String.new
    dealer.recv_string(reply)
    assert_equal "done", reply
  end

  # The security options as ffi-rzmq code sets and reads them: result codes, errno, values
  # in the out-array (FerroMQ's strings come without libzmq's trailing NUL byte).
  def test_security_options_with_result_codes
    socket = @ctx.socket(ZMQ::DEALER)
    out = []
    assert_equal 0, socket.getsockopt(ZMQ::MECHANISM, out)
    assert_equal ZMQ::NULL, out[0]
    assert_equal 0, socket.setsockopt(ZMQ::PLAIN_SERVER, 1)
    socket.getsockopt(ZMQ::MECHANISM, out)
    assert_equal ZMQ::PLAIN, out[0]
    assert_equal 0, socket.setsockopt(ZMQ::PLAIN_USERNAME, "admin")
    assert_equal 0, socket.getsockopt(ZMQ::PLAIN_USERNAME, out)
    assert_equal "admin", out[0]
    socket.getsockopt(ZMQ::PLAIN_SERVER, out)
    assert_equal 0, out[0], "a username makes it a client"
    assert_equal 0, socket.setsockopt(ZMQ::ZAP_DOMAIN, "global")
    socket.getsockopt(ZMQ::ZAP_DOMAIN, out)
    assert_equal "global", out[0]
    assert_equal 0, socket.setsockopt(ZMQ::ZAP_ENFORCE_DOMAIN, 1)
    socket.getsockopt(ZMQ::ZAP_ENFORCE_DOMAIN, out)
    assert_equal 1, out[0]
    assert_equal(-1, socket.setsockopt(ZMQ::PLAIN_USERNAME, "x" * 256))
    assert_equal ZMQ::EINVAL, ZMQ::Util.errno
    assert_equal(-1, socket.setsockopt(ZMQ::PLAIN_SERVER, 2))
    assert_equal ZMQ::EINVAL, ZMQ::Util.errno
    socket.close
  end

  # ZMQ::Authenticator works with ffi-rzmq's ZMQ::Context too.
  def test_plain_through_the_authenticator
    auth = ZMQ::Authenticator.new(@ctx)
    auth.start
    auth.configure_plain("*", "admin" => "secret")
    assert auth.alive?
    error = assert_raises(ZMQ::Error) { ZMQ::Authenticator.new(@ctx).start }
    assert_equal ZMQ::EADDRINUSE, error.errno
    server = @ctx.socket(ZMQ::PULL)
    server.setsockopt(ZMQ::PLAIN_SERVER, 1)
    server.setsockopt(ZMQ::RCVTIMEO, 500)
    server.setsockopt(ZMQ::LINGER, 0)
    assert_equal 0, server.bind("tcp://127.0.0.1:*")
    endpoint = []
    server.getsockopt(ZMQ::LAST_ENDPOINT, endpoint)
    %w[guess secret].each do |password|
      client = @ctx.socket(ZMQ::PUSH)
      client.setsockopt(ZMQ::LINGER, 0)
      client.setsockopt(ZMQ::PLAIN_USERNAME, "admin")
      client.setsockopt(ZMQ::PLAIN_PASSWORD, password)
      assert_equal 0, client.connect(endpoint[0])
      client.send_string("with #{password}")
      server.setsockopt(ZMQ::RCVTIMEO, password == "secret" ? 5000 : 500)
      message = String.new
      rc = server.recv_string(message)
      if password == "secret"
        assert_equal "with secret", message
      else
        assert_equal [-1, ZMQ::EAGAIN], [rc, ZMQ::Util.errno]
      end
      client.close
    end
    server.close
    auth.stop
    refute auth.alive?
  end

  # CURVE as ffi-rzmq code sets it up (its repreq_over_curve example): ZMQ::Util's key
  # pairs, the key options' result codes, and the authenticator with CURVE_ALLOW_ANY.
  def test_curve_with_result_codes
    server_public, server_secret = ZMQ::Util.curve_keypair
    client_public, client_secret = ZMQ::Util.curve_keypair
    assert_equal [40, 40], [server_public.bytesize, server_secret.bytesize]
    auth = ZMQ::Authenticator.new(@ctx)
    auth.start
    auth.configure_curve(ZMQ::Authenticator::CURVE_ALLOW_ANY)
    server = @ctx.socket(ZMQ::REP)
    assert_equal 0, server.setsockopt(ZMQ::CURVE_SERVER, 1)
    assert_equal 0, server.setsockopt(ZMQ::CURVE_SECRETKEY, server_secret)
    out = []
    assert_equal 0, server.getsockopt(ZMQ::MECHANISM, out)
    assert_equal ZMQ::CURVE, out[0]
    assert_equal 0, server.getsockopt(ZMQ::CURVE_SERVER, out)
    assert_equal 1, out[0]
    assert_equal 0, server.bind("tcp://127.0.0.1:*")
    server.getsockopt(ZMQ::LAST_ENDPOINT, out)
    endpoint = out[0]
    client = @ctx.socket(ZMQ::REQ)
    assert_equal 0, client.setsockopt(ZMQ::CURVE_SERVERKEY, server_public)
    assert_equal 0, client.setsockopt(ZMQ::CURVE_PUBLICKEY, client_public)
    assert_equal 0, client.setsockopt(ZMQ::CURVE_SECRETKEY, client_secret)
    assert_equal 0, client.getsockopt(ZMQ::CURVE_SERVERKEY, out)
    assert_equal 32, out[0].bytesize, "32 bytes back (libzmq's EINVAL for ffi-rzmq's buffer)"
    assert_equal(-1, client.setsockopt(ZMQ::CURVE_PUBLICKEY, "too short"))
    assert_equal ZMQ::EINVAL, ZMQ::Util.errno
    assert_equal(-1, client.setsockopt(ZMQ::CURVE_SERVER, 2))
    assert_equal ZMQ::EINVAL, ZMQ::Util.errno
    assert_equal 0, client.connect(endpoint)
    assert_equal 13, client.send_string("Hello Server!")
    request = String.new
    assert_equal 13, server.recv_string(request)
    assert_equal "Hello Server!", request
    server.send_string("Hello Client!")
    reply = String.new
    client.recv_string(reply)
    assert_equal "Hello Client!", reply
    [client, server].each(&:close)
    auth.stop
  end

  # ZMQ::Device as the talk's queue: ROUTER frontend, DEALER backend, in a thread of its own
  # that the context's termination ends.
  def test_device_relays_requests_and_replies
    ctx = ZMQ::Context.new
    frontend = ctx.socket(ZMQ::ROUTER)
    backend = ctx.socket(ZMQ::DEALER)
    frontend.bind("inproc://device-front")
    backend.bind("inproc://device-back")
    device = Thread.new { ZMQ::Device.new(frontend, backend) }
    worker = ctx.socket(ZMQ::REP)
    worker.connect("inproc://device-back")
    client = ctx.socket(ZMQ::REQ)
    client.connect("inproc://device-front")
    serving = Thread.new do
      50.times do
        request = String.new
        worker.recv_string(request)
        worker.send_string("done #{request}")
      end
    end
    50.times do |i|
      client.send_string("job #{i}")
      reply = String.new
      client.recv_string(reply)
      assert_equal "done job #{i}", reply
    end
    serving.join
    [client, worker].each(&:close)
    device.kill
    assert device.join(5), "Thread#kill ends the device"
    [frontend, backend].each(&:close)
    ctx.terminate
  end
end
