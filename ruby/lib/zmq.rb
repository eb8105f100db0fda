# frozen_string_literal: true

# The `zmq` gem's require name: code written for it (`require 'zmq'`) runs on FerroMQ.
require_relative "ferromq"
