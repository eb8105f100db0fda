# Generic role for the cross-language matrix (scenarios/matrix.json) on the `zmq` gem's API
# (FerroMQ's Ruby gem, ruby/). Same protocol as role.rb, which is on ffi-rzmq's API.
# Usage: ruby role-zmq-gem.rb PATTERN ROLE ENDPOINT COUNT TAG  (see role.py)
require 'zmq'

_pattern, role, endpoint, count, tag = ARGV
count = count.to_i
ctx = ZMQ::Context.new(1)
s = ctx.socket(role.to_sym)

if %w[rep router pull pub].include?(role)
  s.bind(endpoint)
else
  s.connect(endpoint)
end

recv = -> { puts "got #{s.recv}" }
send = ->(text) { s.send(text) or abort "send failed" }

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
  s.setsockopt(ZMQ::SUBSCRIBE, 'pub')
  count.times { recv.call }
when 'router'
  count.times do |i|
    peer = s.recv
    puts "got #{s.recv}"
    s.send(peer, ZMQ::SNDMORE)
    send.call("router #{i} from #{tag}")
  end
when 'dealer'
  count.times { |i| send.call("dealer #{i} from #{tag}") }
  count.times { recv.call }
end
puts "done #{count}"
s.close
ctx.terminate
