# Generic role for the cross-language matrix (scenarios/matrix.json), ffi-rzmq's API.
# Usage: ruby role.rb PATTERN ROLE ENDPOINT COUNT TAG  (see role.py for the protocol)
require 'ffi-rzmq'

_pattern, role, endpoint, count, tag = ARGV
count = count.to_i
kinds = { 'rep' => ZMQ::REP, 'req' => ZMQ::REQ, 'pull' => ZMQ::PULL, 'push' => ZMQ::PUSH,
          'pub' => ZMQ::PUB, 'sub' => ZMQ::SUB, 'router' => ZMQ::ROUTER, 'dealer' => ZMQ::DEALER }
ctx = ZMQ::Context.new
s = ctx.socket(kinds.fetch(role))

def check(rc, what)
  return rc if ZMQ::Util.resultcode_ok?(rc)
  abort "#{what} failed: #{ZMQ::Util.error_string}"
end

if %w[rep router pull pub].include?(role)
  check(s.bind(endpoint), 'bind')
else
  check(s.connect(endpoint), 'connect')
end

recv = lambda do
  str = String.new
  check(s.recv_string(str), 'recv')
  puts "got #{str}"
end
send = ->(text) { check(s.send_string(text), 'send') }

case role
when 'rep'
  count.times { |i| recv.call; send.call("rep #{i} from #{tag}") }
when 'req'
  count.times { |i| send.call("req #{i} from #{tag}"); recv.call }
when 'push'
  count.times { |i| send.call("push #{i} from #{tag}") }
when 'pull'
  count.times { recv.call }
when 'pub'
  i = 0
  stop = Time.now + 30
  while Time.now < stop
    send.call("skip #{i} from #{tag}")
    send.call("pub #{i} from #{tag}")
    i += 1
    sleep 0.02
  end
when 'sub'
  check(s.setsockopt(ZMQ::SUBSCRIBE, 'pub'), 'subscribe')
  count.times { recv.call }
when 'router'
  count.times do |i|
    parts = []
    check(s.recv_strings(parts), 'recv')
    puts "got #{parts[1]}"
    check(s.send_strings([parts[0], "router #{i} from #{tag}"]), 'send')
  end
when 'dealer'
  count.times { |i| send.call("dealer #{i} from #{tag}") }
  count.times { recv.call }
end
puts "done #{count}"
s.close
ctx.terminate
