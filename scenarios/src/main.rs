//! eks-scenarios binary: placeholder until its issue lands.
fn main() {
    println!("eks-scenarios {}", env!("CARGO_PKG_VERSION"));
}
