# frozen_string_literal: true

# FerroMQ for Ruby: ØMQ on FerroMQ's Rust core, with the `zmq` gem's API (module ZMQ).
# `require "ferromq"` (or `require "zmq"`, as the talk's code does) is all it takes; code
# written for ffi-rzmq uses `require "ferromq/ffi-rzmq"` instead.
require_relative "ferromq/base"
require_relative "ferromq/socket"
require_relative "ferromq/context"
