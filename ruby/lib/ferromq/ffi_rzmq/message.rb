# frozen_string_literal: true

module ZMQ
  # ffi-rzmq's ZMQ::Message: one frame's bytes.
  class Message
    def initialize(message = nil)
      @data = message.nil? ? "".b : message.to_s.b
    end

    def copy_in_string(string)
      @data = string.to_s.b
      0
    end

    def copy_out_string
      @data.dup
    end

    def data
      @data
    end

    def size
      @data.bytesize
    end

    def close
      0
    end
  end
end
