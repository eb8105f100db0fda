# frozen_string_literal: true

# Shared by the tests: FerroMQ from this directory's lib/ (the native extension built by
# `make test-ruby`), minitest, and helpers.
$LOAD_PATH.unshift File.expand_path("../lib", __dir__)
require "minitest/autorun"
require "ferromq"
require "timeout"
require "tmpdir"
require "rbconfig"

module FerroMQTestHelpers
  @@counter = 0

  def unique(prefix)
    @@counter += 1
    "#{prefix}-#{Process.pid}-#{@@counter}"
  end

  def ipc_endpoint
    "ipc://#{Dir.tmpdir}/#{unique('ferromq-ruby')}.sock"
  end

  def endpoints
    { "tcp" => "tcp://127.0.0.1:*", "ipc" => ipc_endpoint, "inproc" => "inproc://#{unique('inproc')}" }
  end

  # Binds `socket` and returns the endpoint peers connect to.
  def bind(socket, endpoint)
    socket.bind(endpoint)
    socket.getsockopt(ZMQ::LAST_ENDPOINT)
  end
end
