//! Helpers for driving the machine's real `kubectl` against a spawned emulator: a kubeconfig written
//! by the real `aws eks update-kubeconfig` (its exec plugin runs `aws eks get-token`, presigning
//! against the emulator through `AWS_ENDPOINT_URL`), a private `HOME` (kubectl's discovery cache and
//! the gcloud dispatcher's), commands run to completion or in the background while the manual clock
//! moves. Included by `#[path]` from the kubectl tests, beside `support/mod.rs`.
#![allow(dead_code)]

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::support::{run, TestEmulator};

/// The access key the tests sign with, and its secret (which the emulator is told, so that tokens
/// are checked in full).
pub const ACCESS_KEY: &str = "AKIDTEST";
/// The secret of [`ACCESS_KEY`].
pub const SECRET: &str = "secret";

/// A kubeconfig for one cluster and a home to run kubectl in.
pub struct Kubectl {
    home: tempfile::TempDir,
    /// The kubeconfig `aws eks update-kubeconfig` wrote.
    pub kubeconfig: PathBuf,
    aws_url: String,
    region: String,
}

/// Moves the emulator's manual clock and lets every cluster catch up (which wakes watches).
pub fn tick(emu: &TestEmulator, seconds: u64) {
    emu.advance(seconds);
    emu.emulator().with_world(|_, _| ());
}

impl Kubectl {
    /// Writes a kubeconfig for `cluster` with the real `aws eks update-kubeconfig`.
    pub fn for_cluster(emu: &TestEmulator, region: &str, cluster: &str) -> Self {
        let home = tempfile::tempdir().expect("temp home");
        let kubeconfig = home.path().join("kubeconfig");
        let out = run(emu.aws(region).args([
            "eks",
            "update-kubeconfig",
            "--name",
            cluster,
            "--kubeconfig",
            kubeconfig.to_str().expect("utf-8 path"),
        ]));
        assert!(
            out.status.success(),
            "update-kubeconfig failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            home,
            kubeconfig,
            aws_url: emu.url(),
            region: region.to_owned(),
        }
    }

    /// `kubectl <args>` with only this kubeconfig, home and AWS settings in its environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("kubectl");
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("KUBECONFIG", &self.kubeconfig)
            .env("AWS_ENDPOINT_URL", &self.aws_url)
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_DEFAULT_REGION", &self.region)
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .stdin(Stdio::null())
            .args(args);
        cmd
    }

    /// Runs kubectl to completion.
    pub fn run(&self, args: &[&str]) -> Output {
        run(&mut self.cmd(args))
    }

    /// Runs kubectl, which must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs kubectl, which must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "kubectl {args:?} should fail but printed {}",
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// `kubectl --server <server> --certificate-authority <ca> --token <token> <args>`, with no
    /// kubeconfig: what a client holding only that token sees.
    pub fn with_token(&self, server: &str, ca: &str, token: &str, args: &[&str]) -> Output {
        let mut all = vec![
            "--kubeconfig=/dev/null",
            "--server",
            server,
            "--certificate-authority",
            ca,
            "--token",
            token,
        ];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Writes a file in the home (manifests).
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.home.path().join(name);
        std::fs::write(&path, text).expect("write manifest");
        path.to_string_lossy().into_owned()
    }

    /// Starts kubectl in the background, collecting its stdout.
    pub fn spawn(&self, args: &[&str]) -> Background {
        let mut child = self
            .cmd(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl starts");
        let stdout = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stdout.take().expect("piped stdout");
        let sink = Arc::clone(&stdout);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().expect("stdout buffer").push_str(&text);
            }
        });
        Background { child, stdout }
    }
}

/// A kubectl running in the background.
pub struct Background {
    child: Child,
    stdout: Arc<Mutex<String>>,
}

impl Background {
    /// What it printed so far.
    pub fn stdout(&self) -> String {
        self.stdout.lock().expect("stdout buffer").clone()
    }

    /// Waits (real time, bounded) until its output contains `text`.
    pub fn wait_for(&self, text: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let out = self.stdout();
            if out.contains(text) {
                return out;
            }
            assert!(
                start.elapsed() < limit,
                "kubectl did not print {text:?} within {limit:?}; printed:\n{out}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Advances the clock by `step` seconds every 100 ms until the command exits (bounded).
    pub fn finish_while_advancing(
        mut self,
        emu: &TestEmulator,
        step: u64,
        limit: Duration,
    ) -> (bool, String, String) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("kubectl status") {
                std::thread::sleep(Duration::from_millis(50));
                let mut stderr = String::new();
                if let Some(mut pipe) = self.child.stderr.take() {
                    let _ = pipe.read_to_string(&mut stderr);
                }
                return (status.success(), self.stdout(), stderr);
            }
            assert!(
                start.elapsed() < limit,
                "kubectl did not finish within {limit:?}; printed:\n{}",
                self.stdout()
            );
            std::thread::sleep(Duration::from_millis(100));
            tick(emu, step);
        }
    }

    /// Stops it and returns what it printed.
    pub fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.stdout()
    }
}

/// The rows of a kubectl table whose first column is `first` (trimmed lines).
pub fn rows_starting<'a>(table: &'a str, first: &str) -> Vec<&'a str> {
    table
        .lines()
        .filter(|l| l.split_whitespace().next() == Some(first))
        .collect()
}

/// The whitespace-separated columns of the line containing `needle`.
pub fn columns_of(table: &str, needle: &str) -> Vec<String> {
    table
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{table}"))
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// What [`provision`] built.
#[derive(Debug, Clone)]
pub struct Provisioned {
    /// The public subnets (nodegroups).
    pub public_subnets: Vec<String>,
    /// The private subnets (Fargate profiles).
    pub private_subnets: Vec<String>,
}

/// boto3, in one process: an eksctl-shaped VPC (three public and three private /19s in
/// 192.168.0.0/16), the cluster, pod-execution and node roles, the cluster (then the clock moves 600 s
/// through the admin API), each Fargate profile in turn (180 s each), and nodegroups (180 s).
const PROVISION: &str = r#"
import json, sys, urllib.request, boto3
region, cluster, profiles, nodegroups, admin = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
def advance(seconds):
    req = urllib.request.Request(admin + "/_emulator/clock/advance", data=json.dumps({"seconds": seconds}).encode(), method="POST")
    urllib.request.urlopen(req).read()
ec2 = boto3.client("ec2", region_name=region)
iam = boto3.client("iam", region_name=region)
eks = boto3.client("eks", region_name=region)
azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:3]
vpc = ec2.create_vpc(CidrBlock="192.168.0.0/16")["Vpc"]["VpcId"]
igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
public, private = [], []
for i, az in enumerate(azs):
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="192.168.%d.0/19" % (32 * i), AvailabilityZone=az)["Subnet"]["SubnetId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    public.append(subnet)
for i, az in enumerate(azs):
    private.append(ec2.create_subnet(VpcId=vpc, CidrBlock="192.168.%d.0/19" % (96 + 32 * i), AvailabilityZone=az)["Subnet"]["SubnetId"])
def role(name, service):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}
    return iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
cluster_role = role(cluster + "-cluster", "eks.amazonaws.com")
pods_role = role(cluster + "-pods", "eks-fargate-pods.amazonaws.com")
node_role = role(cluster + "-nodes", "ec2.amazonaws.com")
eks.create_cluster(name=cluster, roleArn=cluster_role, resourcesVpcConfig={"subnetIds": public + private})
advance(600)
for name, selectors in profiles:
    eks.create_fargate_profile(clusterName=cluster, fargateProfileName=name, podExecutionRoleArn=pods_role, subnets=private, selectors=selectors)
    advance(180)
for name, size in nodegroups:
    eks.create_nodegroup(clusterName=cluster, nodegroupName=name, nodeRole=node_role, subnets=public, instanceTypes=["m5.large"],
                         scalingConfig={"minSize": size, "maxSize": size, "desiredSize": size})
    advance(180)
print(json.dumps({"public": public, "private": private}))
"#;

/// Builds a cluster the way eksctl lays one out (see [`PROVISION`]): `profiles` as
/// `[(name, [{"namespace": …, "labels": {…}}])]`, `nodegroups` as `[(name, size)]`.
pub fn provision(
    emu: &TestEmulator,
    region: &str,
    cluster: &str,
    profiles: &serde_json::Value,
    nodegroups: &serde_json::Value,
) -> Provisioned {
    let out = run(Command::new("python3")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("AWS_ENDPOINT_URL", emu.url())
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .args(["-c", PROVISION, region, cluster])
        .arg(profiles.to_string())
        .arg(nodegroups.to_string())
        .arg(emu.url()));
    assert!(
        out.status.success(),
        "provisioning failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("provisioning prints JSON");
    let list = |key: &str| -> Vec<String> {
        built[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    };
    emu.emulator().with_world(|_, _| ());
    Provisioned {
        public_subnets: list("public"),
        private_subnets: list("private"),
    }
}

/// Asserts that kubectl was refused with 401 (`You must be logged in to the server`); `why` names
/// the case.
pub fn assert_unauthorized(out: &Output, why: &str) {
    assert!(!out.status.success(), "{why}: kubectl succeeded");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: You must be logged in to the server (Unauthorized)"),
        "{why}: {stderr}"
    );
}
