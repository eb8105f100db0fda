# frozen_string_literal: true

module ZMQ
  # A ØMQ socket with the `zmq` gem's API: `send` returns false and `recv` nil when nothing
  # can be done now (EAGAIN); other ØMQ errors raise ZMQ::Error. Blocking calls let other
  # threads run and can be interrupted (Thread#kill, Timeout, Ctrl-C).
  class Socket
    attr_reader :type

    # Made by Context#socket.
    def initialize(native, type)
      @native = native
      @type = type
    end

    def bind(endpoint)
      @native.bind(endpoint_arg(endpoint))
      nil
    end

    def connect(endpoint)
      @native.connect(endpoint_arg(endpoint))
      nil
    end

    def unbind(endpoint)
      @native.unbind(endpoint_arg(endpoint))
      nil
    end

    def disconnect(endpoint)
      @native.disconnect(endpoint_arg(endpoint))
      nil
    end

    # Sends one frame (SNDMORE: more follow): true once queued, false if it could not be
    # now (NOBLOCK, or SNDTIMEO expired).
    def send(message, flags = 0)
      unless message.is_a?(String)
        raise TypeError, "a message must be a String, not #{message.class}"
      end
      flags = flags_arg(flags)
      return @native.send_frame(message, flags) unless waits_in_fiber?(flags)

      FerroMQ::FiberWait.until_done(@native, to_io, POLLOUT, getsockopt(SNDTIMEO)) do
        @native.send_frame(message, flags | DONTWAIT)
      end
    end

    # Receives one frame as a binary String; nil if none came (NOBLOCK, or RCVTIMEO).
    def recv(flags = 0)
      flags = flags_arg(flags)
      return @native.recv_frame(flags) unless waits_in_fiber?(flags)

      FerroMQ::FiberWait.until_done(@native, to_io, POLLIN, getsockopt(RCVTIMEO)) do
        @native.recv_frame(flags | DONTWAIT)
      end
    end

    # Whether more frames of the message being received are to come (ZMQ_RCVMORE).
    def more_parts?
      @native.more?
    end

    # Sets an option: an Integer (true/false for flags) or a String for the binary ones.
    def setsockopt(option, value)
      option = option_arg(option)
      if BINARY_OPTIONS.include?(option)
        unless value.is_a?(String)
          raise TypeError, "option #{option} takes a String, not #{value.class}"
        end
        @native.set_bytes(option, value)
      else
        value = 1 if value == true
        value = 0 if value == false
        unless value.is_a?(Integer)
          raise TypeError, "option #{option} takes an Integer, not #{value.class}"
        end
        @native.set_int(option, value)
      end
      nil
    end

    def getsockopt(option)
      @native.get(option_arg(option))
    end

    # Every message received, frame by frame, for as long as the socket is open.
    def each
      return enum_for(:each) unless block_given?

      until closed?
        frame = recv
        yield frame unless frame.nil?
      end
    rescue ZMQ::Error => e
      raise unless closed? || e.errno == ETERM
    end

    def close
      @native.close
      nil
    end

    def closed?
      @native.closed?
    end

    # An IO that becomes readable when the socket's readiness may have changed (ZMQ_FD):
    # wait on it with IO.select or a fiber scheduler, then check `getsockopt(ZMQ::EVENTS)`.
    def to_io
      @to_io ||= IO.for_fd(@native.fd, autoclose: false)
    end

    private

    # A blocking call in a fiber under a Fiber scheduler waits through the scheduler.
    def waits_in_fiber?(flags)
      flags & DONTWAIT == 0 && FerroMQ::FiberWait.scheduled?
    end

    def endpoint_arg(endpoint)
      return endpoint if endpoint.is_a?(String)

      raise TypeError, "an endpoint must be a String, not #{endpoint.class}"
    end

    def flags_arg(flags)
      return flags if flags.is_a?(Integer)

      raise TypeError, "flags must be an Integer (ZMQ::NOBLOCK, ZMQ::SNDMORE), not #{flags.class}"
    end

    def option_arg(option)
      return option if option.is_a?(Integer)

      raise TypeError, "an option must be an Integer (ZMQ::LINGER…), not #{option.class}"
    end
  end
end
