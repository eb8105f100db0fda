# frozen_string_literal: true

# REQ/REP round-trip latency over tcp, FerroMQ's gem against ffi-rzmq (the real libzmq),
# each with its own API:
#
#   ruby bench/lat.rb [--count 20000] [--size 8] [--lib ferromq,ffi-rzmq]
#
# A REP process echoes; this process's REQ times each round trip. Prints the mean and p99
# in microseconds per library. Not part of the tests.
require_relative "common"

options = BenchCommon.options(count: 20_000, child_flag: "echo")

# A socket of `type` with one `transfer` (send, then receive) call per library.
def socket_for(lib, type)
  if lib == "ferromq"
    ctx = ZMQ::Context.new(1)
    socket = ctx.socket(type)
    [ctx, socket, ->(m) { socket.send(m) }, -> { socket.recv }]
  else
    ctx = ZMQ::Context.new
    socket = ctx.socket(type)
    buffer = String.new
    [ctx, socket, ->(m) { socket.send_string(m) }, -> { socket.recv_string(buffer); buffer }]
  end
end

def echo(lib, endpoint, count)
  BenchCommon.load_library(lib)
  ctx, rep, send, recv = socket_for(lib, ZMQ::REP)
  rep.connect(endpoint)
  count.times { send.call(recv.call) }
  rep.close
  ctx.terminate
end

def measure(lib, count, size)
  BenchCommon.load_library(lib)
  ctx, req, send, recv = socket_for(lib, ZMQ::REQ)
  req.bind("tcp://127.0.0.1:*")
  out = []
  lib == "ferromq" ? out << req.getsockopt(ZMQ::LAST_ENDPOINT) : req.getsockopt(ZMQ::LAST_ENDPOINT, out)
  endpoint = out[0].delete("\0")
  child = Process.spawn(RbConfig.ruby, __FILE__, "--lib", lib, "--count", (count + 100).to_s,
                        "--echo", endpoint)
  message = "x" * size
  100.times { send.call(message); recv.call } # warm-up
  times = Array.new(count) do
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    send.call(message)
    recv.call
    Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  end
  Process.wait(child)
  req.close
  ctx.terminate
  times.sort!
  [times.sum / count * 1e6, times[(count * 0.99).floor] * 1e6]
end

if options[:child]
  echo(options[:libs].first, options[:child], options[:count])
  exit
end

BenchCommon.each_in_its_own_process(__FILE__, options) do |lib|
  mean, p99 = measure(lib, options[:count], options[:size])
  puts format("%-8s %d B: mean %.1f us  p99 %.1f us  (%d round trips)", lib, options[:size], mean, p99,
              options[:count])
end
