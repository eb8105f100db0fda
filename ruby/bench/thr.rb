# frozen_string_literal: true

# Throughput of small messages over tcp, FerroMQ's gem against ffi-rzmq (the real libzmq),
# each with its own API, in the same run:
#
#   ruby bench/thr.rb [--count 500000] [--size 8] [--lib ferromq,ffi-rzmq]
#
# For each library a PUSH process sends COUNT messages of SIZE bytes to a PULL in this
# process (libzmq's local_thr/remote_thr method: the clock runs from the first message
# received to the last). Prints msg/s and Mbit/s per library. Not part of the tests.
require_relative "common"

options = BenchCommon.options(count: 500_000, child_flag: "send")

# The child: sends the messages, then waits for their delivery (LINGER -1).
def sender(lib, endpoint, count, size)
  BenchCommon.load_library(lib)
  message = "x" * size
  if lib == "ferromq"
    ctx = ZMQ::Context.new(1)
    push = ctx.socket(ZMQ::PUSH)
    push.connect(endpoint)
    count.times { push.send(message) }
  else
    ctx = ZMQ::Context.new
    push = ctx.socket(ZMQ::PUSH)
    push.connect(endpoint)
    count.times { push.send_string(message) }
  end
  push.close
  ctx.terminate
end

def receiver(lib, count, size)
  BenchCommon.load_library(lib)
  if lib == "ferromq"
    ctx = ZMQ::Context.new(1)
    pull = ctx.socket(ZMQ::PULL)
    pull.bind("tcp://127.0.0.1:*")
    endpoint = pull.getsockopt(ZMQ::LAST_ENDPOINT)
    receive = -> { pull.recv }
  else
    ctx = ZMQ::Context.new
    pull = ctx.socket(ZMQ::PULL)
    pull.bind("tcp://127.0.0.1:*")
    out = []
    pull.getsockopt(ZMQ::LAST_ENDPOINT, out)
    endpoint = out[0].delete("\0")
    buffer = String.new
    receive = -> { pull.recv_string(buffer) }
  end
  child = Process.spawn(RbConfig.ruby, __FILE__, "--lib", lib, "--count", count.to_s,
                        "--size", size.to_s, "--send", endpoint)
  receive.call
  started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
  (count - 1).times { receive.call }
  elapsed = Process.clock_gettime(Process::CLOCK_MONOTONIC) - started
  Process.wait(child)
  pull.close
  ctx.terminate
  (count - 1) / elapsed
end

if options[:child]
  sender(options[:libs].first, options[:child], options[:count], options[:size])
  exit
end

BenchCommon.each_in_its_own_process(__FILE__, options) do |lib|
  rate = receiver(lib, options[:count], options[:size])
  digits = rate.round.to_s.reverse.scan(/\d{1,3}/).join(",").reverse
  puts format("%-8s %d B: %12s msg/s %10.1f Mbit/s", lib, options[:size], digits,
              rate * options[:size] * 8 / 1e6)
end
