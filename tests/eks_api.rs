//! EKS wire conformance through aws-sdk-eks (filled in with the foundation).
