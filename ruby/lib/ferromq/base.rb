# frozen_string_literal: true

# What both API surfaces share: libzmq's constants, ZMQ::Error, the native extension,
# ZMQ::Util.curve_keypair and ZMQ::Authenticator.
require_relative "constants"
require_relative "error"
require_relative "version"
require "ferromq/ferromq_native"
require_relative "fiber_wait"
require_relative "curve"
require_relative "authenticator"
