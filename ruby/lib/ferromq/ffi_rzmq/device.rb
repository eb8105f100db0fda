# frozen_string_literal: true

module ZMQ
  # ffi-rzmq's ZMQ::Device: `Device.new(frontend, backend, capture = nil)` runs zmq_proxy
  # between the two sockets, in the calling thread, until a socket is closed or the context
  # terminated (Thread#kill and Ctrl-C interrupt it).
  class Device
    attr_reader :frontend, :backend, :capture

    def self.create(frontend, backend, capture = nil)
      new(frontend, backend, capture)
    rescue ArgumentError, ZMQ::Error
      nil
    end

    def initialize(frontend, backend, capture = nil)
      [frontend, backend].each do |socket|
        raise ArgumentError, "a Device needs two sockets, got #{socket.class}" unless socket.is_a?(Socket)
      end
      @frontend = frontend
      @backend = backend
      @capture = capture
      FerroMQ.proxy(frontend.native, backend.native, capture&.native)
    end
  end
end
