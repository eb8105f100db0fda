# frozen_string_literal: true

require "io/wait"

module FerroMQ
  # Blocking sends and receives inside a non-blocking Fiber (Ruby 3's Fiber scheduler, as
  # the `async` style uses): instead of blocking the thread, the fiber waits on the
  # socket's readiness IO through the scheduler, so other fibers run meanwhile.
  module FiberWait
    module_function

    # Whether the calling fiber runs under a scheduler that wants non-blocking waits.
    def scheduled?
      !Fiber.scheduler.nil? && !Fiber.current.blocking?
    end

    # Retries `attempt` (a non-blocking try: nil or false when it could not act now) until
    # it acts, waiting on `io` between tries. ZMQ_FD only says that the socket's state may
    # have changed, so ZMQ_EVENTS is checked before each wait. `timeout_ms` (-1: none) is
    # the socket's RCVTIMEO or SNDTIMEO: after it, the last try's result is returned.
    def until_done(native, io, event, timeout_ms)
      deadline = timeout_ms.negative? ? nil : Process.clock_gettime(Process::CLOCK_MONOTONIC) + timeout_ms / 1000.0
      loop do
        result = yield
        return result if result
        next if native.events & event != 0

        left = deadline && deadline - Process.clock_gettime(Process::CLOCK_MONOTONIC)
        return result if left && left <= 0

        io.wait_readable(left)
      end
    end
  end
end
