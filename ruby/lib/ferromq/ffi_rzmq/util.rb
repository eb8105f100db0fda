# frozen_string_literal: true

module ZMQ
  # ffi-rzmq's ZMQ::Util: the last error of the calling thread, as zmq_errno.
  module Util
    def self.errno
      Thread.current[:ferromq_errno] || 0
    end

    def self.error_string
      Thread.current[:ferromq_error_string] || ""
    end

    def self.resultcode_ok?(rc)
      rc >= 0
    end

    # Runs a native call: its value, or -1 with errno set when it raises ZMQ::Error.
    def self.result_code
      yield
    rescue ZMQ::Error => e
      Thread.current[:ferromq_errno] = e.errno
      Thread.current[:ferromq_error_string] = e.message
      -1
    end

    # EAGAIN as a failed call (a send or receive that could not be done now).
    def self.again
      Thread.current[:ferromq_errno] = ZMQ::EAGAIN
      Thread.current[:ferromq_error_string] = "Resource temporarily unavailable"
      -1
    end
  end
end
