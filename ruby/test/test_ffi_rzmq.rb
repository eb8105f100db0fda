# frozen_string_literal: true

require_relative "helper"
require "open3"
require "rbconfig"

# ffi-rzmq's API (ffi_rzmq_cases.rb) runs in a process of its own: the two API surfaces
# both define ZMQ::Context and ZMQ::Socket, so a program uses one of them.
class TestFfiRzmq < Minitest::Test
  def test_the_ffi_rzmq_surface
    cases = File.expand_path("ffi_rzmq_cases.rb", __dir__)
    output, status = Open3.capture2e(RbConfig.ruby, cases)
    assert status.success?, output
    assert_match(/0 failures, 0 errors/, output)
  end
end
