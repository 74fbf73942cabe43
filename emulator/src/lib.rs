//! eks-emulator library.
