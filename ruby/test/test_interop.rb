# frozen_string_literal: true

require_relative "helper"
require "open3"
require "rbconfig"

# Interop with ffi-rzmq (Debian's ruby-ffi-rzmq over the real libzmq), in a separate
# process, both ways over tcp and ipc: enough messages to fill the queues, the sender
# closing right after its last send, and every sequence number counted on the other side;
# and PLAIN and CURVE both ways, each server guarded by its own library's ZAP handler.
class TestInterop < Minitest::Test
  include FerroMQTestHelpers

  COUNT = 20_000

  # Runs an ffi-rzmq script in its own Ruby (without FerroMQ on the load path).
  def ffi_rzmq(script, *args)
    Open3.capture2e(RbConfig.ruby, "-rffi-rzmq", "-e", script, *args.map(&:to_s))
  end

  PUSHER = <<~RUBY
    ctx = ZMQ::Context.new
    push = ctx.socket(ZMQ::PUSH)
    push.setsockopt(ZMQ::LINGER, -1)
    push.connect(ARGV[0])
    Integer(ARGV[1]).times { |i| push.send_string(i.to_s) }
    push.close
    ctx.terminate
  RUBY

  PULLER = <<~RUBY
    ctx = ZMQ::Context.new
    pull = ctx.socket(ZMQ::PULL)
    pull.setsockopt(ZMQ::RCVTIMEO, 10_000)
    rc = pull.bind(ARGV[0])
    $stdout.puts "bound"
    $stdout.flush
    count = Integer(ARGV[1])
    received = 0
    count.times do |i|
      message = ""
      break unless ZMQ::Util.resultcode_ok?(pull.recv_string(message)) && message == i.to_s
      received += 1
    end
    puts "received \#{received}"
    pull.close
    ctx.terminate
  RUBY

  %w[tcp ipc].each do |transport|
    define_method("test_ffi_rzmq_pushes_to_ferromq_over_#{transport}") do
      ctx = ZMQ::Context.new(1)
      pull = ctx.socket(ZMQ::PULL, rcvtimeo: 10_000)
      endpoint = bind(pull, transport == "tcp" ? "tcp://127.0.0.1:*" : ipc_endpoint)
      sender = Thread.new { ffi_rzmq(PUSHER, endpoint, COUNT) }
      COUNT.times { |i| assert_equal i.to_s, pull.recv, "message #{i}" }
      output, status = sender.value
      assert status.success?, output
      ctx.terminate
    end

    define_method("test_ferromq_pushes_to_ffi_rzmq_over_#{transport}") do
      endpoint = transport == "tcp" ? "tcp://127.0.0.1:#{free_port}" : ipc_endpoint
      Open3.popen2e(RbConfig.ruby, "-rffi-rzmq", "-e", PULLER, endpoint, COUNT.to_s) do |_, out, waiter|
        assert_equal "bound", out.gets&.chomp
        ctx = ZMQ::Context.new(1)
        push = ctx.socket(ZMQ::PUSH)
        push.connect(endpoint)
        COUNT.times { |i| assert push.send(i.to_s) }
        push.close
        ctx.terminate # delivers what was queued
        assert_equal "received #{COUNT}", out.read.strip
        assert waiter.value.success?
      end
    end
  end

  # PLAIN with libzmq on the other side, both ways, the FerroMQ server guarded by
  # ZMQ::Authenticator and the libzmq server by a ZAP handler of its own (a libzmq REP
  # socket at inproc://zeromq.zap.01, answering ["1.0", id, status, text, user id, ""]).
  PLAIN_COUNT = 10_000

  # ffi-rzmq PLAIN client: connects as admin with ARGV[2] as the password, waits for its
  # monitor's handshake event (HANDSHAKE_SUCCEEDED 0x1000, HANDSHAKE_FAILED_AUTH 0x4000…)
  # and prints it; once in, sends ARGV[1] numbered messages and closes right after.
  #
  # HANDSHAKE_AND_SEND is the part after the socket's security options, shared with
  # CURVE_PUSHER.
  HANDSHAKE_AND_SEND = <<~RUBY
    LibZMQ.zmq_socket_monitor(push.socket, "inproc://handshake", 0x0800 | 0x1000 | 0x2000 | 0x4000)
    monitor = ctx.socket(ZMQ::PAIR)
    monitor.setsockopt(ZMQ::RCVTIMEO, 10_000)
    monitor.connect("inproc://handshake")
    push.connect(endpoint)
    event = []
    abort "no handshake event" unless ZMQ::Util.resultcode_ok?(monitor.recv_strings(event))
    event, value = event[0].unpack("vV")
    puts format("handshake 0x%x %d", event, value)
    admitted = event == 0x1000
    push.setsockopt(ZMQ::LINGER, admitted ? -1 : 0)
    count.times { |i| push.send_string(i.to_s) } if admitted
    push.close
    monitor.close
    ctx.terminate
  RUBY

  PLAIN_PUSHER = <<~RUBY + HANDSHAKE_AND_SEND
    endpoint, count, password = ARGV[0], Integer(ARGV[1]), ARGV[2]
    ctx = ZMQ::Context.new
    push = ctx.socket(ZMQ::PUSH)
    push.setsockopt(ZMQ::PLAIN_USERNAME, "admin")
    push.setsockopt(ZMQ::PLAIN_PASSWORD, password)
  RUBY

  # libzmq PLAIN server with its ZAP handler (admin/secret get in, as user "admin"): prints
  # "bound", then the handler's first answer, then how many of ARGV[1] numbered messages
  # came in order (with ARGV[1] 0: whether any message came within 300 ms).
  PLAIN_PULLER = <<~RUBY
    require "timeout"
    ctx = ZMQ::Context.new
    zap = ctx.socket(ZMQ::REP)
    abort "cannot bind the ZAP endpoint" unless zap.bind("inproc://zeromq.zap.01").zero?
    answers = Queue.new
    handler = Thread.new do
      loop do
        request = []
        break unless ZMQ::Util.resultcode_ok?(zap.recv_strings(request))
        _version, id, _domain, _address, _identity, mechanism, user, password = request
        ok = mechanism == "PLAIN" && user == "admin" && password == "secret"
        zap.send_strings(["1.0", id, ok ? "200" : "400", ok ? "OK" : "Invalid password", ok ? user : "", ""])
        answers << (ok ? "200" : "400")
      end
      zap.close
    end
    pull = ctx.socket(ZMQ::PULL)
    pull.setsockopt(ZMQ::PLAIN_SERVER, 1)
    pull.setsockopt(ZMQ::LINGER, 0)
    abort "cannot bind" unless pull.bind(ARGV[0]).zero?
    $stdout.puts "bound"
    $stdout.flush
    puts "zap \#{Timeout.timeout(10) { answers.pop }}"
    count = Integer(ARGV[1])
    pull.setsockopt(ZMQ::RCVTIMEO, count.zero? ? 300 : 10_000)
    received = 0
    [count, 1].max.times do |i|
      message = ""
      break unless ZMQ::Util.resultcode_ok?(pull.recv_string(message)) && (count.zero? || message == i.to_s)
      received += 1
    end
    puts "received \#{received}"
    pull.close
    ctx.terminate
    handler.join
  RUBY

  def test_ffi_rzmq_plain_client_to_ferromq_plain_server
    ctx = ZMQ::Context.new(1)
    auth = ZMQ::Authenticator.new(ctx)
    auth.start
    auth.configure_plain("*", "admin" => "secret")
    pull = ctx.socket(ZMQ::PULL, plain_server: true, rcvtimeo: 10_000, linger: 0)
    endpoint = bind(pull, "tcp://127.0.0.1:*")

    output, status = ffi_rzmq(PLAIN_PUSHER, endpoint, 1, "guess")
    assert status.success?, output
    assert_equal "handshake 0x4000 400", output.strip, "refused: HANDSHAKE_FAILED_AUTH, status 400"
    assert_nil pull.recv(ZMQ::NOBLOCK)

    sender = Thread.new { ffi_rzmq(PLAIN_PUSHER, endpoint, PLAIN_COUNT, "secret") }
    PLAIN_COUNT.times { |i| assert_equal i.to_s, pull.recv, "message #{i}" }
    output, status = sender.value
    assert status.success?, output
    assert_equal "handshake 0x1000 0", output.strip
    auth.stop
    ctx.terminate
  end

  [["the_right", "secret", PLAIN_COUNT], ["a_wrong", "guess", 0]].each do |name, password, count|
    define_method("test_ferromq_plain_client_to_libzmq_plain_server_with_#{name}_password") do
      endpoint = "tcp://127.0.0.1:#{free_port}"
      Open3.popen2e(RbConfig.ruby, "-rffi-rzmq", "-e", PLAIN_PULLER, endpoint, count.to_s) do |_, out, waiter|
        assert_equal "bound", out.gets&.chomp
        ctx = ZMQ::Context.new(1)
        push = ctx.socket(ZMQ::PUSH, plain_username: "admin", plain_password: password)
        push.connect(endpoint)
        if count.zero?
          push.setsockopt(ZMQ::LINGER, 0)
          assert push.send("intruder")
          # Open until libzmq's ZAP handler has refused it.
          assert_equal "zap 400", out.gets&.chomp
        else
          count.times { |i| assert push.send(i.to_s) }
        end
        push.close
        ctx.terminate # delivers what was queued
        rest = out.read.lines.map(&:strip)
        assert_equal count.zero? ? ["received 0"] : ["zap 200", "received #{count}"], rest
        assert waiter.value.success?
      end
    end
  end

  # CURVE with libzmq (4.3, built with libsodium) on the other side, both ways: the
  # FerroMQ server guarded by ZMQ::Authenticator with a certificate directory, the libzmq
  # server by a ZAP handler of its own that knows one client key.
  CURVE_COUNT = 10_000

  # ffi-rzmq CURVE client: ARGV[2..4] are the server's public key and the client's key
  # pair (Z85); then as PLAIN_PUSHER.
  CURVE_PUSHER = <<~RUBY + HANDSHAKE_AND_SEND
    endpoint, count = ARGV[0], Integer(ARGV[1])
    ctx = ZMQ::Context.new
    push = ctx.socket(ZMQ::PUSH)
    push.setsockopt(ZMQ::CURVE_SERVERKEY, ARGV[2])
    push.setsockopt(ZMQ::CURVE_PUBLICKEY, ARGV[3])
    abort "CURVE_SECRETKEY failed" unless push.setsockopt(ZMQ::CURVE_SECRETKEY, ARGV[4]).zero?
  RUBY

  # libzmq CURVE server (secret key ARGV[2], Z85) with a ZAP handler that lets in the
  # client key ARGV[3] (hex of its 32 bytes) only: prints "bound", the handler's first
  # answer, then how many of ARGV[1] numbered messages came in order (with ARGV[1] 0:
  # whether any message came within 300 ms).
  CURVE_PULLER = <<~RUBY
    require "timeout"
    ctx = ZMQ::Context.new
    zap = ctx.socket(ZMQ::REP)
    abort "cannot bind the ZAP endpoint" unless zap.bind("inproc://zeromq.zap.01").zero?
    answers = Queue.new
    handler = Thread.new do
      loop do
        request = []
        break unless ZMQ::Util.resultcode_ok?(zap.recv_strings(request))
        _version, id, _domain, _address, _identity, mechanism, key = request
        ok = mechanism == "CURVE" && key.unpack1("H*") == ARGV[3]
        zap.send_strings(["1.0", id, ok ? "200" : "400", ok ? "OK" : "Unknown key", ok ? "client" : "", ""])
        answers << (ok ? "200" : "400")
      end
      zap.close
    end
    pull = ctx.socket(ZMQ::PULL)
    pull.setsockopt(ZMQ::CURVE_SERVER, 1)
    abort "CURVE_SECRETKEY failed" unless pull.setsockopt(ZMQ::CURVE_SECRETKEY, ARGV[2]).zero?
    pull.setsockopt(ZMQ::LINGER, 0)
    abort "cannot bind" unless pull.bind(ARGV[0]).zero?
    $stdout.puts "bound"
    $stdout.flush
    puts "zap \#{Timeout.timeout(10) { answers.pop }}"
    count = Integer(ARGV[1])
    pull.setsockopt(ZMQ::RCVTIMEO, count.zero? ? 300 : 10_000)
    received = 0
    [count, 1].max.times do |i|
      message = ""
      break unless ZMQ::Util.resultcode_ok?(pull.recv_string(message)) && (count.zero? || message == i.to_s)
      received += 1
    end
    puts "received \#{received}"
    pull.close
    ctx.terminate
    handler.join
  RUBY

  def test_ffi_rzmq_curve_client_to_ferromq_curve_server
    Dir.mktmpdir("ferromq-curve") do |dir|
      ZMQ::Authenticator.create_certificates(dir, "client")
      client_public, client_secret = ZMQ::Authenticator.load_certificate(File.join(dir, "client.key_secret"))
      server_public, server_secret = ZMQ::Util.curve_keypair
      ctx = ZMQ::Context.new(1)
      auth = ZMQ::Authenticator.new(ctx)
      auth.start
      auth.configure_curve("*", dir)
      pull = ctx.socket(ZMQ::PULL, curve_server: true, curve_secretkey: server_secret, rcvtimeo: 10_000, linger: 0)
      endpoint = bind(pull, "tcp://127.0.0.1:*")

      stranger_public, stranger_secret = ZMQ::Util.curve_keypair
      output, status = ffi_rzmq(CURVE_PUSHER, endpoint, 1, server_public, stranger_public, stranger_secret)
      assert status.success?, output
      assert_equal "handshake 0x4000 400", output.strip, "an unknown key: HANDSHAKE_FAILED_AUTH, status 400"
      assert_nil pull.recv(ZMQ::NOBLOCK)

      sender = Thread.new { ffi_rzmq(CURVE_PUSHER, endpoint, CURVE_COUNT, server_public, client_public, client_secret) }
      CURVE_COUNT.times { |i| assert_equal i.to_s, pull.recv, "message #{i}" }
      output, status = sender.value
      assert status.success?, output
      assert_equal "handshake 0x1000 0", output.strip
      assert_nil pull.recv(ZMQ::NOBLOCK)
      auth.stop
      ctx.terminate
    end
  end

  [["a_known", CURVE_COUNT], ["an_unknown", 0]].each do |name, count|
    define_method("test_ferromq_curve_client_with_#{name}_key_to_libzmq_curve_server") do
      endpoint = "tcp://127.0.0.1:#{free_port}"
      server_public, server_secret = ZMQ::Util.curve_keypair
      ctx = ZMQ::Context.new(1)
      push = ctx.socket(ZMQ::PUSH, curve_serverkey: server_public)
      public_key, secret_key = ZMQ::Util.curve_keypair
      push.setsockopt(ZMQ::CURVE_PUBLICKEY, public_key)
      push.setsockopt(ZMQ::CURVE_SECRETKEY, secret_key)
      known = count.zero? ? "00" * 32 : push.getsockopt(ZMQ::CURVE_PUBLICKEY).unpack1("H*")
      Open3.popen2e(RbConfig.ruby, "-rffi-rzmq", "-e", CURVE_PULLER, endpoint, count.to_s, server_secret,
                    known) do |_, out, waiter|
        assert_equal "bound", out.gets&.chomp
        push.connect(endpoint)
        if count.zero?
          push.setsockopt(ZMQ::LINGER, 0)
          assert push.send("intruder")
          # Open until libzmq's ZAP handler has refused it.
          assert_equal "zap 400", out.gets&.chomp
        else
          count.times { |i| assert push.send(i.to_s) }
        end
        push.close
        ctx.terminate # delivers what was queued
        rest = out.read.lines.map(&:strip)
        assert_equal count.zero? ? ["received 0"] : ["zap 200", "received #{count}"], rest
        assert waiter.value.success?
      end
    end
  end

  def free_port
    server = TCPServer.new("127.0.0.1", 0)
    server.addr[1]
  ensure
    server&.close
  end
end
require "socket"
