# frozen_string_literal: true

# A small Fiber scheduler (Ruby 3's Fiber::Scheduler interface) for the tests: fibers that
# wait on IO or sleep give way to the others; one IO.select runs the loop. It stands for
# what the `async` gem provides (not in Debian).
class TestFiberScheduler
  def initialize
    @readable = {}
    @writable = {}
    @sleeping = {}
    @blocked = 0
    @ready = Queue.new
    @wake_read, @wake_write = IO.pipe
  end

  def fiber(&block)
    fiber = Fiber.new(blocking: false, &block)
    fiber.resume
    fiber
  end

  def io_wait(io, events, timeout)
    fiber = Fiber.current
    @readable[io] = fiber if events.anybits?(IO::READABLE)
    @writable[io] = fiber if events.anybits?(IO::WRITABLE)
    @sleeping[fiber] = now + timeout if timeout
    Fiber.yield
  ensure
    @readable.delete(io)
    @writable.delete(io)
    @sleeping.delete(fiber)
  end

  def kernel_sleep(duration = nil)
    @sleeping[Fiber.current] = now + duration if duration
    Fiber.yield
    true
  ensure
    @sleeping.delete(Fiber.current)
  end

  def block(_blocker, timeout = nil)
    @blocked += 1
    @sleeping[Fiber.current] = now + timeout if timeout
    Fiber.yield
  ensure
    @blocked -= 1
    @sleeping.delete(Fiber.current)
  end

  def unblock(_blocker, fiber)
    @ready << fiber
    @wake_write.write_nonblock(".", exception: false)
  end

  def close
    run
    @wake_read.close
    @wake_write.close
  end

  private

  def now
    Process.clock_gettime(Process::CLOCK_MONOTONIC)
  end

  def run
    until @readable.empty? && @writable.empty? && @sleeping.empty? && @blocked.zero? && @ready.empty?
      timeout = @sleeping.values.min&.then { |at| [at - now, 0].max }
      readable, writable, = IO.select(@readable.keys + [@wake_read], @writable.keys, [], timeout)
      @wake_read.read_nonblock(64, exception: false) if readable&.delete(@wake_read)
      ready = (readable || []).map { |io| @readable[io] } + (writable || []).map { |io| @writable[io] }
      ready += @sleeping.select { |_, at| at <= now }.keys
      ready << @ready.pop until @ready.empty?
      ready.compact.uniq.each { |fiber| fiber.resume if fiber.alive? }
    end
  end
end
