//! eks-emulator binary.
fn main() {}
