//! The bench code runs end to end with tiny counts against an in-process emulator (`--timing
//! instant`): the workload with two clients and the pods bench. No timing is asserted.

use eks_bench::aws::prerequisites;
use eks_bench::kube::{self, KubeSpec};
use eks_bench::workload;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workload_and_the_pods_bench_run_against_an_in_process_emulator() {
    let running = kube::start_instant_emulator()
        .await
        .expect("emulator starts");
    let base = running.aws_url();
    let prereqs = prerequisites(&base, "smoke").await.expect("prerequisites");
    let r = workload::run(&base, &prereqs, "smoke", 2, 3)
        .await
        .expect("workload");
    // Per client: create + describe, 3 × (create, describe, list, delete), delete.
    assert_eq!(r.requests, 2 * (2 + 3 * 4 + 1));
    assert_eq!(r.latencies.len(), r.requests);
    running.shutdown().await;

    let spec = KubeSpec {
        profiles: 2,
        selectors: 2,
        pods: 8,
    };
    let (k, rss) = kube::in_process(spec).await.expect("pods bench");
    assert_eq!(k.spec.pods, 8);
    assert!(rss > 0);
}
