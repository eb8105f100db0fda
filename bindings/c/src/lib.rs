//! libzmq's C API and ABI on FerroMQ's core: `zmq.h` (include/) and `libzmq.so.5`, so that
//! programs and bindings written for libzmq run on FerroMQ without recompiling. Every
//! function converts C arguments to the core's calls and errors to libzmq's errno and -1;
//! no Rust panic crosses into C (each entry point catches them: EFAULT... or abort-free).

mod context;
mod errno;
mod handles;
mod misc;
mod msg;
mod options;
mod poll;
mod socket;
mod timers;
