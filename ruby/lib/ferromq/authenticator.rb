# frozen_string_literal: true

module ZMQ
  # ZAP authentication (RFC 27) for a context's servers, shaped like pyzmq's
  # zmq.auth.thread.ThreadAuthenticator (neither the zmq gem nor ffi-rzmq has one):
  #
  #   auth = ZMQ::Authenticator.new(ctx)
  #   auth.start
  #   auth.configure_plain("*", "admin" => "secret")
  #   server = ctx.socket(ZMQ::PULL)
  #   server.setsockopt(ZMQ::PLAIN_SERVER, 1)
  #
  # Once started it answers every ZAP request of the context's servers (PLAIN servers, and
  # NULL servers with a ZAP_DOMAIN) on a thread of FerroMQ's core: no Ruby code runs per
  # request, and the GVL plays no part. The policy:
  #
  # * `allow(*addresses)`: only these IP addresses get in (the other checks still apply);
  #   `deny(*addresses)`: these are kept out (ignored while an allow list exists);
  # * NULL: every address not kept out gets in, as user "anonymous";
  # * PLAIN: the username and password must be among those `configure_plain` gave for the
  #   server's ZAP domain ("*": servers without one); the user id is the username.
  #
  # Changes apply to the next handshake. CURVE is not in FerroMQ yet (issue 25): CURVE
  # requests are refused.
  class Authenticator
    attr_reader :context

    def initialize(context)
      unless context.is_a?(ZMQ::Context)
        raise TypeError, "an Authenticator needs a ZMQ::Context, not #{context.class}"
      end

      @context = context
      @native = FerroMQ::NativeAuthenticator.new(context.native)
    end

    # Binds inproc://zeromq.zap.01 in the context and starts answering. Raises ZMQ::Error
    # (errno ZMQ::EADDRINUSE) if another handler is bound there; nothing if this one is
    # running already.
    def start
      @native.start
      nil
    end

    # Stops answering and frees inproc://zeromq.zap.01.
    def stop
      @native.stop
      nil
    end

    # Whether it is answering.
    def alive?
      @native.running?
    end

    # Lets only these IP addresses in (added to those allowed before).
    def allow(*addresses)
      @native.allow(addresses.map { |address| text(address, "an address") })
      nil
    end

    # Keeps these IP addresses out.
    def deny(*addresses)
      @native.deny(addresses.map { |address| text(address, "an address") })
      nil
    end

    # The PLAIN users of `domain` ("*": servers without a ZAP domain), as
    # `{ username => password }`; replaces what was configured for that domain before.
    def configure_plain(domain = "*", passwords = {})
      raise TypeError, "passwords must be a Hash, not #{passwords.class}" unless passwords.is_a?(Hash)

      users = passwords.to_h { |user, password| [text(user, "a username"), text(password, "a password")] }
      @native.configure_plain(text(domain, "a domain"), users)
      nil
    end

    private

    def text(value, what)
      value = value.to_s if value.is_a?(Symbol)
      raise TypeError, "#{what} must be a String, not #{value.class}" unless value.is_a?(String)

      utf8 = value.encoding == Encoding::UTF_8 ? value : value.dup.force_encoding(Encoding::UTF_8)
      raise ArgumentError, "#{what} must be UTF-8 text, got #{value.inspect}" unless utf8.valid_encoding?

      utf8
    end
  end
end
