# frozen_string_literal: true

module FerroMQ
  VERSION = "0.1.0"
end
