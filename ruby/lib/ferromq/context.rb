# frozen_string_literal: true

module ZMQ
  # A ØMQ context, as the `zmq` gem's: `ZMQ::Context.new(io_threads)`, `#socket(type)`,
  # `#terminate`. Ruby-style too: `ctx.socket(:sub, subscribe: "")` and a block form that
  # closes the socket at the end of the block.
  class Context
    def initialize(io_threads = 1)
      unless io_threads.is_a?(Integer)
        raise TypeError, "io_threads must be an Integer, not #{io_threads.class}"
      end

      @native = FerroMQ::NativeContext.new(io_threads)
    end

    def socket(type, **options)
      type = socket_type(type)
      socket = Socket.new(@native.socket(type), type)
      options.each { |name, value| socket.setsockopt(option_number(name), value) }
      return socket unless block_given?

      begin
        yield socket
      ensure
        socket.close
      end
    end

    # The extension's context (FerroMQ's own, for ZMQ::Authenticator).
    def native
      @native
    end

    # Closes the sockets still open and waits for what they queued (within their LINGER).
    def terminate
      @native.terminate
      nil
    end
    alias close terminate

    private

    def socket_type(type)
      return type if type.is_a?(Integer)
      if type.is_a?(Symbol) || type.is_a?(String)
        name = type.to_s.upcase
        return ZMQ.const_get(name) if SOCKET_TYPES.include?(name)

        raise ArgumentError, "#{type.inspect} is not a socket type (#{SOCKET_TYPES.join(', ')})"
      end
      raise TypeError, "a socket type must be an Integer or a Symbol, not #{type.class}"
    end

    def option_number(name)
      constant = name.to_s.upcase
      value = ZMQ.const_get(constant) if ZMQ.const_defined?(constant)
      return value if value.is_a?(Integer)

      raise ArgumentError, "#{name.inspect} is not a socket option"
    end

    SOCKET_TYPES = %w[PAIR PUB SUB REQ REP DEALER ROUTER PULL PUSH XPUB XSUB STREAM
                      XREQ XREP UPSTREAM DOWNSTREAM].freeze
  end
end
