# frozen_string_literal: true

require_relative "lib/ferromq/version"

Gem::Specification.new do |spec|
  spec.name = "ferromq"
  spec.version = FerroMQ::VERSION
  spec.summary = "ØMQ for Ruby on FerroMQ's Rust core, with the zmq gem's API"
  spec.description = "ZeroMQ (ZMTP 3.1, wire-compatible with libzmq) for Ruby, carrying its " \
                     "own messaging core: no libzmq needed at run time. `require \"zmq\"` " \
                     "code written for the zmq gem runs unchanged."
  spec.authors = ["FerroMQ"]
  spec.license = "MPL-2.0"
  spec.required_ruby_version = ">= 3.1"
  # The Ruby code, the extension's build (extconf.rb drives cargo through build-native.sh)
  # and, in a packaged gem (scripts/ruby-package.sh), the crates in native/.
  spec.files = Dir["lib/**/*.rb", "ext/ferromq/extconf.rb", "build-native.sh", "README.md",
                   "native/**/*"].reject { |f| f.start_with?("native/target") || File.directory?(f) }
  spec.extensions = ["ext/ferromq/extconf.rb"]
  spec.require_paths = ["lib"]
end
