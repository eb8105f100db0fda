# frozen_string_literal: true

module ZMQ
  # ffi-rzmq's ZMQ::Context: `Context.new` (or `Context.new(io_threads)`,
  # `Context.new(io_threads: 2)`), `#socket(type)`, `#terminate`.
  class Context
    def self.create(*args)
      new(*args)
    rescue ZMQ::Error
      nil
    end

    def initialize(options = {})
      io_threads = options.is_a?(Hash) ? options.fetch(:io_threads, 1) : options
      unless io_threads.is_a?(Integer)
        raise TypeError, "io_threads must be an Integer, not #{io_threads.class}"
      end

      @native = FerroMQ::NativeContext.new(io_threads)
    end

    def socket(type)
      Socket.new(@native.socket(type), type)
    end

    # The extension's context (FerroMQ's own, for ZMQ::Authenticator).
    def native
      @native
    end

    def terminate
      @native.terminate
      0
    end
  end
end
