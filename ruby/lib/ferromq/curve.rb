# frozen_string_literal: true

module ZMQ
  # CURVE (RFC 26) keys, where ffi-rzmq has them (ZMQ::Util); on the `zmq` gem's surface
  # too, which has nothing for CURVE.
  module Util
    # A new CURVE key pair, [public, secret]: 40 Z85 characters each, as
    # zmq_curve_keypair writes them. Give them to setsockopt(ZMQ::CURVE_PUBLICKEY…) as
    # they are (32 raw bytes work as well).
    def self.curve_keypair
      FerroMQ.curve_keypair
    end
  end
end
