# client.rb from "Ømq & Services @ Chartboost" (Kenneth Ballenegger): the chat client, SUB
# (everything) + PUSH; each line read from stdin is pushed to the server, then every message
# already waiting is printed, drained with recv(ZMQ::NOBLOCK).
# On the `zmq` gem's API, which lib/ruby/zmq.rb provides over ffi-rzmq (see the impl).
# Changes to run unattended:
#  - the two endpoints are taken off ARGV (the talk's "tcp://#{server}:1338" and
#    "tcp://#{server}:1337"; shifted, so that `gets` reads stdin), `require`s the talk
#    leaves out;
#  - `while line = gets.chomp` raises at end of input (nil.chomp): the loop ends there;
#  - `buffered_msg = nil` before the loop: Ruby parses the drain's `puts buffered_msg` before
#    the assignment in its `while` condition, and would call a method of that name.
# The server parses each pushed line as JSON ({"user":..., "message":...}); the talk's
# client pushes the line as typed, so the scenario types JSON lines.
require 'zmq'

server = 'localhost'
sub_endpoint = ARGV.shift || "tcp://#{server}:1338"
push_endpoint = ARGV.shift || "tcp://#{server}:1337"

# create the context
context = ZMQ::Context.new(1)

# create the two sockets we need
sub = context.socket(ZMQ::SUB)
sub.setsockopt(ZMQ::SUBSCRIBE, '')
push = context.socket(ZMQ::PUSH)

# bind the sockets
sub.connect(sub_endpoint)
push.connect(push_endpoint)

# wait for some input
buffered_msg = nil
while line = gets&.chomp
  push.send(line) unless line == ''

  # dump buffered messages
  puts buffered_msg while (buffered_msg = sub.recv(ZMQ::NOBLOCK))
end
