//! 100 clients on one cluster at once (issue #10 item 4): each aws-sdk-eks client creates and
//! deletes Fargate profiles of its own, retrying while EKS says another change is under way, while
//! ten more list and describe, the virtual clock moves on in big steps, and an in-process observer
//! takes consistent snapshots of the cluster under the world's lock.
//!
//! Invariants checked:
//! - at every snapshot, at most one profile is `CREATING` and at most one `DELETING` (EKS's
//!   serialisation, reference §2: a create waits for any `CREATING`/`DELETING` profile, a delete
//!   for any `DELETING` one; a delete while another profile is `CREATING` is not documented as
//!   blocked, and the model allows it);
//! - every `ResourceInUseException` and `ResourceLimitExceededException` carries EKS's exact text,
//!   naming the caller's profile and a profile that exists;
//! - every create answered 200 yields exactly one profile: its owner sees it `ACTIVE` with the ARN
//!   the create returned, listed exactly once; no snapshot ever shows a name with two ARNs, or a
//!   name nobody was told was created;
//! - list = describe = the in-process view at the end, for the profiles kept; empty after the last
//!   deletes.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_eks::error::ProvideErrorMetadata;
use aws_sdk_eks::types::{FargateProfileSelector, FargateProfileStatus, VpcConfigRequest};
use support::{run_json, TestEmulator, ACCOUNT};

const REGION: &str = "us-east-1";
const CLUSTER: &str = "busy";
/// Clients that create and delete.
const WRITERS: usize = 100;
/// Clients that only list and describe.
const READERS: usize = 10;
/// Writers whose last profile is kept for the final comparison (under the quota of 10).
const KEPT: usize = 5;

/// A VPC with two private subnets in two zones and the cluster and pod execution roles (boto3).
const NETWORK_SCRIPT: &str = r#"
import json, os, boto3
session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="x", region_name="us-east-1")
ec2 = session.client("ec2", endpoint_url=os.environ["ENDPOINT"])
iam = session.client("iam", endpoint_url=os.environ["ENDPOINT"])
zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{32 * i}.0/19", AvailabilityZone=z)["Subnet"]["SubnetId"] for i, z in enumerate(zones)]
def role(name, service):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
print(json.dumps({"subnets": subnets, "cluster_role": role("eks-cluster", "eks.amazonaws.com"),
                  "pod_role": role("fargate-pods", "eks-fargate-pods.amazonaws.com")}))
"#;

/// How many profiles writer `i` creates one after the other: two for every tenth writer.
fn rounds(i: usize) -> usize {
    if i.is_multiple_of(10) {
        2
    } else {
        1
    }
}

/// What every task reports into.
#[derive(Default)]
struct Record {
    /// Profile name → the ARN its create answered with.
    created: BTreeMap<String, String>,
    /// Every name → ARN pair a snapshot showed.
    seen: BTreeMap<String, BTreeSet<String>>,
    /// Broken invariants, with what showed them.
    violations: Vec<String>,
    /// How many 409/400 refusals of each kind the writers got (to show the test contended).
    refusals: BTreeMap<&'static str, usize>,
    /// Snapshots taken.
    snapshots: usize,
}

type Shared = Arc<Mutex<Record>>;

fn violation(record: &Shared, text: String) {
    record.lock().unwrap().violations.push(text);
}

/// Whether `message` is EKS's refusal of creating `profile` on [`CLUSTER`] because another profile
/// is `CREATING`/`DELETING`, or because the cluster holds the maximum.
fn is_create_refusal(message: &str, profile: &str) -> Option<&'static str> {
    let blocked = format!("Cannot create Fargate Profile {profile} because cluster {CLUSTER} currently has Fargate profile ");
    if let Some(rest) = message.strip_prefix(&blocked) {
        let ok = [" in status CREATING", " in status DELETING"]
            .iter()
            .any(|end| {
                rest.strip_suffix(end)
                    .is_some_and(|other| other != profile && other.starts_with("fp-"))
            });
        return ok.then_some("create blocked");
    }
    (message
        == format!("Cannot create Fargate Profile {profile} because cluster {CLUSTER} already has 10 Fargate profiles, the maximum allowed"))
    .then_some("quota")
}

/// Whether `message` is EKS's refusal of deleting `profile` because another is `DELETING`.
fn is_delete_refusal(message: &str, profile: &str) -> bool {
    let prefix = format!("Cannot Delete Fargate Profile {profile} because cluster {CLUSTER} currently has Fargate profile ");
    message
        .strip_prefix(&prefix)
        .and_then(|rest| rest.strip_suffix(" in status DELETING"))
        .is_some_and(|other| other != profile && other.starts_with("fp-"))
}

/// A short pause that differs per client, so that retries spread out.
async fn pause(client: usize, attempt: usize) {
    let ms = 15 + ((client * 7 + attempt * 13) % 25) as u64;
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Every profile name of the cluster, through every page.
async fn list_all(eks: &aws_sdk_eks::Client) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = eks
            .list_fargate_profiles()
            .cluster_name(CLUSTER)
            .max_results(4)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| format!("ListFargateProfiles: {:?}", e.code()))?;
        names.extend(page.fargate_profile_names().iter().cloned());
        token = page.next_token;
        if token.is_none() {
            return Ok(names);
        }
    }
}

/// One writer: for each round, create its own profile (retrying on EKS's refusals), wait until it
/// is `ACTIVE` and listed once, then delete it (retrying) and wait until it is gone — except a kept
/// writer's last profile.
async fn writer(
    client: usize,
    eks: aws_sdk_eks::Client,
    pod_role: String,
    rounds: usize,
    record: Shared,
) {
    for round in 0..rounds {
        let name = format!("fp-{client:03}-{round}");
        let mut attempt = 0;
        let arn = loop {
            attempt += 1;
            let result = eks
                .create_fargate_profile()
                .cluster_name(CLUSTER)
                .fargate_profile_name(&name)
                .pod_execution_role_arn(&pod_role)
                .selectors(
                    FargateProfileSelector::builder()
                        .namespace(format!("ns-{client}"))
                        .build(),
                )
                .send()
                .await;
            match result {
                Ok(out) => {
                    let profile = out.fargate_profile.expect("a profile");
                    if profile.status != Some(FargateProfileStatus::Creating) {
                        violation(&record, format!("{name}: created as {:?}", profile.status));
                    }
                    let arn = profile.fargate_profile_arn.unwrap_or_default();
                    let mut r = record.lock().unwrap();
                    if r.created.insert(name.clone(), arn.clone()).is_some() {
                        r.violations.push(format!("{name}: created twice"));
                    }
                    break arn;
                }
                Err(err) => {
                    let (code, message) = (err.code().unwrap_or("?"), err.message().unwrap_or(""));
                    let kind = match code {
                        "ResourceInUseException" | "ResourceLimitExceededException" => {
                            is_create_refusal(message, &name)
                        }
                        _ => None,
                    };
                    match kind {
                        Some(kind) => {
                            *record.lock().unwrap().refusals.entry(kind).or_default() += 1
                        }
                        None => {
                            violation(
                                &record,
                                format!("{name}: create refused with {code}: {message}"),
                            );
                            return;
                        }
                    }
                }
            }
            pause(client, attempt).await;
        };
        // Wait for ACTIVE, then check the listing names it once.
        loop {
            attempt += 1;
            match eks
                .describe_fargate_profile()
                .cluster_name(CLUSTER)
                .fargate_profile_name(&name)
                .send()
                .await
            {
                Ok(out) => {
                    let profile = out.fargate_profile.expect("a profile");
                    if profile.fargate_profile_arn.as_deref() != Some(arn.as_str()) {
                        violation(&record, format!("{name}: ARN changed"));
                        return;
                    }
                    match profile.status {
                        Some(FargateProfileStatus::Active) => break,
                        Some(FargateProfileStatus::Creating) => {}
                        other => {
                            violation(
                                &record,
                                format!("{name}: {other:?} while waiting for ACTIVE"),
                            );
                            return;
                        }
                    }
                }
                Err(err) => {
                    violation(
                        &record,
                        format!("{name}: lost while creating: {:?}", err.code()),
                    );
                    return;
                }
            }
            pause(client, attempt).await;
        }
        match list_all(&eks).await {
            Ok(names) if names.iter().filter(|n| **n == name).count() == 1 => {}
            Ok(names) => violation(&record, format!("{name}: listed {names:?}")),
            Err(e) => violation(&record, e),
        }
        if round + 1 == rounds && client < KEPT {
            return;
        }
        loop {
            attempt += 1;
            match eks
                .delete_fargate_profile()
                .cluster_name(CLUSTER)
                .fargate_profile_name(&name)
                .send()
                .await
            {
                Ok(out) => {
                    let status = out.fargate_profile.and_then(|p| p.status);
                    if status != Some(FargateProfileStatus::Deleting) {
                        violation(&record, format!("{name}: deleted as {status:?}"));
                    }
                    break;
                }
                Err(err)
                    if err.code() == Some("ResourceInUseException")
                        && is_delete_refusal(err.message().unwrap_or(""), &name) =>
                {
                    *record
                        .lock()
                        .unwrap()
                        .refusals
                        .entry("delete blocked")
                        .or_default() += 1;
                }
                Err(err) => {
                    violation(
                        &record,
                        format!(
                            "{name}: delete refused with {:?}: {:?}",
                            err.code(),
                            err.message()
                        ),
                    );
                    return;
                }
            }
            pause(client, attempt).await;
        }
        loop {
            attempt += 1;
            match eks
                .describe_fargate_profile()
                .cluster_name(CLUSTER)
                .fargate_profile_name(&name)
                .send()
                .await
            {
                Ok(out) => {
                    let status = out.fargate_profile.and_then(|p| p.status);
                    if status != Some(FargateProfileStatus::Deleting) {
                        violation(
                            &record,
                            format!("{name}: {status:?} while waiting to be gone"),
                        );
                        return;
                    }
                }
                Err(err) => {
                    let expected = format!("No Fargate Profile found with name: {name}.");
                    if err.code() != Some("ResourceNotFoundException")
                        || err.message() != Some(expected.as_str())
                    {
                        violation(
                            &record,
                            format!("{name}: {:?} {:?}", err.code(), err.message()),
                        );
                    }
                    break;
                }
            }
            pause(client, attempt).await;
        }
    }
}

/// One reader: lists and describes what is listed until told to stop. A listed profile may be gone
/// by the time it is described (only with EKS's exact not-found text).
async fn reader(client: usize, eks: aws_sdk_eks::Client, stop: Arc<AtomicBool>, record: Shared) {
    let mut attempt = 0;
    while !stop.load(Ordering::Relaxed) {
        attempt += 1;
        let names = match list_all(&eks).await {
            Ok(names) => names,
            Err(e) => return violation(&record, e),
        };
        let unique: BTreeSet<&String> = names.iter().collect();
        if unique.len() != names.len() {
            violation(&record, format!("a listing repeats a name: {names:?}"));
        }
        for name in names.iter().skip(attempt % 3).step_by(3) {
            match eks
                .describe_fargate_profile()
                .cluster_name(CLUSTER)
                .fargate_profile_name(name)
                .send()
                .await
            {
                Ok(out) => {
                    let profile = out.fargate_profile.expect("a profile");
                    if profile.fargate_profile_name.as_deref() != Some(name.as_str())
                        || profile.cluster_name.as_deref() != Some(CLUSTER)
                    {
                        violation(&record, format!("{name}: described as {profile:?}"));
                    }
                }
                Err(err) => {
                    let expected = format!("No Fargate Profile found with name: {name}.");
                    if err.code() != Some("ResourceNotFoundException")
                        || err.message() != Some(expected.as_str())
                    {
                        violation(
                            &record,
                            format!("{name}: {:?} {:?}", err.code(), err.message()),
                        );
                    }
                }
            }
        }
        pause(client, attempt).await;
    }
}

/// The cluster's profiles as (name, ARN, status), read under the world's lock: a consistent view.
fn snapshot(emu: &TestEmulator) -> Vec<(String, String, &'static str)> {
    emu.emulator().with_world(|world, _| {
        let (_, region) = world.region(ACCOUNT, REGION);
        region
            .eks
            .cluster(CLUSTER)
            .map(|c| {
                c.fargate_profiles()
                    .map(|p| (p.name.clone(), p.arn.clone(), p.status.as_str()))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Checks one snapshot against the invariants and records what it showed.
fn check_snapshot(snap: &[(String, String, &'static str)], record: &Shared) {
    let count = |s: &str| snap.iter().filter(|p| p.2 == s).count();
    let mut r = record.lock().unwrap();
    r.snapshots += 1;
    if count("CREATING") > 1 || count("DELETING") > 1 {
        r.violations.push(format!("two changes at once: {snap:?}"));
    }
    if snap.len() > 10 {
        r.violations.push(format!("over the quota: {snap:?}"));
    }
    for (name, arn, _) in snap {
        r.seen.entry(name.clone()).or_default().insert(arn.clone());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_clients_create_and_delete_profiles_on_one_cluster_and_every_invariant_holds() {
    let started = Instant::now();
    let emu = Arc::new(TestEmulator::start().await);
    let config = emu.sdk_config(REGION).await;
    let net = run_json(
        std::process::Command::new("python3")
            .env("ENDPOINT", emu.url())
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .args(["-c", NETWORK_SCRIPT]),
    );
    let subnets: Vec<String> = net["subnets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect();
    let pod_role = net["pod_role"].as_str().unwrap().to_owned();
    let admin = aws_sdk_eks::Client::new(&config);
    admin
        .create_cluster()
        .name(CLUSTER)
        .role_arn(net["cluster_role"].as_str().unwrap())
        .resources_vpc_config(
            VpcConfigRequest::builder()
                .set_subnet_ids(Some(subnets))
                .build(),
        )
        .send()
        .await
        .expect("CreateCluster");
    emu.advance(600);

    let record = Shared::default();
    let stop = Arc::new(AtomicBool::new(false));
    // The clock: each step is longer than a profile's create (180 s) or delete (120 s), so a change
    // under way finishes at the next step.
    let clock = {
        let (emu, stop, record) = (emu.clone(), stop.clone(), record.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(10)).await;
                emu.advance(200);
                check_snapshot(&snapshot(&emu), &record);
            }
        })
    };
    // A thread of its own, so that the 110 clients on the runtime do not starve it.
    let observer = {
        let (emu, stop, record) = (emu.clone(), stop.clone(), record.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(1));
                check_snapshot(&snapshot(&emu), &record);
            }
        })
    };
    let readers: Vec<_> = (0..READERS)
        .map(|i| {
            let eks = aws_sdk_eks::Client::new(&config);
            tokio::spawn(reader(i, eks, stop.clone(), record.clone()))
        })
        .collect();
    let writers: Vec<_> = (0..WRITERS)
        .map(|i| {
            // One client per writer: its own connection pool, as 100 separate programs would have.
            let eks = aws_sdk_eks::Client::new(&config);
            tokio::spawn(writer(i, eks, pod_role.clone(), rounds(i), record.clone()))
        })
        .collect();
    for w in writers {
        w.await.expect("a writer panicked");
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.await.expect("a reader panicked");
    }
    clock.await.unwrap();
    observer.join().expect("the observer panicked");

    let expected_creates = (0..WRITERS).map(rounds).sum::<usize>();
    let created = {
        let r = record.lock().unwrap();
        assert!(
            r.violations.is_empty(),
            "{} violations, the first: {:#?}",
            r.violations.len(),
            &r.violations[..r.violations.len().min(5)]
        );
        assert_eq!(
            r.created.len(),
            expected_creates,
            "every writer created its profiles"
        );
        assert!(
            r.refusals.get("create blocked").copied().unwrap_or(0) > 0,
            "no contention: {:?}",
            r.refusals
        );
        for (name, arns) in &r.seen {
            assert_eq!(arns.len(), 1, "{name} had two ARNs: {arns:?}");
            assert_eq!(
                r.created.get(name),
                arns.iter().next(),
                "{name} exists without a create that answered 200 (or with another ARN)"
            );
        }

        r.created.clone()
    };

    // The end: the kept profiles, the same through list, describe and the in-process view.
    emu.advance(600);
    let kept: Vec<String> = (0..KEPT)
        .map(|i| format!("fp-{i:03}-{}", rounds(i) - 1))
        .collect();
    let listed = list_all(&admin).await.unwrap();
    assert_eq!(listed, kept);
    let inside = snapshot(&emu);
    assert_eq!(inside.iter().map(|p| p.0.clone()).collect::<Vec<_>>(), kept);
    for (name, arn, status) in &inside {
        let described = admin
            .describe_fargate_profile()
            .cluster_name(CLUSTER)
            .fargate_profile_name(name)
            .send()
            .await
            .unwrap()
            .fargate_profile
            .unwrap();
        assert_eq!(described.fargate_profile_arn.as_ref(), Some(arn));
        assert_eq!(described.fargate_profile_arn.as_ref(), created.get(name));
        assert_eq!(*status, "ACTIVE");
        assert_eq!(described.status, Some(FargateProfileStatus::Active));
    }
    for name in &kept {
        admin
            .delete_fargate_profile()
            .cluster_name(CLUSTER)
            .fargate_profile_name(name)
            .send()
            .await
            .expect("one delete at a time");
        emu.advance(120);
    }
    assert!(list_all(&admin).await.unwrap().is_empty());
    assert!(snapshot(&emu).is_empty());
    let snapshots = record.lock().unwrap().snapshots;
    eprintln!(
        "{} creates, refusals {:?}, {snapshots} snapshots, {:?}",
        expected_creates,
        record.lock().unwrap().refusals,
        started.elapsed()
    );
}
