# frozen_string_literal: true

# REQ/REP round-trip latency over tcp, FerroMQ's gem against ffi-rzmq (the real libzmq),
# each with its own API:
#
#   ruby bench/lat.rb [--count 20000] [--size 8] [--lib ferromq,ffi-rzmq]
#
# A REP process echoes; this process's REQ times each round trip. Prints the mean and p99
# in microseconds per library. Not part of the tests.
require "optparse"
require "rbconfig"

options = { count: 20_000, size: 8, libs: %w[ferromq ffi-rzmq], role: nil }
OptionParser.new do |o|
  o.on("--count N", Integer) { |v| options[:count] = v }
  o.on("--size N", Integer) { |v| options[:size] = v }
  o.on("--lib LIBS") { |v| options[:libs] = v.split(",") }
  o.on("--echo ENDPOINT") { |v| options[:role] = v }
end.parse!

def load_library(lib)
  if lib == "ferromq"
    $LOAD_PATH.unshift File.expand_path("../lib", __dir__)
    require "ferromq"
  else
    require "ffi-rzmq"
  end
end

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
  load_library(lib)
  ctx, rep, send, recv = socket_for(lib, ZMQ::REP)
  rep.connect(endpoint)
  count.times { send.call(recv.call) }
  rep.close
  ctx.terminate
end

def measure(lib, count, size)
  load_library(lib)
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

if options[:role]
  echo(options[:libs].first, options[:role], options[:count])
  exit
end

options[:libs].each do |lib|
  if options[:libs].size > 1
    IO.popen([RbConfig.ruby, __FILE__, "--lib", lib, "--count", options[:count].to_s,
              "--size", options[:size].to_s]) { |io| print io.read }
    next
  end
  mean, p99 = measure(lib, options[:count], options[:size])
  puts format("%-8s %d B: mean %.1f us  p99 %.1f us  (%d round trips)", lib, options[:size], mean, p99,
              options[:count])
end
