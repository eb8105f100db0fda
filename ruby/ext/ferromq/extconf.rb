# frozen_string_literal: true

# Builds the native extension when the gem is installed: writes a Makefile whose `all`
# runs ../../build-native.sh (cargo; its build directory is a temporary one outside the gem,
# removed afterwards, unless CARGO_TARGET_DIR names one) and whose `install` copies
# ferromq_native.so to $(sitearchdir)/ferromq/, where `require "ferromq/ferromq_native"`
# finds it. Needs a Rust toolchain (1.85+).
require "rbconfig"
require "tmpdir"

gem_root = File.expand_path("../..", __dir__)
given = ENV.fetch("CARGO_TARGET_DIR", "")
build_dir = given.empty? ? File.join(Dir.tmpdir, "ferromq-gem-build-#{Process.pid}") : given
cleanup = given.empty? ? "rm -rf \"#{build_dir}\"" : "true"

File.write("Makefile", <<~MAKE)
  sitearchdir ?= #{RbConfig::CONFIG['sitearchdir']}
  RUBYARCHDIR ?= $(sitearchdir)

  all: ferromq_native.so

  # No debug information in an installed extension (the workspace's release profile has it).
  ferromq_native.so:
  \tCARGO_TARGET_DIR="#{build_dir}" CARGO_PROFILE_RELEASE_DEBUG=0 sh "#{gem_root}/build-native.sh" "$(CURDIR)"
  \t#{cleanup}

  install: ferromq_native.so
  \tmkdir -p "$(RUBYARCHDIR)/ferromq"
  \tcp ferromq_native.so "$(RUBYARCHDIR)/ferromq/ferromq_native.so"

  clean:
  \trm -f ferromq_native.so
MAKE
