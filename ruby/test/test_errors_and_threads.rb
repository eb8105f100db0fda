# frozen_string_literal: true

require_relative "helper"

# Wrong arguments raise TypeError/ArgumentError saying what was wrong; ØMQ errors raise
# ZMQ::Error with libzmq's errno. Blocking calls let other threads run and are interrupted
# by Thread#kill, Thread#raise and Timeout.
class TestErrorsAndThreads < Minitest::Test
  include FerroMQTestHelpers

  def setup
    @ctx = ZMQ::Context.new(1)
  end

  def teardown
    @ctx.terminate
  end

  def test_wrong_arguments
    socket = @ctx.socket(ZMQ::PAIR)
    assert_match(/endpoint must be a String, not Integer/, assert_raises(TypeError) { socket.bind(5) }.message)
    assert_match(/message must be a String/, assert_raises(TypeError) { socket.send(:sym) }.message)
    assert_match(/flags must be an Integer/, assert_raises(TypeError) { socket.recv("x") }.message)
    assert_match(/takes a String/, assert_raises(TypeError) { socket.setsockopt(ZMQ::SUBSCRIBE, 1) }.message)
    assert_match(/takes an Integer/, assert_raises(TypeError) { socket.setsockopt(ZMQ::LINGER, "1") }.message)
    assert_match(/not a socket type/, assert_raises(ArgumentError) { @ctx.socket(:nope) }.message)
    assert_match(/not a socket option/, assert_raises(ArgumentError) { @ctx.socket(:sub, nope: 1) }.message)
    assert_raises(TypeError) { ZMQ::Context.new("1") }
    assert_raises(ArgumentError) { ZMQ::Context.new(-1) }
  end

  def test_zmq_errors_carry_errno
    socket = @ctx.socket(ZMQ::PAIR)
    { "foo" => ZMQ::EINVAL, "bogus://x" => ZMQ::EPROTONOSUPPORT }.each do |endpoint, errno|
      error = assert_raises(ZMQ::Error) { socket.bind(endpoint) }
      assert_equal errno, error.errno, endpoint
    end
    other = @ctx.socket(ZMQ::PAIR)
    other.bind("inproc://#{unique('taken')}")
    taken = other.getsockopt(ZMQ::LAST_ENDPOINT)
    assert_equal ZMQ::EADDRINUSE, assert_raises(ZMQ::Error) { socket.bind(taken) }.errno
    assert_equal ZMQ::ENOENT, assert_raises(ZMQ::Error) { socket.unbind("tcp://127.0.0.1:1") }.errno
    rep = @ctx.socket(ZMQ::REP)
    assert_equal ZMQ::EFSM, assert_raises(ZMQ::Error) { rep.send("too early") }.errno
    socket.close
    assert_equal ZMQ::ENOTSOCK, assert_raises(ZMQ::Error) { socket.recv }.errno
  end

  def test_noblock_and_timeouts_give_nil_and_false
    pull = @ctx.socket(ZMQ::PULL, rcvtimeo: 50)
    pull.bind("inproc://#{unique('empty')}")
    assert_nil pull.recv(ZMQ::NOBLOCK)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_nil pull.recv
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :>=, 0.04
    push = @ctx.socket(ZMQ::PUSH, sndtimeo: 50)
    push.connect("inproc://#{unique('nobody')}")
    push.setsockopt(ZMQ::SNDHWM, 1)
    assert push.send("first", ZMQ::NOBLOCK)
    refute push.send("second", ZMQ::NOBLOCK)
    refute push.send("third")
  end

  def test_a_blocked_recv_lets_other_threads_run
    pull = @ctx.socket(ZMQ::PULL)
    endpoint = "inproc://#{unique('gvl')}"
    pull.bind(endpoint)
    receiver = Thread.new { pull.recv }
    ticks = 0
    deadline = Process.clock_gettime(Process::CLOCK_MONOTONIC) + 0.3
    ticks += 1 while Process.clock_gettime(Process::CLOCK_MONOTONIC) < deadline
    assert_operator ticks, :>, 1000, "the main thread ran while the other waited"
    push = @ctx.socket(ZMQ::PUSH)
    push.connect(endpoint)
    push.send("wake up")
    assert_equal "wake up", receiver.value
  end

  def test_kill_raise_and_timeout_interrupt_a_blocked_recv
    pull = @ctx.socket(ZMQ::PULL)
    pull.bind("inproc://#{unique('interrupt')}")
    killed = Thread.new { pull.recv }
    sleep 0.1
    killed.kill
    assert killed.join(2), "Thread#kill ends the blocked recv"

    raised = Thread.new { pull.recv }
    raised.report_on_exception = false
    sleep 0.1
    raised.raise(RuntimeError, "stop")
    assert_raises(RuntimeError) { raised.join(2) }

    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_raises(Timeout::Error) { Timeout.timeout(0.2) { pull.recv } }
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, 1.5
  end

  def test_readiness_io_works_with_io_select
    pull = @ctx.socket(ZMQ::PULL)
    endpoint = "inproc://#{unique('select')}"
    pull.bind(endpoint)
    push = @ctx.socket(ZMQ::PUSH)
    push.connect(endpoint)
    Thread.new { sleep 0.1; push.send("ready") }
    received = nil
    Timeout.timeout(5) do
      until received
        IO.select([pull.to_io], nil, nil, 1)
        received = pull.recv(ZMQ::NOBLOCK) if pull.getsockopt(ZMQ::EVENTS) & ZMQ::POLLIN != 0
      end
    end
    assert_equal "ready", received
  end

  def test_block_form_closes_the_socket_and_each_enumerates
    kept = nil
    @ctx.socket(:pair) { |socket| kept = socket }
    assert kept.closed?
    pull = @ctx.socket(ZMQ::PULL)
    endpoint = "inproc://#{unique('each')}"
    pull.bind(endpoint)
    push = @ctx.socket(ZMQ::PUSH)
    push.connect(endpoint)
    3.times { |i| push.send("m#{i}") }
    assert_equal %w[m0 m1 m2], pull.each.first(3)
  end
end

require_relative "fiber_scheduler"

# Under a Fiber scheduler, a blocking recv or send waits through the scheduler (on the
# socket's readiness IO): the thread is not blocked, so the thread's other fibers run.
class TestUnderAFiberScheduler < Minitest::Test
  include FerroMQTestHelpers

  def test_recv_in_a_fiber_lets_the_other_fibers_run
    ctx = ZMQ::Context.new(1)
    pull = ctx.socket(ZMQ::PULL)
    endpoint = "inproc://#{unique('fibers')}"
    pull.bind(endpoint)
    push = ctx.socket(ZMQ::PUSH, sndhwm: 2)
    push.connect(endpoint)
    order = []
    received = []
    worker = Thread.new do
      Fiber.set_scheduler(TestFiberScheduler.new)
      Fiber.schedule do
        order << :receiving
        20.times { received << pull.recv }
        order << :received
      end
      Fiber.schedule do
        order << :sending
        20.times do |i|
          sleep 0.005 if i == 10 # a scheduler sleep in the middle
          push.send("m#{i}")     # waits through the scheduler at SNDHWM
        end
        order << :sent
      end
    end
    assert worker.join(10), "the fibers finished (a recv that blocked the thread would hang)"
    assert_equal (0...20).map { |i| "m#{i}" }, received
    assert_equal %i[receiving sending], order.first(2)
    ctx.terminate
  end

  def test_rcvtimeo_holds_under_the_scheduler
    ctx = ZMQ::Context.new(1)
    pull = ctx.socket(ZMQ::PULL, rcvtimeo: 100)
    pull.bind("inproc://#{unique('fiber-timeout')}")
    result = :unset
    worker = Thread.new do
      Fiber.set_scheduler(TestFiberScheduler.new)
      Fiber.schedule { result = pull.recv }
    end
    assert worker.join(5)
    assert_nil result
    ctx.terminate
  end
end

# Ctrl-C (SIGINT) interrupts a recv blocked in the main thread of a Ruby process: Interrupt
# is raised there, as for any blocking call.
class TestCtrlC < Minitest::Test
  def test_sigint_interrupts_a_blocked_recv
    script = <<~RUBY
      $LOAD_PATH.unshift #{File.expand_path('../lib', __dir__).inspect}
      require "ferromq"
      ctx = ZMQ::Context.new(1)
      pull = ctx.socket(ZMQ::PULL)
      pull.bind("inproc://ctrl-c")
      $stdout.puts "waiting"
      $stdout.flush
      begin
        pull.recv
      rescue Interrupt
        puts "interrupted"
      end
      ctx.terminate
    RUBY
    IO.popen([RbConfig.ruby, "-e", script], err: %i[child out]) do |io|
      assert_equal "waiting", io.gets&.chomp
      sleep 0.2
      Process.kill("INT", io.pid)
      assert_equal "interrupted", Timeout.timeout(5) { io.gets&.chomp }
    end
    assert $?.success?
  end
end
