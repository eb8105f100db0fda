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
  #   server's ZAP domain ("*": servers without one); the user id is the username;
  # * CURVE: the client's public key must be among the certificates `configure_curve` read
  #   for the server's ZAP domain, unless it was given CURVE_ALLOW_ANY; the user id is the
  #   key in Z85.
  #
  # Changes apply to the next handshake.
  class Authenticator
    # For configure_curve: let in every CURVE client (encryption without authentication);
    # pyzmq's zmq.auth.CURVE_ALLOW_ANY, whose value "*" is accepted too.
    CURVE_ALLOW_ANY = :any

    attr_reader :context

    # Writes a new CURVE key pair in the directory `key_dir` as czmq's certificate files:
    # `<name>.key` (the public key, for the servers' certificate directories) and
    # `<name>.key_secret` (both keys, readable by its owner only). Returns their paths,
    # [public_file, secret_file], as pyzmq's zmq.auth.create_certificates.
    def self.create_certificates(key_dir, name)
      FerroMQ.create_certificates(path_arg(key_dir, "a directory"), text_arg(name, "a name"))
    end

    # A certificate file's keys, [public, secret or nil], Z85 (pyzmq's load_certificate).
    def self.load_certificate(filename)
      FerroMQ.load_certificate(path_arg(filename, "a certificate file"))
    end

    # The public keys of the `*.key` certificates in `directory`, as { key => true }
    # (pyzmq's load_certificates); files that do not parse are skipped.
    def self.load_certificates(directory = ".")
      directory = path_arg(directory, "a directory")
      Dir.children(directory).select { |name| name.end_with?(".key") }.sort.each_with_object({}) do |name, keys|
        public_key, = load_certificate(File.join(directory, name))
        keys[public_key] = true
      rescue ZMQ::Error
        next
      end
    end

    def self.path_arg(value, what)
      File.path(value)
    rescue TypeError
      raise TypeError, "#{what} must be a String or a Pathname, not #{value.class}"
    end

    def self.text_arg(value, what)
      value = value.to_s if value.is_a?(Symbol)
      raise TypeError, "#{what} must be a String, not #{value.class}" unless value.is_a?(String)

      utf8 = value.encoding == Encoding::UTF_8 ? value : value.dup.force_encoding(Encoding::UTF_8)
      raise ArgumentError, "#{what} must be UTF-8 text, got #{value.inspect}" unless utf8.valid_encoding?

      utf8
    end
    private_class_method :path_arg, :text_arg

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

    # The CURVE clients of `domain` ("*": servers without a ZAP domain): those whose public
    # certificates (`*.key`, as create_certificates writes them) are in the directory
    # `location`, read now, replacing what was configured for that domain before; or, with
    # CURVE_ALLOW_ANY, every client of every domain. As pyzmq's configure_curve:
    #
    #   auth.configure_curve("*", "certs/clients")
    #   auth.configure_curve(ZMQ::Authenticator::CURVE_ALLOW_ANY)
    #
    # Raises ZMQ::Error (errno ZMQ::ENOENT…) if the directory cannot be read.
    def configure_curve(domain = "*", location)
      domain = text(domain, "a domain")
      if [CURVE_ALLOW_ANY, "*"].include?(location)
        @native.allow_any_curve
      else
        @native.configure_curve(domain, self.class.send(:path_arg, location, "a certificate directory"))
      end
      nil
    end

    private

    def text(value, what)
      self.class.send(:text_arg, value, what)
    end
  end
end
