# ruby-ferromq (impls/ruby-ferromq.json): code that says `require 'ffi-rzmq'` gets ffi-rzmq's
# API on FerroMQ's Ruby gem, as its README tells users to write it.
require 'ferromq/ffi-rzmq'
