//! Real AWS as a target: the credential check made before anything is created (STS
//! `GetCallerIdentity` through the default chain, with a deadline, so that a machine without
//! credentials fails at once with a clear message), and the plan shown for confirmation: what
//! each scenario will create, read from its steps and fixture files, and a rough cost.
//!
//! The cost model is deliberately simple and says so: on-demand us-east-1 prices per hour for the
//! EKS control plane, the single NAT gateway (and its Elastic IP) of an eksctl VPC, m5.large
//! nodes and the smallest Fargate pods, times a run length estimated from the number of clusters
//! and profiles (creating and deleting a cluster takes about half an hour on AWS).

use std::time::Duration;

use crate::schema::{Action, Program, Scenario};

/// Hourly prices, USD, us-east-1 on demand.
const EKS_CLUSTER_HOURLY: f64 = 0.10;
const NAT_GATEWAY_HOURLY: f64 = 0.045 + 0.005;
const M5_LARGE_HOURLY: f64 = 0.096;
const FARGATE_POD_HOURLY: f64 = 0.25 * 0.040_48 + 0.5 * 0.004_445;

/// How long the credential check may take (the default chain may probe instance metadata).
const IDENTITY_DEADLINE: Duration = Duration::from_secs(20);

/// Who the runner would act as on real AWS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The account.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
}

/// Asks STS who the default credential chain is, in `region`.
///
/// # Errors
/// A message saying that there are no usable credentials and that nothing was created.
pub async fn identity(region: &str) -> Result<Identity, String> {
    let check = async {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .http_client(ekscli::aws::default_http_client())
            .region(aws_config::Region::new(region.to_owned()))
            .load()
            .await;
        aws_sdk_sts::Client::new(&sdk)
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| ekscli::aws::describe(&e))
    };
    let refuse = |why: String| {
        format!(
            "--target aws needs AWS credentials, and the default credential chain has none that work: {why}\n\
             Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws configure`, then try again. \
             Nothing was created."
        )
    };
    match tokio::time::timeout(IDENTITY_DEADLINE, check).await {
        Ok(Ok(out)) => Ok(Identity {
            account: out.account().unwrap_or_default().to_owned(),
            arn: out.arn().unwrap_or_default().to_owned(),
        }),
        Ok(Err(why)) => Err(refuse(why)),
        Err(_) => Err(refuse(format!(
            "no answer from STS within {}s",
            IDENTITY_DEADLINE.as_secs()
        ))),
    }
}

/// What a scenario will create on AWS.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// EKS clusters, by name (`(generated)` for a generated name).
    pub clusters: Vec<String>,
    /// Stacks created directly (beyond the ones ekscli makes for its clusters).
    pub stacks: Vec<String>,
    /// EC2 nodes (m5.large or similar).
    pub nodes: u32,
    /// Fargate profiles.
    pub profiles: u32,
    /// Pods started with kubectl (on Fargate or the nodes).
    pub pods: u32,
}

impl Plan {
    /// Reads the plan of `scenario` from its steps and fixture files.
    #[must_use]
    pub fn of(scenario: &Scenario) -> Self {
        let mut plan = Self::default();
        let fixture = |name: &str| -> Option<serde_json::Value> {
            let (_, text) = scenario.files.iter().find(|(n, _)| n == name)?;
            yaml_serde::from_str(text).ok()
        };
        for step in &scenario.steps {
            let Action::Run(run) = &step.action else {
                continue;
            };
            let args: Vec<&str> = run.args.iter().map(String::as_str).collect();
            let flag = |names: &[&str]| {
                args.iter().enumerate().find_map(|(i, a)| {
                    names.iter().find_map(|n| {
                        if a == n {
                            args.get(i + 1).map(|s| (*s).to_owned())
                        } else {
                            a.strip_prefix(&format!("{n}=")).map(str::to_owned)
                        }
                    })
                })
            };
            let has = |name: &str| args.contains(&name);
            match (run.program, args.as_slice()) {
                (Program::Ekscli, ["create", "cluster", ..]) => {
                    if let Some(config) = flag(&["-f", "--config-file"]).and_then(|f| fixture(&f)) {
                        plan.clusters.push(
                            config["metadata"]["name"]
                                .as_str()
                                .unwrap_or("(from a file)")
                                .to_owned(),
                        );
                        for key in ["nodeGroups", "managedNodeGroups"] {
                            for ng in config[key].as_array().into_iter().flatten() {
                                plan.nodes +=
                                    u32::try_from(ng["desiredCapacity"].as_u64().unwrap_or(2))
                                        .unwrap_or(2);
                            }
                        }
                        plan.profiles +=
                            u32::try_from(config["fargateProfiles"].as_array().map_or(0, Vec::len))
                                .unwrap_or(0);
                    } else {
                        plan.clusters
                            .push(flag(&["--name", "-n"]).unwrap_or_else(|| "(generated)".into()));
                        if has("--fargate") {
                            plan.profiles += 1;
                        }
                        if !has("--without-nodegroup") && (!has("--fargate") || has("--managed")) {
                            plan.nodes += flag(&["--nodes", "-N"])
                                .and_then(|n| n.parse().ok())
                                .unwrap_or(2);
                        }
                    }
                }
                (Program::Ekscli, ["create", "fargateprofile", ..]) => {
                    plan.profiles += match flag(&["-f", "--config-file"]).and_then(|f| fixture(&f))
                    {
                        Some(config) => {
                            u32::try_from(config["fargateProfiles"].as_array().map_or(0, Vec::len))
                                .unwrap_or(0)
                        }
                        None => 1,
                    };
                }
                (Program::Aws, ["eks", "create-cluster", ..]) => {
                    plan.clusters
                        .push(flag(&["--name"]).unwrap_or_else(|| "(unnamed)".into()));
                }
                (Program::Aws, ["cloudformation", "create-stack", ..]) => {
                    plan.stacks
                        .push(flag(&["--stack-name"]).unwrap_or_else(|| "(unnamed)".into()));
                }
                (Program::Kubectl, ["run", ..] | ["apply", ..] | ["create", "-f", ..]) => {
                    plan.pods += 1;
                }
                _ => {}
            }
        }
        plan
    }

    /// Estimated hours the scenario keeps things running on AWS.
    #[must_use]
    pub fn hours(&self) -> f64 {
        let clusters = self.clusters.len().max(self.stacks.len()) as f64;
        (clusters * 30.0 + f64::from(self.profiles) * 4.0) / 60.0
    }

    /// Estimated cost, USD.
    #[must_use]
    pub fn cost(&self) -> f64 {
        let clusters = self.clusters.len().max(self.stacks.len()) as f64;
        let hourly = clusters * (EKS_CLUSTER_HOURLY + NAT_GATEWAY_HOURLY)
            + f64::from(self.nodes) * M5_LARGE_HOURLY
            + f64::from(self.pods) * FARGATE_POD_HOURLY;
        hourly * self.hours()
    }

    /// One line: what and how much.
    #[must_use]
    pub fn line(&self) -> String {
        let mut parts = Vec::new();
        if !self.clusters.is_empty() {
            parts.push(format!(
                "{} EKS cluster(s) [{}] with their VPC, NAT gateway, IAM roles and CloudFormation stacks",
                self.clusters.len(),
                self.clusters.join(", ")
            ));
        }
        if !self.stacks.is_empty() {
            parts.push(format!("stack(s) [{}]", self.stacks.join(", ")));
        }
        if self.nodes > 0 {
            parts.push(format!("{} EC2 node(s)", self.nodes));
        }
        if self.profiles > 0 {
            parts.push(format!("{} Fargate profile(s)", self.profiles));
        }
        if self.pods > 0 {
            parts.push(format!("{} pod(s)", self.pods));
        }
        if parts.is_empty() {
            return "nothing billable".into();
        }
        format!(
            "{}; about {:.0} min, about ${:.2}",
            parts.join(", "),
            self.hours() * 60.0,
            self.cost()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_plan_reads_commands_and_fixtures() {
        let s = crate::schema::parse(
            r#"name: p
description: d
files:
  c.yaml: |
    metadata: {name: fargate-cluster, region: ap-northeast-1}
    nodeGroups: [{name: ng-1, desiredCapacity: 1}]
    fargateProfiles: [{name: a}, {name: b}]
steps:
  - ekscli create cluster -f c.yaml
  - ekscli create cluster --fargate
  - ekscli create fargateprofile --cluster x --namespace dev
  - aws cloudformation create-stack --stack-name legacy --template-body file://t.json
  - kubectl run nginx --image=nginx
"#,
            Path::new("p.yaml"),
        )
        .unwrap();
        let plan = Plan::of(&s);
        assert_eq!(plan.clusters, ["fargate-cluster", "(generated)"]);
        assert_eq!(plan.stacks, ["legacy"]);
        assert_eq!((plan.nodes, plan.profiles, plan.pods), (1, 4, 1));
        let line = plan.line();
        assert!(
            line.contains("2 EKS cluster(s)") && line.contains("about $"),
            "{line}"
        );
        assert!(plan.cost() > 0.1 && plan.cost() < 2.0, "{}", plan.cost());
    }
}
