# server.rb from "Ømq & Services @ Chartboost" (Kenneth Ballenegger): the chat service,
# PULL on 1337 -> PUB on 1338, each JSON payload re-published as "user> message" (cyan).
# On the `zmq` gem's API, which lib/ruby/zmq.rb provides over ffi-rzmq (see the impl).
# Changes to run unattended: the two endpoints are ARGV[0] and ARGV[1] (the talk's
# 'tcp://*:1338' and 'tcp://*:1337'); `require`s the talk leaves out.
require 'json'
require 'colorize'
require 'zmq'

pub_endpoint = ARGV[0] || 'tcp://*:1338'
pull_endpoint = ARGV[1] || 'tcp://*:1337'

# create the context
context = ZMQ::Context.new(1)

# create the two sockets we need
pub = context.socket(ZMQ::PUB)
pull = context.socket(ZMQ::PULL)

# bind the sockets
pub.bind(pub_endpoint)
pull.bind(pull_endpoint)

# wait for input, and forward to all subscribers
while body = pull.recv
  payload = JSON.parse(body)
  pub.send "#{payload['user']}> #{payload['message'].cyan}"
end
