# frozen_string_literal: true

require_relative "helper"

# Every pattern over tcp, ipc and inproc, on the `zmq` gem's API; enough messages to fill
# the queues, each sequence number counted on the other side.
class TestPatterns < Minitest::Test
  include FerroMQTestHelpers

  COUNT = 5000

  def setup
    @ctx = ZMQ::Context.new(1)
  end

  def teardown
    @ctx.terminate
  end

  %w[tcp ipc inproc].each do |transport|
    define_method("test_push_pull_#{transport}") do
      pull = @ctx.socket(ZMQ::PULL)
      endpoint = bind(pull, endpoints.fetch(transport))
      push = @ctx.socket(ZMQ::PUSH)
      push.connect(endpoint)
      sender = Thread.new { COUNT.times { |i| assert push.send(i.to_s) } }
      COUNT.times { |i| assert_equal i.to_s, pull.recv }
      sender.join
      push.close
      pull.close
    end

    define_method("test_req_rep_#{transport}") do
      rep = @ctx.socket(ZMQ::REP)
      endpoint = bind(rep, endpoints.fetch(transport))
      req = @ctx.socket(ZMQ::REQ)
      req.connect(endpoint)
      server = Thread.new do
        200.times { rep.send("re #{rep.recv}") }
      end
      200.times do |i|
        req.send("q#{i}")
        assert_equal "re q#{i}", req.recv
      end
      server.join
    end

    define_method("test_pub_sub_#{transport}") do
      pub = @ctx.socket(ZMQ::PUB)
      endpoint = bind(pub, endpoints.fetch(transport))
      sub = @ctx.socket(:sub, subscribe: "news", rcvtimeo: 5000)
      sub.connect(endpoint)
      # The subscription travels to the publisher: publish until the first arrives.
      Timeout.timeout(5) do
        loop do
          pub.send("news ping")
          break if sub.recv(ZMQ::NOBLOCK)

          sleep 0.01
        end
      end
      pub.send("sport 1")
      100.times { |i| pub.send("news #{i}") }
      received = []
      while received.size < 100
        message = sub.recv
        received << message unless message == "news ping" # pings still on their way
      end
      assert_equal (0...100).map { |i| "news #{i}" }, received
    end
  end

  def test_multipart_with_sndmore_and_more_parts
    a = @ctx.socket(ZMQ::PAIR)
    endpoint = bind(a, "inproc://#{unique('multipart')}")
    b = @ctx.socket(ZMQ::PAIR)
    b.connect(endpoint)
    a.send("one", ZMQ::SNDMORE)
    a.send("two")
    assert_equal "one", b.recv
    assert b.more_parts?
    assert_equal 1, b.getsockopt(ZMQ::RCVMORE)
    assert_equal "two", b.recv
    refute b.more_parts?
  end

  def test_router_dealer_with_identity
    router = @ctx.socket(ZMQ::ROUTER)
    endpoint = bind(router, "tcp://127.0.0.1:*")
    dealer = @ctx.socket(ZMQ::DEALER, identity: "worker-1")
    dealer.connect(endpoint)
    dealer.send("hello")
    assert_equal "worker-1", router.recv
    assert_equal "hello", router.recv
    router.send("worker-1", ZMQ::SNDMORE)
    router.send("welcome")
    assert_equal "welcome", dealer.recv
  end

  def test_recv_is_binary
    a = @ctx.socket(ZMQ::PAIR)
    endpoint = bind(a, "inproc://#{unique('binary')}")
    b = @ctx.socket(ZMQ::PAIR)
    b.connect(endpoint)
    a.send("\xff\x00é".b)
    got = b.recv
    assert_equal Encoding::BINARY, got.encoding
    assert_equal "\xff\x00é".b, got
  end
end

# XPUB/XSUB subscriptions and STREAM's raw TCP, on the zmq gem's API.
class TestMorePatterns < Minitest::Test
  include FerroMQTestHelpers

  def setup
    @ctx = ZMQ::Context.new(1)
  end

  def teardown
    @ctx.terminate
  end

  def test_xpub_sees_subscriptions_and_xsub_sends_them
    xpub = @ctx.socket(ZMQ::XPUB)
    endpoint = bind(xpub, "tcp://127.0.0.1:*")
    xsub = @ctx.socket(ZMQ::XSUB)
    xsub.connect(endpoint)
    xsub.send("\x01topic".b)
    assert_equal "\x01topic".b, xpub.recv
    xpub.send("topic data")
    assert_equal "topic data", Timeout.timeout(5) { xsub.recv }
    xsub.send("\x00topic".b)
    assert_equal "\x00topic".b, xpub.recv
  end

  def test_stream_talks_raw_tcp
    stream = @ctx.socket(ZMQ::STREAM)
    endpoint = bind(stream, "tcp://127.0.0.1:*")
    port = Integer(endpoint.split(":").last)
    client = TCPSocket.new("127.0.0.1", port)
    id = stream.recv
    assert_equal "", stream.recv, "the connection is announced"
    client.write("ping")
    assert_equal id, stream.recv
    assert_equal "ping", stream.recv
    stream.send(id, ZMQ::SNDMORE)
    stream.send("pong")
    assert_equal "pong", client.readpartial(4)
    client.close
  end
end
require "socket"
