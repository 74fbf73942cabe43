//! eks-bench: benchmarks of eks-emulator, side by side with moto_server where both serve the same
//! thing: start-up to first answer and idle RSS, a fixed EKS workload over keep-alive HTTP (the
//! same Rust client for both), the same workload through boto3 (`bench/boto3_workload.py`), Fargate
//! admission and scheduling of many pods, and the scenario walkthroughs. Each prints one comparable
//! figure; `eks-bench all` prints them as the markdown table of BENCHMARKS.md. No timing is asserted
//! anywhere: the crate's test only proves the bench code runs.

pub mod aws;
pub mod kube;
pub mod startup;
pub mod stats;
pub mod workload;
