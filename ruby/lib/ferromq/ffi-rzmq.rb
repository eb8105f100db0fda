# frozen_string_literal: true

# ffi-rzmq's API on FerroMQ: `require "ferromq/ffi-rzmq"` where code says
# `require "ffi-rzmq"`. Calls return libzmq's result codes (check them with
# ZMQ::Util.resultcode_ok?; ZMQ::Util.errno and error_string say what failed), as there.
require_relative "base"
require_relative "ffi_rzmq/util"
require_relative "ffi_rzmq/message"
require_relative "ffi_rzmq/socket"
require_relative "ffi_rzmq/context"
require_relative "ffi_rzmq/poller"
require_relative "ffi_rzmq/device"
