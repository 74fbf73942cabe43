//! ekscli binary: prints its version until its issue lands.
fn main() {
    println!("ekscli {}", env!("CARGO_PKG_VERSION"));
}
