//! `AWS::AutoScaling::AutoScalingGroup`, through the Auto Scaling model (`create_group`,
//! `update_group`, `delete_group`): an unmanaged nodegroup's group with its sizes, launch template
//! and subnets. `Ref` is the group's name. Its instances are not launched here: the Kubernetes side
//! reads the group (see `autoscaling::model`) to make its nodes.

use serde_json::Value;

use super::{
    bool_of, changed_properties, handler_code, handler_failure, refuse_changes, scalar_string,
    strings, unsupported_property, Provider, Request, Services,
};
use crate::autoscaling::error::AutoScalingError;
use crate::autoscaling::model::{GroupTag, NewAutoScalingGroup};
use crate::ids::IdGen;

fn failure(ids: &mut IdGen, err: &AutoScalingError) -> String {
    handler_failure(
        ids,
        "AutoScaling",
        err.status().as_u16(),
        &err.to_string(),
        handler_code(err.code()),
    )
}

/// `AWS::AutoScaling::AutoScalingGroup` with a launch template in a VPC.
pub struct AutoScalingGroup;

impl AutoScalingGroup {
    /// The group a template describes, named `name`.
    fn group(req: &Request<'_>, name: String) -> NewAutoScalingGroup {
        let p = req.properties;
        let template = p.get("LaunchTemplate");
        let field = |name: &str| template.and_then(|t| t.get(name)).and_then(scalar_string);
        // The stack's and CloudFormation's tags reach the instances too.
        let mut tags: Vec<GroupTag> = req
            .stack_tags()
            .into_iter()
            .map(|(key, value)| GroupTag {
                key,
                value,
                propagate_at_launch: true,
            })
            .collect();
        for tag in p
            .get("Tags")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(key) = tag.get("Key").and_then(scalar_string) else {
                continue;
            };
            tags.retain(|t| t.key != key);
            tags.push(GroupTag {
                key,
                value: tag.get("Value").and_then(scalar_string).unwrap_or_default(),
                propagate_at_launch: bool_of(tag.get("PropagateAtLaunch")).unwrap_or(false),
            });
        }
        NewAutoScalingGroup {
            name,
            min_size: req.string("MinSize").unwrap_or_default(),
            max_size: req.string("MaxSize").unwrap_or_default(),
            desired_capacity: req.string("DesiredCapacity"),
            launch_template_id: field("LaunchTemplateId"),
            launch_template_name: field("LaunchTemplateName"),
            launch_template_version: field("Version"),
            subnets: strings(p.get("VPCZoneIdentifier")),
            tags,
        }
    }
}

impl Provider for AutoScalingGroup {
    fn type_name(&self) -> &'static str {
        "AWS::AutoScaling::AutoScalingGroup"
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["AutoScalingGroupName", "InstanceId"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(
            req,
            self.type_name(),
            &[
                "LaunchConfigurationName",
                "InstanceId",
                "MixedInstancesPolicy",
            ],
        )?;
        req.require(&["MinSize", "MaxSize"])?;
        let name = match req.string("AutoScalingGroupName") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 255),
        };
        svc.ensure_ec2();
        let env = svc.env;
        let created = svc
            .autoscaling
            .create_group(&env, svc.ids, svc.ec2, Self::group(req, name.clone()))
            .map(|_| ());
        created.map_err(|e| failure(svc.ids, &e))?;
        Ok(name)
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(
            self.type_name(),
            &changed,
            &[
                "MinSize",
                "MaxSize",
                "DesiredCapacity",
                "LaunchTemplate",
                "VPCZoneIdentifier",
                "Tags",
            ],
        )?;
        let updated = svc
            .autoscaling
            .update_group(svc.ec2, Self::group(req, physical_id.to_owned()))
            .map(|_| ());
        updated.map_err(|e| failure(svc.ids, &e))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let _ = svc.autoscaling.delete_group(physical_id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::ec2::LaunchTemplate;
    use super::super::testing::World;
    use super::*;
    use serde_json::json;

    #[test]
    fn a_group_records_sizes_template_and_subnets_and_follows_updates() {
        let mut w = World::new();
        let (template, _) = w.make(
            &LaunchTemplate,
            "NodeGroupLaunchTemplate",
            &json!({"LaunchTemplateData": {"InstanceType": "m5.large"}}),
        );
        let subnets = w.default_subnets();
        let v1 = json!({
            "MinSize": "1", "MaxSize": "3", "DesiredCapacity": "2",
            "LaunchTemplate": {"LaunchTemplateId": template, "Version": "1"},
            "VPCZoneIdentifier": subnets,
            "Tags": [{"Key": "kubernetes.io/cluster/demo", "Value": "owned", "PropagateAtLaunch": "true"}]
        });
        let (name, attrs) = w.make(&AutoScalingGroup, "NodeGroup", &v1);
        assert!(attrs.is_empty());
        assert!(name.starts_with("eksctl-demo-cluster-NodeGroup-"), "{name}");
        let group = w.autoscaling.group(&name).unwrap();
        assert_eq!(
            (group.min_size, group.desired_capacity, group.max_size),
            (1, 2, 3)
        );
        assert_eq!(group.subnets, subnets);
        assert_eq!(group.cluster_name(), Some("demo"));
        assert_eq!(
            group
                .launch_template_data(&w.ec2)
                .and_then(|d| d.instance_type.clone()),
            Some("m5.large".into())
        );
        assert!(group
            .tags
            .iter()
            .any(|t| t.key == "aws:cloudformation:logical-id" && t.propagate_at_launch));

        let mut v2 = v1.clone();
        v2["DesiredCapacity"] = json!("3");
        w.change(&AutoScalingGroup, "NodeGroup", &name, &v1, &v2)
            .unwrap();
        assert_eq!(w.autoscaling.group(&name).unwrap().desired_capacity, 3);
        let mut v3 = v2.clone();
        v3["MaxSize"] = json!("2");
        let reason = w
            .change(&AutoScalingGroup, "NodeGroup", &name, &v2, &v3)
            .unwrap_err();
        assert!(
            reason.contains("Desired capacity:3 must be between the specified min size:1 and max size:2 (Service: AutoScaling, Status Code: 400"),
            "{reason}"
        );
        let reason = w.refuse(
            &AutoScalingGroup,
            "Other",
            &json!({"MinSize": 1, "MaxSize": 1, "VPCZoneIdentifier": subnets,
                    "LaunchTemplate": {"LaunchTemplateName": "missing", "Version": "1"}}),
        );
        assert!(
            reason.contains("You must use a valid fully-formed launch template."),
            "{reason}"
        );
        assert_eq!(
            w.refuse(
                &AutoScalingGroup,
                "Other",
                &json!({"MinSize": 1, "MaxSize": 1, "LaunchConfigurationName": "lc"})
            ),
            "Property LaunchConfigurationName of AWS::AutoScaling::AutoScalingGroup is not supported by this emulator yet"
        );
        w.unmake(&AutoScalingGroup, &name, &v2);
        w.unmake(&AutoScalingGroup, &name, &v2);
        assert_eq!(w.autoscaling.groups().count(), 0);
    }
}
