# frozen_string_literal: true

require_relative "helper"
require "open3"
require "rbconfig"

# Interop with ffi-rzmq (Debian's ruby-ffi-rzmq over the real libzmq), in a separate
# process, both ways over tcp and ipc: enough messages to fill the queues, the sender
# closing right after its last send, and every sequence number counted on the other side.
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

  def free_port
    server = TCPServer.new("127.0.0.1", 0)
    server.addr[1]
  ensure
    server&.close
  end
end
require "socket"
