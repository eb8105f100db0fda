# The `zmq` gem's API (rbzmq, which the Chartboost talk's server.rb and client.rb use) over
# ffi-rzmq, the Ruby binding Debian ships: `require 'zmq'` then ZMQ::Context.new(1),
# context.socket(ZMQ::PUB), socket.send(string[, flags]) and socket.recv([flags]) -> String,
# or nil when ZMQ::NOBLOCK finds nothing. rbzmq itself is a C extension that is in neither
# Debian nor reachable here; this keeps the talk's code as it was written.
require 'ffi-rzmq'

module ZMQ
  NOBLOCK = DONTWAIT unless const_defined?(:NOBLOCK)

  class Socket
    # rbzmq's send: raises on error (ffi-rzmq returns a code), true when queued.
    def send(message, flags = 0)
      rc = send_string(message.to_s, flags)
      return true if Util.resultcode_ok?(rc)
      return false if Util.errno == EAGAIN
      raise "zmq send failed: #{Util.error_string}"
    end

    # rbzmq's recv: the message as a String; nil if NOBLOCK and nothing is waiting.
    def recv(flags = 0)
      message = String.new
      rc = recv_string(message, flags)
      return message if Util.resultcode_ok?(rc)
      return nil if Util.errno == EAGAIN
      raise "zmq recv failed: #{Util.error_string}"
    end
  end
end
