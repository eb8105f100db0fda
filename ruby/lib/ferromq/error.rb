# frozen_string_literal: true

module ZMQ
  # A ØMQ error: `errno` is libzmq's number (ZMQ::EAGAIN, ZMQ::EFSM…), the message says
  # what was wrong.
  class Error < StandardError
    attr_reader :errno

    def initialize(message = nil, errno = nil)
      super(message)
      @errno = errno
    end
  end

  # Raised for a socket or context used after it was closed or terminated.
  class ContextError < Error; end
  class SocketError < Error; end
end
