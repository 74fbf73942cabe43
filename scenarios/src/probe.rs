//! What the target offers, found out once per run so that scenarios needing something it lacks
//! are skipped with the reason instead of failing. Probes only read: an operation answering
//! `UnknownOperationException`/`InvalidAction`, an admin route answering "No such admin route", a
//! Kubernetes endpoint answering 404 to everything, or (embedded only, asked in-process)
//! CloudFormation without a provider for a resource type, each mean "not there". On the embedded
//! target the probes go to a throwaway emulator of their own, so the scenarios' emulators start
//! untouched. Real AWS has everything but the admin API (and no longer makes pre-Fargate clusters).
//! The `aws` and `kubectl` programs are looked for too.

use std::collections::BTreeMap;

use ::http::Method;
use aws_credential_types::Credentials;
use eks_emulator::Emulator;

use crate::http;
use crate::schema::{Capability, Program, Scenario};
use crate::session::{embedded_config, TargetSpec};

/// The CloudFormation types ekscli's stacks use, by capability (asked in-process on the embedded
/// target). Profiles are made through the EKS API, so they need no CloudFormation type.
const CFN_TYPES: &[(Capability, &[&str])] = &[
    (
        Capability::Ec2Iam,
        &[
            "AWS::EC2::VPC",
            "AWS::EC2::Subnet",
            "AWS::EC2::SecurityGroup",
            "AWS::EC2::NatGateway",
            "AWS::IAM::Role",
        ],
    ),
    (
        Capability::UnmanagedNodegroups,
        &[
            "AWS::EC2::LaunchTemplate",
            "AWS::AutoScaling::AutoScalingGroup",
            "AWS::IAM::InstanceProfile",
        ],
    ),
];

/// What the target offers: each capability and program, present or missing with the reason.
#[derive(Debug, Clone)]
pub struct Capabilities {
    capabilities: BTreeMap<Capability, Result<(), String>>,
    programs: BTreeMap<Program, Result<(), String>>,
    admin: Result<(), String>,
}

impl Default for Capabilities {
    fn default() -> Self {
        Self {
            capabilities: BTreeMap::new(),
            programs: BTreeMap::new(),
            admin: Ok(()),
        }
    }
}

impl Capabilities {
    /// Everything present (for tests of the runner).
    #[must_use]
    pub fn all() -> Self {
        Self {
            capabilities: Capability::ALL.iter().map(|c| (*c, Ok(()))).collect(),
            programs: [Program::Ekscli, Program::Aws, Program::Kubectl]
                .into_iter()
                .map(|p| (p, Ok(())))
                .collect(),
            admin: Ok(()),
        }
    }

    /// Probes `spec`.
    pub async fn probe(spec: &TargetSpec) -> Self {
        let mut found = Self {
            programs: probe_programs().await,
            admin: Ok(()),
            ..Self::default()
        };
        match spec {
            TargetSpec::Aws => {
                for c in Capability::ALL {
                    found.capabilities.insert(c, Ok(()));
                }
                found.capabilities.insert(
                    Capability::LegacyClusters,
                    Err("real AWS no longer creates clusters from before Fargate (Kubernetes 1.14, eks.4)".into()),
                );
                found.admin = Err("real AWS has no emulator admin API".into());
            }
            TargetSpec::Embedded => {
                let config = eks_emulator::Config {
                    timing: eks_emulator::lifecycle::Timing::Instant,
                    ..embedded_config()
                };
                match Emulator::start(config).await {
                    Ok(running) => {
                        let base = running.aws_url();
                        found.capabilities = probe_emulator(&base).await;
                        let kube = probe_kube_in_process(running.emulator()).await;
                        found.capabilities.insert(Capability::KubernetesApi, kube);
                        for (capability, types) in CFN_TYPES {
                            let missing: Vec<&str> = types
                                .iter()
                                .copied()
                                .filter(|t| {
                                    eks_emulator::cloudformation::resources::provider(t).is_none()
                                })
                                .collect();
                            if !missing.is_empty() {
                                let reason = format!(
                                    "the emulator's CloudFormation cannot make {}",
                                    missing.join(", ")
                                );
                                found
                                    .capabilities
                                    .entry(*capability)
                                    .and_modify(|r| {
                                        if let Err(e) = r {
                                            e.push_str("; ");
                                            e.push_str(&reason);
                                        } else {
                                            *r = Err(reason.clone());
                                        }
                                    })
                                    .or_insert(Err(reason));
                            }
                        }
                        let ready = matches!(
                            found.capabilities.get(&Capability::UnmanagedNodegroups),
                            Some(Ok(()))
                        ) && matches!(
                            found.capabilities.get(&Capability::Ec2Iam),
                            Some(Ok(()))
                        );
                        if ready {
                            let nodes = probe_unmanaged_nodes(running.emulator(), &base).await;
                            found
                                .capabilities
                                .insert(Capability::UnmanagedNodegroups, nodes);
                        }
                        running.shutdown().await;
                    }
                    Err(e) => {
                        let reason = format!("the probe emulator did not start: {e}");
                        for c in Capability::ALL {
                            found.capabilities.insert(c, Err(reason.clone()));
                        }
                    }
                }
            }
            TargetSpec::Http(base) => {
                found.capabilities = probe_emulator(base).await;
                let kube = match kube_endpoint(base).await {
                    Ok(url) => probe_kube_with_kubectl(&url).await,
                    Err(e) => Err(e),
                };
                found.capabilities.insert(Capability::KubernetesApi, kube);
            }
        }
        found
    }

    /// Why `scenario` cannot run here (empty: it can).
    #[must_use]
    pub fn missing_for(&self, scenario: &Scenario) -> Vec<String> {
        let mut reasons = Vec::new();
        for c in &scenario.requires {
            if let Some(Err(why)) = self.capabilities.get(c) {
                reasons.push(format!("{c} ({why})"));
            }
        }
        for program in scenario.programs() {
            if let Some(Err(why)) = self.programs.get(&program) {
                reasons.push(format!("the {} program ({why})", program.name()));
            }
        }
        if scenario.programs().contains(&Program::Kubectl) {
            if let Some(Err(why)) = self.programs.get(&Program::Aws) {
                reasons.push(format!(
                    "the aws program, kubectl's credential plugin ({why})"
                ));
            }
        }
        if scenario.uses_admin() {
            if let Err(why) = &self.admin {
                reasons.push(format!("the emulator admin API ({why})"));
            }
        }
        reasons
    }

    /// One line per capability, for the run's header.
    #[must_use]
    pub fn describe(&self) -> Vec<String> {
        self.capabilities
            .iter()
            .map(|(c, r)| match r {
                Ok(()) => format!("{c}: yes"),
                Err(why) => format!("{c}: no ({why})"),
            })
            .collect()
    }
}

async fn probe_programs() -> BTreeMap<Program, Result<(), String>> {
    let (aws, kubectl) = tokio::join!(
        probe_program(Program::Aws, &["--version"]),
        probe_program(Program::Kubectl, &["version", "--client"]),
    );
    BTreeMap::from([
        (Program::Ekscli, Ok(())),
        (Program::Aws, aws),
        (Program::Kubectl, kubectl),
    ])
}

async fn probe_program(program: Program, args: &[&str]) -> Result<(), String> {
    let result = tokio::process::Command::new(program.name())
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .await;
    match result {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(format!(
            "`{} {}` failed: {}",
            program.name(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Err(format!("not found on PATH: {e}")),
    }
}

/// The service-level probes of an emulator at `base`.
async fn probe_emulator(base: &str) -> BTreeMap<Capability, Result<(), String>> {
    let mut found = BTreeMap::new();
    let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(ekscli::aws::default_http_client())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(base)
        .credentials_provider(Credentials::new("probe", "probe", None, None, "probe"))
        .load()
        .await;
    let eks = aws_sdk_eks::Client::new(&sdk);
    let unknown = |code: Option<&str>, op: &str| -> Result<(), String> {
        if code == Some("UnknownOperationException") {
            Err(format!("the emulator's EKS has no {op}"))
        } else {
            Ok(())
        }
    };
    let profiles = eks
        .list_fargate_profiles()
        .cluster_name("scenario-probe")
        .send()
        .await;
    found.insert(
        Capability::FargateProfiles,
        profiles.map_or_else(
            |e| unknown(ekscli::aws::code(&e), "ListFargateProfiles"),
            |_| Ok(()),
        ),
    );
    let nodegroups = eks
        .list_nodegroups()
        .cluster_name("scenario-probe")
        .send()
        .await;
    found.insert(
        Capability::Nodegroups,
        nodegroups.map_or_else(
            |e| unknown(ekscli::aws::code(&e), "ListNodegroups"),
            |_| Ok(()),
        ),
    );
    // A running emulator is not asked which CloudFormation types it has, nor whether an
    // unmanaged nodegroup comes up (that would make stacks and a cluster in it): it is assumed.
    // The embedded target checks both on a throwaway emulator.
    found.insert(Capability::UnmanagedNodegroups, Ok(()));

    let ec2 = query_action(base, "ec2", "DescribeVpcs", "2016-11-15").await;
    let iam = query_action(base, "iam", "ListRoles", "2010-05-08").await;
    found.insert(
        Capability::Ec2Iam,
        match (ec2, iam) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(a), Err(b)) => Err(format!("{a}; {b}")),
            (Err(e), Ok(())) | (Ok(()), Err(e)) => Err(e),
        },
    );

    let legacy = http::admin(
        base,
        Method::PUT,
        "eks/clusters/us-east-1/scenario-probe/platform-version",
        Some(&serde_json::json!({"platformVersion": "eks.4", "version": "1.14"})),
    )
    .await;
    found.insert(
        Capability::LegacyClusters,
        match legacy {
            Ok(r) if r.status == 404 && r.body.contains("No such admin route") => {
                Err("the emulator has no admin route to set a cluster's platform version".into())
            }
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        },
    );
    found
}

/// An awsQuery action with a SigV4-shaped header naming `service` (the emulator routes on it and
/// does not verify signatures by default): missing if it answers `InvalidAction`.
async fn query_action(
    base: &str,
    service: &str,
    action: &str,
    version: &str,
) -> Result<(), String> {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=probe/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let body = format!("Action={action}&Version={version}");
    let r = http::request(
        base,
        Method::POST,
        "/",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", &auth),
        ],
        body.into_bytes(),
    )
    .await?;
    if r.body.contains("InvalidAction") {
        Err(format!(
            "the emulator's {} answers {action} with InvalidAction",
            service.to_uppercase()
        ))
    } else {
        Ok(())
    }
}

/// Whether an unmanaged nodegroup comes up: `ekscli create cluster -f` with one self-managed node
/// on the (instant, throwaway) probe emulator must end with the node Ready, as the seed page's
/// config-file cluster needs. Stacks alone are not enough: the Auto Scaling group's instance must
/// join the cluster.
async fn probe_unmanaged_nodes(emu: &Emulator, base: &str) -> Result<(), String> {
    let home = tempfile::tempdir().map_err(|e| format!("a temporary directory: {e}"))?;
    let file = home.path().join("cluster.yaml");
    std::fs::write(
        &file,
        "apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: scenario-probe, region: us-east-1}\n\
         nodeGroups:\n  - {name: ng-1, instanceType: m5.large, desiredCapacity: 1}\n",
    )
    .map_err(|e| format!("{}: {e}", file.display()))?;
    let mut ctx = ekscli::Context::isolated();
    ctx.credentials = Some(Credentials::new("probe", "probe", None, None, "probe"));
    ctx.env.insert("AWS_ENDPOINT_URL".into(), base.to_owned());
    ctx.env
        .insert("HOME".into(), home.path().display().to_string());
    let clock = emu.clone();
    ctx.sleeper = ekscli::Sleeper::new(move |d| {
        clock.clock().advance(d);
        Box::pin(async {})
    });
    let args = [
        "ekscli",
        "create",
        "cluster",
        "-f",
        &file.display().to_string(),
        "--timeout",
        "15m",
    ]
    .map(str::to_owned);
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    let status = ekscli::run_with(&ctx, args, &mut stdout, &mut stderr).await;
    if status.code() == 0 {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&stderr);
    let error = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no error message");
    Err(format!(
        "a config-file cluster with an unmanaged nodegroup does not come up on the emulator: {}",
        error.trim_start_matches("Error: ")
    ))
}

/// The Kubernetes endpoint of an emulator at `base` (from its health document).
async fn kube_endpoint(base: &str) -> Result<String, String> {
    let r = http::admin(base, Method::GET, "health", None).await?;
    let v: serde_json::Value =
        serde_json::from_str(&r.body).map_err(|e| format!("{base}: health is not JSON: {e}"))?;
    v["kubeEndpoint"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("{base}: health names no kubeEndpoint"))
}

const NO_KUBE_API: &str = "the emulator answers every Kubernetes request with 404";

/// An unauthenticated discovery request to a cluster that does not exist: a Kubernetes API
/// refuses it (401), the placeholder answers 404.
async fn probe_kube_in_process(emu: &Emulator) -> Result<(), String> {
    use tower::ServiceExt;
    let request = ::http::Request::get("/k8s/us-east-1/scenario-probe/apis")
        .body(http_body_util::Full::new(bytes::Bytes::new()))
        .map_err(|e| e.to_string())?;
    let response = eks_emulator::kube_app(emu.clone())
        .oneshot(request)
        .await
        .map_err(|e| e.to_string())?;
    if response.status() == ::http::StatusCode::NOT_FOUND {
        Err(NO_KUBE_API.into())
    } else {
        Ok(())
    }
}

async fn probe_kube_with_kubectl(kube_url: &str) -> Result<(), String> {
    let out = tokio::process::Command::new("kubectl")
        // `--raw` paths are absolute on the server, whatever path `--server` has.
        .args([
            &format!("--server={kube_url}"),
            "--insecure-skip-tls-verify=true",
            "--token=probe",
            "get",
            "--raw",
            "/k8s/us-east-1/scenario-probe/apis",
        ])
        .env("KUBECONFIG", "/dev/null")
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .map_err(|e| format!("kubectl: {e}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("could not find the requested resource") || stderr.contains("NotFound") {
        Err(NO_KUBE_API.into())
    } else {
        Ok(())
    }
}
