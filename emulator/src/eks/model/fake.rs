//! Test fixtures for the EKS model: a [`FakeDirectory`] standing in for IAM and EC2, and an
//! [`Fixture`] holding a region with one `ACTIVE` cluster on two private subnets and one public one.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Directory, EksRegion, NewCluster, RoleFacts, SubnetFacts};
use crate::clock::Timestamp;
use crate::faults::Faults;
use crate::ids::IdGen;
use crate::lifecycle::Timing;
use crate::state::Env;

pub const POD_ROLE: &str = "arn:aws:iam::123456789012:role/pod-execution";
pub const NODE_ROLE: &str = "arn:aws:iam::123456789012:role/node";
pub const CLUSTER_ROLE: &str = "arn:aws:iam::123456789012:role/eks";
pub const MISSING_ROLE: &str = "arn:aws:iam::123456789012:role/missing";
pub const PRIVATE_A: &str = "subnet-private-a";
pub const PRIVATE_B: &str = "subnet-private-b";
pub const PUBLIC_A: &str = "subnet-public-a";
pub const OTHER_VPC: &str = "subnet-other-vpc";
pub const CLUSTER: &str = "c1";
pub const CLUSTER_VPC: &str = "vpc-cluster";

/// IAM roles and EC2 subnets as plain maps.
#[derive(Debug, Default)]
pub struct FakeDirectory {
    pub roles: BTreeMap<String, RoleFacts>,
    pub subnets: BTreeMap<String, SubnetFacts>,
}

impl FakeDirectory {
    /// The pod execution, node and cluster roles, and the four subnets (three in `vpc_id`).
    pub fn for_vpc(vpc_id: &str) -> Self {
        let mut dir = Self::default();
        for (arn, service) in [
            (POD_ROLE, "eks-fargate-pods.amazonaws.com"),
            (NODE_ROLE, "ec2.amazonaws.com"),
            (CLUSTER_ROLE, "eks.amazonaws.com"),
        ] {
            dir.roles.insert(
                arn.to_owned(),
                RoleFacts {
                    arn: arn.to_owned(),
                    trusted_services: vec![service.to_owned()],
                },
            );
        }
        for (id, vpc, private, az) in [
            (PRIVATE_A, vpc_id, true, "us-east-1a"),
            (PRIVATE_B, vpc_id, true, "us-east-1b"),
            (PUBLIC_A, vpc_id, false, "us-east-1a"),
            (OTHER_VPC, "vpc-other", true, "us-east-1a"),
        ] {
            dir.subnets.insert(
                id.to_owned(),
                SubnetFacts {
                    subnet_id: id.to_owned(),
                    vpc_id: vpc.to_owned(),
                    availability_zone: az.to_owned(),
                    cidr_block: "10.0.0.0/24".to_owned(),
                    private,
                },
            );
        }
        dir
    }

    /// Makes every subnet public.
    pub fn all_public(&mut self) {
        for subnet in self.subnets.values_mut() {
            subnet.private = false;
        }
    }
}

impl Directory for FakeDirectory {
    fn role(&self, arn: &str) -> Option<RoleFacts> {
        self.roles.get(arn).cloned()
    }

    fn subnet(&self, subnet_id: &str) -> Option<SubnetFacts> {
        self.subnets.get(subnet_id).cloned()
    }

    fn subnets_of_vpc(&self, vpc_id: &str) -> Vec<SubnetFacts> {
        self.subnets
            .values()
            .filter(|s| s.vpc_id == vpc_id)
            .cloned()
            .collect()
    }
}

/// A region with cluster [`CLUSTER`] `ACTIVE`, realistic timing, and a clock to move.
pub struct Fixture {
    pub eks: EksRegion,
    pub ids: IdGen,
    pub dir: FakeDirectory,
    pub now: Timestamp,
    /// The injected faults the models ask (none unless a test adds some).
    pub faults: Faults,
}

impl Fixture {
    /// Cluster [`CLUSTER`] on the private subnets A and B and the public subnet A, `ACTIVE`.
    pub fn active_cluster() -> Self {
        let mut fixture = Self::creating_cluster(CLUSTER);
        fixture.pass(600);
        fixture
    }

    /// Cluster `name` just created (`CREATING`).
    pub fn creating_cluster(name: &str) -> Self {
        let mut eks = EksRegion::default();
        let mut ids = IdGen::new(0);
        let now = Timestamp(1_767_225_600_000);
        let dir = FakeDirectory::for_vpc(CLUSTER_VPC);
        let mut faults = Faults::new(0);
        eks.create_cluster(&env(now), &mut ids, &dir, &mut faults, new_cluster(name))
            .expect("the fixture's cluster is valid");
        Self {
            eks,
            ids,
            dir,
            now,
            faults,
        }
    }

    /// Creates another cluster `name` like the fixture's, left `CREATING`.
    pub fn add_creating_cluster(&mut self, name: &str) {
        let env = self.env();
        self.eks
            .create_cluster(
                &env,
                &mut self.ids,
                &self.dir,
                &mut self.faults,
                new_cluster(name),
            )
            .expect("a valid cluster");
    }

    /// The environment of a request made now.
    pub fn env(&self) -> Env<'static> {
        env(self.now)
    }

    /// Adds a fault rule, given as the JSON body of `POST /_emulator/faults`.
    pub fn inject(&mut self, rule: serde_json::Value) {
        let spec = serde_json::from_value(rule).expect("a fault spec");
        self.faults.add(spec).expect("a valid fault");
    }

    /// Moves the clock `seconds` forward and applies what came due.
    pub fn pass(&mut self, seconds: u64) {
        self.now = self.now.after(Duration::from_secs(seconds));
        self.eks.advance(self.now);
    }
}

/// Cluster `name` on the private subnets A and B and the public subnet A.
fn new_cluster(name: &str) -> NewCluster {
    NewCluster {
        name: name.into(),
        role_arn: CLUSTER_ROLE.into(),
        subnet_ids: vec![PRIVATE_A.into(), PRIVATE_B.into(), PUBLIC_A.into()],
        ..NewCluster::default()
    }
}

/// A request environment at `now` with realistic timing.
pub fn env(now: Timestamp) -> Env<'static> {
    Env {
        now,
        timing: Timing::Realistic,
        account: "123456789012",
        region: "us-east-1",
    }
}

/// `message` with the request id EC2's relayed errors carry replaced by `<request-id>`.
pub fn mask_request_id(message: &str) -> String {
    match message.split_once("Request ID: ") {
        Some((before, after)) => {
            let rest = after.find(';').map_or("", |end| &after[end..]);
            format!("{before}Request ID: <request-id>{rest}")
        }
        None => message.to_owned(),
    }
}
