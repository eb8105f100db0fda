# frozen_string_literal: true

module ZMQ
  # ffi-rzmq's ZMQ::Socket: every call returns a result code (>= 0 on success, -1 with
  # ZMQ::Util.errno set on failure); received data goes into the String or Array given.
  class Socket
    attr_reader :name

    def self.create(context, type)
      context.socket(type)
    rescue ZMQ::Error
      nil
    end

    def initialize(native, type)
      @native = native
      @name = type
    end

    def native
      @native
    end

    %i[bind connect unbind disconnect].each do |call|
      define_method(call) do |endpoint|
        raise TypeError, "an endpoint must be a String, not #{endpoint.class}" unless endpoint.is_a?(String)

        Util.result_code { @native.public_send(call, endpoint) || 0 }
      end
    end

    def setsockopt(option, value, _length = nil)
      Util.result_code do
        if BINARY_OPTIONS.include?(option)
          @native.set_bytes(option, value.to_s)
        else
          value = 1 if value == true
          value = 0 if value == false
          raise TypeError, "option #{option} takes an Integer, not #{value.class}" unless value.is_a?(Integer)

          @native.set_int(option, value)
        end
        0
      end
    end

    # Puts the option's value in array[0].
    def getsockopt(option, array)
      Util.result_code do
        array[0] = @native.get(option)
        0
      end
    end

    def send_string(string, flags = 0)
      send_frame(string.to_s, flags)
    end

    def sendmsg(message, flags = 0)
      send_frame(message.data, flags)
    end

    def send_and_close(message, flags = 0)
      rc = sendmsg(message, flags)
      message.close
      rc
    end

    # Every part but the last with SNDMORE.
    def send_strings(parts, flags = 0)
      send_parts(parts.map(&:to_s), flags)
    end

    def sendmsgs(messages, flags = 0)
      send_parts(messages.map(&:data), flags)
    end

    # Replaces `string`'s contents with the frame received.
    def recv_string(string, flags = 0)
      rc, frame = recv_frame(flags)
      string.replace(frame) if frame
      rc
    end

    def recvmsg(message, flags = 0)
      rc, frame = recv_frame(flags)
      message.copy_in_string(frame) if frame
      rc
    end

    # Appends every frame of the next message to `list`.
    def recv_strings(list, flags = 0)
      recv_parts(flags) { |frame| list << frame }
    end

    def recvmsgs(list, flags = 0)
      recv_parts(flags) { |frame| list << Message.new(frame) }
    end

    # A ROUTER's message: the frames up to the empty delimiter go to `routing_envelope`
    # (the delimiter too), the body's frames to `list`, as ZMQ::Message objects.
    def recv_multipart(list, routing_envelope, flags = 0)
      parts = []
      rc = recvmsgs(parts, flags)
      return rc unless Util.resultcode_ok?(rc)

      delimiter = parts.index { |part| part.size.zero? }
      if delimiter
        routing_envelope.concat(parts[0..delimiter])
        list.concat(parts[(delimiter + 1)..])
      else
        list.concat(parts)
      end
      rc
    end

    def more_parts?
      @native.more?
    end

    def identity
      @native.get(ZMQ::IDENTITY)
    end

    def identity=(value)
      setsockopt(ZMQ::IDENTITY, value.to_s)
    end

    def close
      @native.close
      0
    end

    private

    def send_frame(data, flags)
      Util.result_code do
        @native.send_frame(data, flags) ? data.bytesize : Util.again
      end
    end

    def send_parts(parts, flags)
      return Util.again if parts.empty?

      parts.each_with_index do |part, i|
        more = i < parts.size - 1 ? ZMQ::SNDMORE : 0
        rc = send_frame(part, flags | more)
        return rc unless Util.resultcode_ok?(rc)
      end
      0
    end

    def recv_frame(flags)
      frame = nil
      rc = Util.result_code do
        frame = @native.recv_frame(flags)
        frame ? frame.bytesize : Util.again
      end
      [rc, frame]
    end

    def recv_parts(flags)
      loop do
        rc, frame = recv_frame(flags)
        return rc unless Util.resultcode_ok?(rc)

        yield frame
        return 0 unless more_parts?
      end
    end
  end
end
