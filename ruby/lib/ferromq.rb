# frozen_string_literal: true

# FerroMQ for Ruby: ØMQ on FerroMQ's Rust core, with the `zmq` gem's API (module ZMQ).
# `require "ferromq"` (or `require "zmq"`, as the talk's code does) is all it takes.
require_relative "ferromq/constants"
require_relative "ferromq/error"
require_relative "ferromq/version"
require "ferromq/ferromq_native"
require_relative "ferromq/socket"
require_relative "ferromq/context"
