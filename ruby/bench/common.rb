# frozen_string_literal: true

# What thr.rb and lat.rb share: their options, and loading one library per process (the
# gem and ffi-rzmq both define the module ZMQ).
require "optparse"
require "rbconfig"

module BenchCommon
  module_function

  # `--count`, `--size`, `--lib a,b` and the child's `--<child_flag> ENDPOINT`.
  def options(count:, child_flag:)
    options = { count: count, size: 8, libs: %w[ferromq ffi-rzmq], child: nil }
    OptionParser.new do |o|
      o.on("--count N", Integer) { |v| options[:count] = v }
      o.on("--size N", Integer) { |v| options[:size] = v }
      o.on("--lib LIBS") { |v| options[:libs] = v.split(",") }
      o.on("--#{child_flag} ENDPOINT") { |v| options[:child] = v }
    end.parse!
    options
  end

  def load_library(lib)
    if lib == "ferromq"
      $LOAD_PATH.unshift File.expand_path("../lib", __dir__)
      require "ferromq"
    else
      require "ffi-rzmq"
    end
  end

  # With several libraries, each is measured by this script in a process of its own.
  def each_in_its_own_process(script, options)
    options[:libs].each do |lib|
      if options[:libs].size == 1
        yield lib
      else
        IO.popen([RbConfig.ruby, script, "--lib", lib, "--count", options[:count].to_s,
                  "--size", options[:size].to_s]) { |io| print io.read }
      end
    end
  end
end
