# frozen_string_literal: true

module ZMQ
  # ffi-rzmq's ZMQ::Poller (zmq_poll over registered sockets): `poll(timeout_ms)` returns
  # how many are ready (-1 on error), then `readables` and `writables` list them.
  class Poller
    attr_reader :readables, :writables

    def initialize
      @items = {}
      @readables = []
      @writables = []
    end

    def register(socket, events = ZMQ::POLLIN | ZMQ::POLLOUT)
      return false if socket.nil? || events.zero?

      @items[socket] = (@items[socket] || 0) | events
    end

    def register_readable(socket)
      register(socket, ZMQ::POLLIN)
    end

    def register_writable(socket)
      register(socket, ZMQ::POLLOUT)
    end

    def deregister(socket, events = ZMQ::POLLIN | ZMQ::POLLOUT)
      return false unless @items.key?(socket)

      remaining = @items[socket] & ~events
      remaining.zero? ? @items.delete(socket) : @items[socket] = remaining
      true
    end

    def deregister_readable(socket)
      deregister(socket, ZMQ::POLLIN)
    end

    def deregister_writable(socket)
      deregister(socket, ZMQ::POLLOUT)
    end

    def size
      @items.size
    end

    # `timeout`: milliseconds, or :blocking / -1 to wait for ever.
    def poll(timeout = :blocking)
      timeout = -1 if timeout == :blocking
      sockets = @items.keys
      Util.result_code do
        revents = FerroMQ.poll(sockets.map(&:native), @items.values, timeout)
        @readables = sockets.each_index.select { |i| revents[i] & ZMQ::POLLIN != 0 }.map { |i| sockets[i] }
        @writables = sockets.each_index.select { |i| revents[i] & ZMQ::POLLOUT != 0 }.map { |i| sockets[i] }
        revents.count(&:positive?)
      end
    end

    # Polls without waiting.
    def poll_nonblock
      poll(0)
    end
  end
end
