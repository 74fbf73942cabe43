//! Auto Scaling state of one region: groups with their sizes, launch template and subnets, checked
//! as Auto Scaling checks them (sizes in order, the launch template and subnets exist). Nothing of
//! HTTP here.
//!
//! # Reading groups (for the Kubernetes side)
//!
//! An unmanaged nodegroup is an Auto Scaling group whose instances join a cluster as EC2 nodes.
//! [`AutoScalingRegion::groups`] iterates the groups by name; each [`AutoScalingGroup`] gives
//! - `desired_capacity` (how many nodes), `min_size`, `max_size`;
//! - `subnets` (where the nodes get addresses; their zones give the nodes' zones);
//! - [`AutoScalingGroup::cluster_name`]: the cluster its instances join, from the
//!   `kubernetes.io/cluster/<name>` tag eksctl puts on the group (or `alpha.eksctl.io/cluster-name`);
//! - [`AutoScalingGroup::launch_template_data`]: the launch template version's data (instance
//!   type, security groups, instance profile) out of the region's EC2.
//!
//! Groups have no lifecycle of their own: they exist from the create to the delete.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::AutoScalingError;
use crate::clock::Timestamp;
use crate::ec2::model::{Ec2Region, LaunchTemplateData};
use crate::ids::IdGen;
use crate::lifecycle::Transition;
use crate::state::Env;

/// The Auto Scaling store of one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct AutoScalingRegion {
    /// Groups by name.
    pub groups: BTreeMap<String, AutoScalingGroup>,
}

/// Which launch template a group launches, and which version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LaunchTemplateSpec {
    /// The template's id (resolved from a name when one was given).
    pub id: String,
    /// `Version`: a number, `$Latest` or `$Default`.
    pub version: String,
}

/// A tag of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTag {
    /// `Key`.
    pub key: String,
    /// `Value`.
    pub value: String,
    /// `PropagateAtLaunch`: whether instances get it.
    pub propagate_at_launch: bool,
}

/// An Auto Scaling group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoScalingGroup {
    /// `AutoScalingGroupName`.
    pub name: String,
    /// `arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>`.
    pub arn: String,
    /// `CreatedTime`.
    pub created_at: Timestamp,
    /// When its first instances have booted and registered as Kubernetes nodes (`CreatedTime` plus
    /// the node-ready delay of the timing profile). Older state files lack it: ready at once.
    #[serde(default)]
    pub instances_ready_at: Timestamp,
    /// `MinSize`.
    pub min_size: u32,
    /// `MaxSize`.
    pub max_size: u32,
    /// `DesiredCapacity`.
    pub desired_capacity: u32,
    /// The launch template.
    pub launch_template: LaunchTemplateSpec,
    /// `VPCZoneIdentifier`: the subnets.
    pub subnets: Vec<String>,
    /// Tags.
    pub tags: Vec<GroupTag>,
}

impl AutoScalingGroup {
    /// The cluster its instances join: from the `kubernetes.io/cluster/<name>` tag, else the
    /// `alpha.eksctl.io/cluster-name` tag.
    #[must_use]
    pub fn cluster_name(&self) -> Option<&str> {
        self.tags
            .iter()
            .find_map(|t| t.key.strip_prefix("kubernetes.io/cluster/"))
            .or_else(|| {
                self.tags
                    .iter()
                    .find(|t| t.key == "alpha.eksctl.io/cluster-name")
                    .map(|t| t.value.as_str())
            })
    }

    /// The data of the launch template version the group launches, if the template still exists.
    #[must_use]
    pub fn launch_template_data<'a>(&self, ec2: &'a Ec2Region) -> Option<&'a LaunchTemplateData> {
        let template = ec2.launch_template(&self.launch_template.id).ok()?;
        template
            .version(&self.launch_template.version)
            .ok()
            .map(|v| &v.data)
    }
}

/// What creating (or updating) a group asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewAutoScalingGroup {
    /// `AutoScalingGroupName`.
    pub name: String,
    /// `MinSize`.
    pub min_size: String,
    /// `MaxSize`.
    pub max_size: String,
    /// `DesiredCapacity` (the minimum when absent).
    pub desired_capacity: Option<String>,
    /// `LaunchTemplate.LaunchTemplateId`.
    pub launch_template_id: Option<String>,
    /// `LaunchTemplate.LaunchTemplateName`.
    pub launch_template_name: Option<String>,
    /// `LaunchTemplate.Version` (`$Default` when absent).
    pub launch_template_version: Option<String>,
    /// `VPCZoneIdentifier`.
    pub subnets: Vec<String>,
    /// `Tags`.
    pub tags: Vec<GroupTag>,
}

impl NewAutoScalingGroup {
    /// The sizes, the launch template and the subnets, checked against the region's EC2.
    fn check(
        &self,
        ec2: &Ec2Region,
    ) -> Result<((u32, u32, u32), LaunchTemplateSpec), AutoScalingError> {
        let size = |member: &'static str, value: &str| {
            value
                .trim()
                .parse::<u32>()
                .map_err(|_| AutoScalingError::InvalidSize {
                    member,
                    value: value.to_owned(),
                })
        };
        let min = size("minSize", &self.min_size)?;
        let max = size("maxSize", &self.max_size)?;
        let desired = match &self.desired_capacity {
            Some(d) => size("desiredCapacity", d)?,
            None => min,
        };
        if max < min {
            return Err(AutoScalingError::MaxBelowMin { min, max });
        }
        if desired < min || desired > max {
            return Err(AutoScalingError::DesiredOutOfRange { desired, min, max });
        }
        if self.launch_template_id.is_none() && self.launch_template_name.is_none() {
            return Err(AutoScalingError::NoLaunchTemplate);
        }
        let id = ec2
            .launch_template_id(
                self.launch_template_id.as_deref(),
                self.launch_template_name.as_deref(),
            )
            .map_err(|e| AutoScalingError::InvalidLaunchTemplate {
                detail: e.to_string(),
            })?;
        let version = self
            .launch_template_version
            .clone()
            .unwrap_or_else(|| "$Default".into());
        if let Ok(template) = ec2.launch_template(&id) {
            template
                .version(&version)
                .map_err(|e| AutoScalingError::InvalidLaunchTemplate {
                    detail: e.to_string(),
                })?;
        }
        if self.subnets.is_empty() {
            return Err(AutoScalingError::NoSubnets);
        }
        if let Some(missing) = self.subnets.iter().find(|s| !ec2.subnets.contains_key(*s)) {
            return Err(AutoScalingError::SubnetNotFound {
                subnet: missing.clone(),
            });
        }
        Ok(((min, max, desired), LaunchTemplateSpec { id, version }))
    }
}

impl AutoScalingRegion {
    /// The groups by name.
    pub fn groups(&self) -> impl Iterator<Item = &AutoScalingGroup> {
        self.groups.values()
    }

    /// One group.
    ///
    /// # Errors
    ///
    /// [`AutoScalingError::NotFound`].
    pub fn group(&self, name: &str) -> Result<&AutoScalingGroup, AutoScalingError> {
        self.groups
            .get(name)
            .ok_or_else(|| AutoScalingError::NotFound {
                name: name.to_owned(),
            })
    }

    /// `CreateAutoScalingGroup`.
    ///
    /// # Errors
    ///
    /// The first rule broken, as Auto Scaling reports it.
    pub fn create_group(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        ec2: &Ec2Region,
        new: NewAutoScalingGroup,
    ) -> Result<&AutoScalingGroup, AutoScalingError> {
        let ((min_size, max_size, desired_capacity), launch_template) = new.check(ec2)?;
        if self.groups.contains_key(&new.name) {
            return Err(AutoScalingError::AlreadyExists { name: new.name });
        }
        let group = AutoScalingGroup {
            arn: format!(
                "arn:aws:autoscaling:{}:{}:autoScalingGroup:{}:autoScalingGroupName/{}",
                env.region,
                env.account,
                ids.uuid_v4(),
                new.name
            ),
            created_at: env.now,
            instances_ready_at: env.now.after(env.timing.duration(Transition::NodeReady)),
            min_size,
            max_size,
            desired_capacity,
            launch_template,
            subnets: new.subnets,
            tags: new.tags,
            name: new.name.clone(),
        };
        Ok(self.groups.entry(new.name).or_insert(group))
    }

    /// `UpdateAutoScalingGroup` (sizes, launch template, subnets) and the tag calls: the group
    /// becomes what `new` says.
    ///
    /// # Errors
    ///
    /// [`AutoScalingError::NotFound`] and the checks of a create.
    pub fn update_group(
        &mut self,
        ec2: &Ec2Region,
        new: NewAutoScalingGroup,
    ) -> Result<&AutoScalingGroup, AutoScalingError> {
        self.group(&new.name)?;
        let ((min_size, max_size, desired_capacity), launch_template) = new.check(ec2)?;
        let group = self
            .groups
            .get_mut(&new.name)
            .unwrap_or_else(|| unreachable!());
        group.min_size = min_size;
        group.max_size = max_size;
        group.desired_capacity = desired_capacity;
        group.launch_template = launch_template;
        group.subnets = new.subnets;
        group.tags = new.tags;
        Ok(group)
    }

    /// `DeleteAutoScalingGroup` (with `ForceDelete`: its instances go with it).
    ///
    /// # Errors
    ///
    /// [`AutoScalingError::NotFound`].
    pub fn delete_group(&mut self, name: &str) -> Result<AutoScalingGroup, AutoScalingError> {
        self.group(name)?;
        self.groups.remove(name).ok_or_else(|| unreachable!())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::Timing;

    fn env() -> Env<'static> {
        Env {
            now: Timestamp(0),
            timing: Timing::Instant,
            account: "123456789012",
            region: "us-west-2",
        }
    }

    #[test]
    fn a_group_checks_sizes_template_and_subnets_and_reads_back_its_nodes() {
        let mut ids = IdGen::new(0);
        let mut ec2 = Ec2Region::default();
        ec2.ensure_default_vpc(&mut ids, "us-west-2");
        let subnet = ec2.subnets.keys().next().unwrap().clone();
        let template = ec2
            .create_launch_template(
                &env(),
                &mut ids,
                "nodes",
                None,
                LaunchTemplateData {
                    instance_type: Some("m5.large".into()),
                    ..LaunchTemplateData::default()
                },
                Vec::new(),
            )
            .unwrap()
            .id
            .clone();
        let mut asg = AutoScalingRegion::default();
        let new = NewAutoScalingGroup {
            name: "ng".into(),
            min_size: "1".into(),
            max_size: "3".into(),
            desired_capacity: Some("2".into()),
            launch_template_name: Some("nodes".into()),
            subnets: vec![subnet.clone()],
            tags: vec![GroupTag {
                key: "kubernetes.io/cluster/demo".into(),
                value: "owned".into(),
                propagate_at_launch: true,
            }],
            ..NewAutoScalingGroup::default()
        };
        let group = asg
            .create_group(&env(), &mut ids, &ec2, new.clone())
            .unwrap();
        assert_eq!(group.desired_capacity, 2);
        assert_eq!(group.launch_template.id, template);
        assert_eq!(group.cluster_name(), Some("demo"));
        assert_eq!(
            group
                .launch_template_data(&ec2)
                .and_then(|d| d.instance_type.as_deref()),
            Some("m5.large")
        );
        assert_eq!(
            asg.create_group(&env(), &mut ids, &ec2, new.clone())
                .unwrap_err()
                .code(),
            "AlreadyExists"
        );
        let too_many = NewAutoScalingGroup {
            desired_capacity: Some("4".into()),
            ..new.clone()
        };
        assert_eq!(
            asg.update_group(&ec2, too_many).unwrap_err().to_string(),
            "Desired capacity:4 must be between the specified min size:1 and max size:3"
        );
        let nowhere = NewAutoScalingGroup {
            name: "other".into(),
            subnets: vec!["subnet-0".into()],
            ..new.clone()
        };
        assert_eq!(
            asg.create_group(&env(), &mut ids, &ec2, nowhere)
                .unwrap_err()
                .to_string(),
            "The subnet ID 'subnet-0' does not exist"
        );
        let no_template = NewAutoScalingGroup {
            name: "other".into(),
            launch_template_name: Some("missing".into()),
            ..new
        };
        assert!(asg
            .create_group(&env(), &mut ids, &ec2, no_template)
            .unwrap_err()
            .to_string()
            .starts_with("You must use a valid fully-formed launch template."));
        assert_eq!(asg.groups().count(), 1);
        asg.delete_group("ng").unwrap();
        assert!(asg.delete_group("ng").is_err());
    }
}
