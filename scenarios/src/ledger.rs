//! What a scenario created, so that the runner can delete it on a target that outlives the run
//! (real AWS, a running emulator) even when the scenario failed or was interrupted.
//!
//! Creation is read from what the commands said and did: ekscli's `creating EKS cluster "C" in
//! "R" region`, `deploying stack "S"` and `creating Fargate profile "P" on EKS cluster "C"` lines,
//! and the `aws eks create-cluster`, `aws eks create-fargate-profile`, `aws eks create-nodegroup`,
//! `aws cloudformation create-stack` and `aws iam create-role` command lines. Anything that existed before the scenario started is never
//! touched. Cleanup (in `run.rs`) goes in reverse order of creation, each deletion waited, so
//! dependents go first: profiles and nodegroups (through EKS, one at a time, as EKS allows), then
//! stacks (nodegroup stacks before the cluster stack that exports to them), then any cluster still
//! there (through `ekscli delete cluster --wait`), and IAM roles.

use std::collections::BTreeSet;

use crate::schema::Program;

/// A resource the runner must delete.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Resource {
    /// An EKS cluster.
    Cluster { region: String, name: String },
    /// A CloudFormation stack.
    Stack { region: String, name: String },
    /// A Fargate profile.
    FargateProfile {
        region: String,
        cluster: String,
        name: String,
    },
    /// A nodegroup made through the EKS API.
    Nodegroup {
        region: String,
        cluster: String,
        name: String,
    },
    /// An IAM role (global).
    Role { name: String },
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cluster { region, name } => write!(f, "EKS cluster {name:?} in {region}"),
            Self::Stack { region, name } => write!(f, "CloudFormation stack {name:?} in {region}"),
            Self::FargateProfile {
                region,
                cluster,
                name,
            } => write!(
                f,
                "Fargate profile {name:?} of cluster {cluster:?} in {region}"
            ),
            Self::Nodegroup {
                region,
                cluster,
                name,
            } => write!(f, "nodegroup {name:?} of cluster {cluster:?} in {region}"),
            Self::Role { name } => write!(f, "IAM role {name:?}"),
        }
    }
}

/// Resources in the order they were created.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    created: Vec<Resource>,
    before: BTreeSet<Resource>,
}

impl Ledger {
    /// A ledger that ignores what already existed (`clusters` and `stacks` of `region`).
    #[must_use]
    pub fn new(region: &str, clusters: Vec<String>, stacks: Vec<String>) -> Self {
        let before = clusters
            .into_iter()
            .map(|name| Resource::Cluster {
                region: region.to_owned(),
                name,
            })
            .chain(stacks.into_iter().map(|name| Resource::Stack {
                region: region.to_owned(),
                name,
            }))
            .collect();
        Self {
            created: Vec::new(),
            before,
        }
    }

    /// What was created, oldest first.
    #[must_use]
    pub fn created(&self) -> &[Resource] {
        &self.created
    }

    /// Forgets a resource (it was deleted).
    pub fn forget(&mut self, resource: &Resource) {
        self.created.retain(|r| r != resource);
    }

    fn add(&mut self, resource: Resource) {
        if !self.before.contains(&resource) && !self.created.contains(&resource) {
            self.created.push(resource);
        }
    }

    /// Notes what a command created, from its words and its output.
    pub fn observe(
        &mut self,
        program: Program,
        args: &[String],
        stdout: &str,
        default_region: &str,
    ) {
        let flag = |names: &[&str]| -> Option<String> {
            args.iter().enumerate().find_map(|(i, a)| {
                names.iter().find_map(|n| {
                    if a == n {
                        args.get(i + 1).cloned()
                    } else {
                        a.strip_prefix(&format!("{n}=")).map(str::to_owned)
                    }
                })
            })
        };
        let mut region = flag(&["--region", "-r"]).unwrap_or_else(|| default_region.to_owned());
        match program {
            Program::Ekscli => {
                for line in stdout.lines() {
                    if let Some((name, r)) = quoted_pair(line, "creating EKS cluster ", " in ") {
                        region = r.clone();
                        self.add(Resource::Cluster { region: r, name });
                    }
                    if let Some(name) = quoted_after(line, "deploying stack ") {
                        self.add(Resource::Stack {
                            region: region.clone(),
                            name,
                        });
                    }
                    if let Some((name, cluster)) =
                        quoted_pair(line, "creating Fargate profile ", " on EKS cluster ")
                    {
                        self.add(Resource::FargateProfile {
                            region: region.clone(),
                            cluster,
                            name,
                        });
                    }
                }
            }
            Program::Aws => {
                let words: Vec<&str> = args.iter().map(String::as_str).collect();
                let op = |service: &str, operation: &str| {
                    words.windows(2).any(|w| w == [service, operation])
                };
                if op("eks", "create-cluster") {
                    if let Some(name) = flag(&["--name"]) {
                        self.add(Resource::Cluster { region, name });
                    }
                } else if op("eks", "create-fargate-profile") {
                    if let (Some(cluster), Some(name)) =
                        (flag(&["--cluster-name"]), flag(&["--fargate-profile-name"]))
                    {
                        self.add(Resource::FargateProfile {
                            region,
                            cluster,
                            name,
                        });
                    }
                } else if op("eks", "create-nodegroup") {
                    if let (Some(cluster), Some(name)) =
                        (flag(&["--cluster-name"]), flag(&["--nodegroup-name"]))
                    {
                        self.add(Resource::Nodegroup {
                            region,
                            cluster,
                            name,
                        });
                    }
                } else if op("cloudformation", "create-stack") {
                    if let Some(name) = flag(&["--stack-name"]) {
                        self.add(Resource::Stack { region, name });
                    }
                } else if op("iam", "create-role") {
                    if let Some(name) = flag(&["--role-name"]) {
                        self.add(Resource::Role { name });
                    }
                }
            }
            Program::Kubectl => {}
        }
    }
}

/// `"X"` right after `prefix` in `line`.
fn quoted_after(line: &str, prefix: &str) -> Option<String> {
    let rest = &line[line.find(prefix)? + prefix.len()..];
    let rest = rest.strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_owned())
}

/// `"X"` after `prefix`, then `"Y"` after `middle`.
fn quoted_pair(line: &str, prefix: &str, middle: &str) -> Option<(String, String)> {
    let first = quoted_after(line, prefix)?;
    let after = &line[line.find(prefix)? + prefix.len() + first.len() + 2..];
    let second = quoted_after(after, middle)?;
    Some((first, second))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        shlex::split(s).unwrap()
    }

    #[test]
    fn ekscli_output_names_what_it_creates() {
        let mut l = Ledger::new("eu-west-1", vec![], vec!["eksctl-old-cluster".into()]);
        let out = "[ℹ]  creating EKS cluster \"c1\" in \"eu-west-1\" region with Fargate profile\n\
                   [ℹ]  deploying stack \"eksctl-c1-cluster\"\n\
                   [ℹ]  creating Fargate profile \"fp-default\" on EKS cluster \"c1\"\n\
                   [ℹ]  deploying stack \"eksctl-old-cluster\"\n";
        l.observe(
            Program::Ekscli,
            &words("create cluster --fargate"),
            out,
            "ap-northeast-1",
        );
        assert_eq!(
            l.created(),
            [
                Resource::Cluster {
                    region: "eu-west-1".into(),
                    name: "c1".into()
                },
                Resource::Stack {
                    region: "eu-west-1".into(),
                    name: "eksctl-c1-cluster".into()
                },
                Resource::FargateProfile {
                    region: "eu-west-1".into(),
                    cluster: "c1".into(),
                    name: "fp-default".into()
                },
            ],
            "what existed before is never listed"
        );
    }

    #[test]
    fn aws_command_lines_name_what_they_create() {
        let mut l = Ledger::default();
        for line in [
            "cloudformation create-stack --stack-name s1 --template-body file://t.json --region us-east-2",
            "eks create-cluster --name=c2",
            "eks describe-cluster --name c3",
            "eks create-nodegroup --cluster-name c2 --nodegroup-name ng-1 --node-role r",
            "iam create-role --role-name r1 --assume-role-policy-document file://t.json",
        ] {
            l.observe(Program::Aws, &words(line), "", "ap-northeast-1");
        }
        l.observe(
            Program::Kubectl,
            &words("create namespace dev"),
            "",
            "ap-northeast-1",
        );
        let region = || "ap-northeast-1".to_owned();
        assert_eq!(
            l.created(),
            [
                Resource::Stack {
                    region: "us-east-2".into(),
                    name: "s1".into()
                },
                Resource::Cluster {
                    region: region(),
                    name: "c2".into()
                },
                Resource::Nodegroup {
                    region: region(),
                    cluster: "c2".into(),
                    name: "ng-1".into()
                },
                Resource::Role { name: "r1".into() },
            ]
        );
        l.forget(&Resource::Stack {
            region: "us-east-2".into(),
            name: "s1".into(),
        });
        assert_eq!(l.created().len(), 3);
    }
}
