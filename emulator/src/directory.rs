//! The glue that lets EKS check what it refers to: [`Lookup`] implements the EKS model's `Directory`
//! over the account's IAM store and the region's EC2 store. Build it after
//! `Ec2Region::ensure_default_vpc`, so that a region's default subnets exist on first use.

use crate::ec2::model::{Ec2Region, Subnet};
use crate::eks::model::{Directory, RoleFacts, SubnetFacts};
use crate::iam::model::IamAccount;

/// IAM and EC2 as EKS sees them during one request.
pub struct Lookup<'a> {
    /// The account's IAM.
    pub iam: &'a IamAccount,
    /// The region's EC2.
    pub ec2: &'a Ec2Region,
}

impl Lookup<'_> {
    fn facts(&self, subnet: &Subnet) -> SubnetFacts {
        SubnetFacts {
            subnet_id: subnet.id.clone(),
            vpc_id: subnet.vpc_id.clone(),
            availability_zone: subnet.availability_zone.clone(),
            cidr_block: subnet.cidr.to_string(),
            private: self.ec2.is_private(subnet),
        }
    }
}

impl Directory for Lookup<'_> {
    fn role(&self, arn: &str) -> Option<RoleFacts> {
        self.iam.role_by_arn(arn).map(|role| RoleFacts {
            arn: role.arn.clone(),
            trusted_services: role.trusted_services(),
        })
    }

    fn subnet(&self, subnet_id: &str) -> Option<SubnetFacts> {
        self.ec2.subnets.get(subnet_id).map(|s| self.facts(s))
    }

    fn subnets_of_vpc(&self, vpc_id: &str) -> Vec<SubnetFacts> {
        self.ec2
            .subnets
            .values()
            .filter(|s| s.vpc_id == vpc_id)
            .map(|s| self.facts(s))
            .collect()
    }
}

/// `CreateCluster` as every path into EKS performs it (the API handler and CloudFormation's
/// `AWS::EKS::Cluster`): checks through the [`Lookup`], records the cluster, and gives a new cluster
/// the security group EKS creates for it in its VPC. Returns the cluster's name.
///
/// # Errors
/// The EKS error for a request EKS refuses; nothing is recorded then.
pub fn create_cluster(
    env: &crate::state::Env<'_>,
    ids: &mut crate::ids::IdGen,
    iam: &IamAccount,
    eks: &mut crate::eks::model::EksRegion,
    ec2: &mut Ec2Region,
    faults: &mut crate::faults::Faults,
    new: crate::eks::model::NewCluster,
) -> Result<String, crate::eks::error::EksError> {
    ec2.ensure_default_vpc(ids, env.region);
    let directory = Lookup { iam, ec2 };
    let cluster = eks.create_cluster(env, ids, &directory, faults, new)?;
    let (name, vpc) = (cluster.name.clone(), cluster.vpc.vpc_id.clone());
    if cluster.vpc.cluster_security_group_id.is_empty() {
        let group = ec2.create_cluster_security_group(ids, &vpc, &name);
        if let Some(cluster) = eks.clusters.get_mut(&name) {
            cluster.vpc.cluster_security_group_id = group;
        }
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Timestamp;
    use crate::iam::model::NewRole;
    use crate::ids::IdGen;
    use crate::lifecycle::Timing;
    use crate::state::Env;

    #[test]
    fn roles_and_subnets_are_seen_as_eks_needs_them() {
        let mut ids = IdGen::new(0);
        let env = Env {
            now: Timestamp(0),
            timing: Timing::Instant,
            account: "123456789012",
            region: "us-east-1",
        };
        let mut iam = IamAccount::default();
        iam.create_role(&env, &mut ids, NewRole {
            name: "pods".into(),
            assume_role_policy: r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"eks-fargate-pods.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
            ..NewRole::default()
        })
        .unwrap();
        let mut ec2 = Ec2Region::default();
        ec2.ensure_default_vpc(&mut ids, "us-east-1");
        let vpc = ec2.default_vpc().unwrap().id.clone();
        let private = ec2
            .create_subnet(
                &mut ids,
                &vpc,
                "172.31.128.0/20",
                Some("us-east-1a"),
                None,
                Vec::new(),
            )
            .unwrap()
            .id
            .clone();
        // A new subnet follows the main route table, which routes to the default internet gateway.
        let lookup = Lookup {
            iam: &iam,
            ec2: &ec2,
        };
        assert!(!lookup.subnet(&private).unwrap().private);
        let role = lookup.role("arn:aws:iam::123456789012:role/pods").unwrap();
        assert_eq!(role.trusted_services, ["eks-fargate-pods.amazonaws.com"]);
        assert_eq!(lookup.role("arn:aws:iam::123456789012:role/nope"), None);
        let in_vpc = lookup.subnets_of_vpc(&vpc);
        assert_eq!(in_vpc.len(), 7);
        assert!(in_vpc.windows(2).all(|w| w[0].subnet_id < w[1].subnet_id));
        assert_eq!(lookup.subnet("subnet-0"), None);
    }
}
