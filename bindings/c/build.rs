// The shared library is libzmq.so.5 to the dynamic linker, as libzmq's is.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libzmq.so.5");
}
