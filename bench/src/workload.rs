//! The fixed EKS workload, timed: each client creates its own cluster (and waits for `ACTIVE`), then
//! `profiles` times creates, describes, lists and deletes a Fargate profile, then deletes its
//! cluster. Profiles are deleted inside the loop because EKS allows 10 per cluster (the emulator
//! enforces the quota; moto does not). Every request's latency is kept.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::aws::{AwsClient, Error, Prerequisites};
use crate::stats::Latencies;

/// What one run of the workload measured.
#[derive(Debug, Clone)]
pub struct WorkloadResult {
    /// Concurrent clients.
    pub clients: usize,
    /// Requests sent by all clients.
    pub requests: usize,
    /// Wall time from the first request to the last answer.
    pub elapsed: Duration,
    /// Every request's latency.
    pub latencies: Latencies,
}

impl WorkloadResult {
    /// Requests per second.
    #[must_use]
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

/// Runs the workload on `base` with `clients` concurrent clients, each on its own cluster named
/// `<run>-<i>`.
///
/// # Errors
/// The first failed request.
pub async fn run(
    base: &str,
    prereqs: &Prerequisites,
    run: &str,
    clients: usize,
    profiles: usize,
) -> Result<WorkloadResult, Error> {
    let mut tasks = Vec::new();
    let clients_made: Vec<AwsClient> = (0..clients)
        .map(|_| AwsClient::new(base))
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    for (i, client) in clients_made.into_iter().enumerate() {
        let prereqs = prereqs.clone();
        let cluster = format!("{run}-{i}");
        tasks.push(tokio::spawn(async move {
            one_client(&client, &prereqs, &cluster, profiles).await
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        let mut latencies = task.await.map_err(|e| format!("client task: {e}"))??;
        all.append(&mut latencies);
    }
    let elapsed = started.elapsed();
    Ok(WorkloadResult {
        clients,
        requests: all.len(),
        elapsed,
        latencies: Latencies::new(all),
    })
}

/// One client's share: its cluster, `profiles` × (create, describe, list, delete), the cluster's
/// deletion. Returns each request's latency.
async fn one_client(
    client: &AwsClient,
    prereqs: &Prerequisites,
    cluster: &str,
    profiles: usize,
) -> Result<Vec<Duration>, Error> {
    let mut took = Vec::with_capacity(profiles * 4 + 4);
    let create = json!({
        "name": cluster,
        "roleArn": prereqs.cluster_role,
        "resourcesVpcConfig": {"subnetIds": prereqs.subnets},
    });
    let (_, t) = client
        .eks_ok(Method::POST, "/clusters", Some(&create))
        .await?;
    took.push(t);
    wait_for(
        client,
        &format!("/clusters/{cluster}"),
        "cluster",
        &mut took,
    )
    .await?;
    let profiles_path = format!("/clusters/{cluster}/fargate-profiles");
    for i in 0..profiles {
        let name = format!("fp-{i}");
        let body = json!({
            "fargateProfileName": name,
            "podExecutionRoleArn": prereqs.pod_role,
            "subnets": prereqs.subnets,
            "selectors": [{"namespace": format!("ns-{i}"), "labels": {"app": "bench"}}],
        });
        let (_, t) = client
            .eks_ok(Method::POST, &profiles_path, Some(&body))
            .await?;
        took.push(t);
        let one = format!("{profiles_path}/{name}");
        wait_for(client, &one, "fargateProfile", &mut took).await?;
        let (list, t) = client.eks_ok(Method::GET, &profiles_path, None).await?;
        took.push(t);
        if !list["fargateProfileNames"]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n == &Value::from(name.as_str())))
        {
            return Err(format!("{profiles_path} does not list {name}: {list}"));
        }
        let (_, t) = client.eks_ok(Method::DELETE, &one, None).await?;
        took.push(t);
    }
    let (_, t) = client
        .eks_ok(Method::DELETE, &format!("/clusters/{cluster}"), None)
        .await?;
    took.push(t);
    Ok(took)
}

/// Describes `path` until its `field.status` is `ACTIVE` (at once with `--timing instant` and on
/// moto), counting every describe.
async fn wait_for(
    client: &AwsClient,
    path: &str,
    field: &str,
    took: &mut Vec<Duration>,
) -> Result<(), Error> {
    for _ in 0..1000 {
        let (v, t) = client.eks_ok(Method::GET, path, None).await?;
        took.push(t);
        if v[field]["status"] == "ACTIVE" {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Err(format!("{path} never became ACTIVE"))
}
