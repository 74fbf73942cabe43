//! `AWS::IAM::*` providers, each through the IAM model functions the IAM API handlers call (so a
//! stack meets IAM's name, policy-grammar and delete-conflict checks). A create that fails midway
//! undoes what it did, so that a rollback finds nothing half made.
//!
//! `Ref` of a role and an instance profile is its name (generated as
//! `<stack>-<LogicalId>-<suffix>` when the template gives none); of an inline policy, a generated
//! id. IAM resources carry the stack's tags but not `aws:cloudformation:*` ones (IAM refuses the
//! `aws:` prefix).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{
    changed_properties, document, iam_failure, key_values, refuse_changes, scalar_string, strings,
    unsupported_property, Progress, Provider, Request, Services,
};
use crate::iam::error::IamError;
use crate::iam::model::{NewRole, Tag};

/// The stack's tags and the `Tags` property, as IAM tags.
fn tags_of(req: &Request<'_>) -> Vec<Tag> {
    let mut tags: BTreeMap<String, String> = req.tags.iter().cloned().collect();
    tags.extend(key_values(req.properties.get("Tags")));
    tags.into_iter()
        .map(|(key, value)| Tag { key, value })
        .collect()
}

/// `(PolicyName, document)` of each item of a `Policies` list.
fn inline_policies(value: Option<&Value>) -> Vec<(String, String)> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|p| {
                    (
                        p.get("PolicyName")
                            .and_then(scalar_string)
                            .unwrap_or_default(),
                        p.get("PolicyDocument").map(document).unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A call whose "already gone" outcome is as good as success (deletes, detaches).
fn gone_ok(result: Result<(), IamError>) -> Result<(), IamError> {
    match result {
        Err(IamError::NoSuchRole { .. })
        | Err(IamError::NoSuchRolePolicy { .. })
        | Err(IamError::NoSuchInstanceProfile { .. })
        | Err(IamError::PolicyNotFound { .. }) => Ok(()),
        other => other,
    }
}

/// Removes a role's attached and inline policies, then the role (what `DeleteRole` needs first).
fn delete_role(svc: &mut Services<'_>, name: &str) -> Result<(), IamError> {
    let Ok(role) = svc.iam.role(name) else {
        return Ok(());
    };
    let attached = role.attached_policies.clone();
    let inline: Vec<String> = role.inline_policies.keys().cloned().collect();
    for arn in attached {
        gone_ok(svc.iam.detach_role_policy(name, &arn))?;
    }
    for policy in inline {
        gone_ok(svc.iam.delete_role_policy(name, &policy))?;
    }
    gone_ok(svc.iam.delete_role(name))
}

/// `AWS::IAM::Role` through `CreateRole`, `AttachRolePolicy` and `PutRolePolicy`.
pub struct Role;

impl Role {
    /// Attaches `ManagedPolicyArns` and puts `Policies` on a new role.
    fn furnish(svc: &mut Services<'_>, name: &str, p: &Value) -> Result<(), IamError> {
        for arn in strings(p.get("ManagedPolicyArns")) {
            svc.iam.attach_role_policy(name, &arn)?;
        }
        for (policy, doc) in inline_policies(p.get("Policies")) {
            svc.iam.put_role_policy(name, &policy, doc)?;
        }
        Ok(())
    }
}

impl Provider for Role {
    fn type_name(&self) -> &'static str {
        "AWS::IAM::Role"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["Arn", "RoleId"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["RoleName", "Path"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(req, self.type_name(), &["PermissionsBoundary"])?;
        req.require(&["AssumeRolePolicyDocument"])?;
        let p = req.properties;
        let name = match req.string("RoleName") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 64),
        };
        let max_session_duration = match req.string("MaxSessionDuration") {
            None => None,
            Some(text) => Some(text.parse().map_err(|_| {
                let err = IamError::invalid("maxSessionDuration", &text, "be a number");
                iam_failure(svc.ids, &err)
            })?),
        };
        let new = NewRole {
            name: name.clone(),
            path: req.string("Path"),
            assume_role_policy: p
                .get("AssumeRolePolicyDocument")
                .map(document)
                .unwrap_or_default(),
            description: req.string("Description"),
            max_session_duration,
            tags: tags_of(req),
        };
        let env = svc.env;
        let created = svc.iam.create_role(&env, svc.ids, new).map(|_| ());
        created.map_err(|e| iam_failure(svc.ids, &e))?;
        if let Err(e) = Self::furnish(svc, &name, p) {
            let _ = delete_role(svc, &name);
            return Err(iam_failure(svc.ids, &e));
        }
        Ok(name)
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        match svc.iam.role(physical_id) {
            Ok(role) => Progress::Done(BTreeMap::from([
                ("Arn".to_owned(), json!(role.arn)),
                ("RoleId".to_owned(), json!(role.id)),
            ])),
            Err(_) => Progress::Failed(format!(
                "Role {physical_id} was deleted outside of CloudFormation"
            )),
        }
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
                "AssumeRolePolicyDocument",
                "ManagedPolicyArns",
                "Policies",
                "Tags",
            ],
        )?;
        let p = req.properties;
        let name = physical_id;
        let result = (|| {
            if changed.iter().any(|c| c == "AssumeRolePolicyDocument") {
                let doc = p
                    .get("AssumeRolePolicyDocument")
                    .map(document)
                    .unwrap_or_default();
                svc.iam.update_assume_role_policy(name, doc)?;
            }
            let (before, after) = (
                strings(old.get("ManagedPolicyArns")),
                strings(p.get("ManagedPolicyArns")),
            );
            for arn in before.iter().filter(|a| !after.contains(a)) {
                gone_ok(svc.iam.detach_role_policy(name, arn))?;
            }
            for arn in after.iter().filter(|a| !before.contains(a)) {
                svc.iam.attach_role_policy(name, arn)?;
            }
            let (before, after) = (
                inline_policies(old.get("Policies")),
                inline_policies(p.get("Policies")),
            );
            for (policy, _) in before
                .iter()
                .filter(|(n, _)| !after.iter().any(|(a, _)| a == n))
            {
                gone_ok(svc.iam.delete_role_policy(name, policy))?;
            }
            for (policy, doc) in after {
                svc.iam.put_role_policy(name, &policy, doc)?;
            }
            let tags = tags_of(req);
            let stale: Vec<String> = svc
                .iam
                .role(name)?
                .tags
                .iter()
                .filter(|t| !tags.iter().any(|n| n.key.eq_ignore_ascii_case(&t.key)))
                .map(|t| t.key.clone())
                .collect();
            svc.iam.untag_role(name, &stale)?;
            if !tags.is_empty() {
                svc.iam.tag_role(name, tags)?;
            }
            Ok(())
        })();
        result.map_err(|e: IamError| iam_failure(svc.ids, &e))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        delete_role(svc, physical_id).map_err(|e| iam_failure(svc.ids, &e))
    }
}

/// `AWS::IAM::Policy`: an inline policy put on each of its `Roles` through `PutRolePolicy`.
/// Policies of users and groups are not modelled.
pub struct Policy;

impl Policy {
    fn put(svc: &mut Services<'_>, p: &Value) -> Result<(), IamError> {
        let name = p
            .get("PolicyName")
            .and_then(scalar_string)
            .unwrap_or_default();
        let doc = p.get("PolicyDocument").map(document).unwrap_or_default();
        let roles = strings(p.get("Roles"));
        for (i, role) in roles.iter().enumerate() {
            if let Err(e) = svc.iam.put_role_policy(role, &name, doc.clone()) {
                for done in &roles[..i] {
                    let _ = svc.iam.delete_role_policy(done, &name);
                }
                return Err(e);
            }
        }
        Ok(())
    }

    fn remove(svc: &mut Services<'_>, p: &Value) -> Result<(), IamError> {
        let name = p
            .get("PolicyName")
            .and_then(scalar_string)
            .unwrap_or_default();
        for role in strings(p.get("Roles")) {
            gone_ok(svc.iam.delete_role_policy(&role, &name))?;
        }
        Ok(())
    }
}

impl Provider for Policy {
    fn type_name(&self) -> &'static str {
        "AWS::IAM::Policy"
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        unsupported_property(req, self.type_name(), &["Users", "Groups"])?;
        req.require(&["PolicyName", "PolicyDocument"])?;
        if strings(req.properties.get("Roles")).is_empty() {
            // Text chosen here, after CloudFormation's own check.
            return Err(format!(
                "Properties validation failed for resource {} with message: [At least one of [Groups,Roles,Users] must be non-empty.]",
                req.logical_id
            ));
        }
        Self::put(svc, req.properties).map_err(|e| iam_failure(svc.ids, &e))?;
        // The short generated id CloudFormation gives inline policies (`eksct-Poli-1AB2…`).
        let stack: String = req.stack_name.chars().take(5).collect();
        let logical: String = req.logical_id.chars().take(4).collect();
        Ok(format!("{stack}-{logical}-{}", svc.ids.cfn_suffix(12)))
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        _physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        unsupported_property(req, self.type_name(), &["Users", "Groups"])?;
        Self::remove(svc, old)
            .and_then(|()| Self::put(svc, req.properties))
            .map_err(|e| iam_failure(svc.ids, &e))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        _physical_id: &str,
        properties: &Value,
    ) -> Result<(), String> {
        Self::remove(svc, properties).map_err(|e| iam_failure(svc.ids, &e))
    }
}

/// `AWS::IAM::InstanceProfile` through `CreateInstanceProfile` and `AddRoleToInstanceProfile`.
pub struct InstanceProfile;

impl InstanceProfile {
    fn remove_roles(svc: &mut Services<'_>, name: &str) -> Result<(), IamError> {
        let Ok(profile) = svc.iam.instance_profile(name) else {
            return Ok(());
        };
        let roles: Vec<String> = svc
            .iam
            .roles_of(profile)
            .iter()
            .map(|r| r.name.clone())
            .collect();
        for role in roles {
            gone_ok(svc.iam.remove_role_from_instance_profile(name, &role))?;
        }
        Ok(())
    }
}

impl Provider for InstanceProfile {
    fn type_name(&self) -> &'static str {
        "AWS::IAM::InstanceProfile"
    }

    fn attributes(&self) -> &'static [&'static str] {
        &["Arn"]
    }

    fn create_only(&self) -> &'static [&'static str] {
        &["InstanceProfileName", "Path"]
    }

    fn create(&self, svc: &mut Services<'_>, req: &Request<'_>) -> Result<String, String> {
        req.require(&["Roles"])?;
        let name = match req.string("InstanceProfileName") {
            Some(name) => name,
            None => req.generated_name(svc.ids, 128),
        };
        let env = svc.env;
        let created = svc
            .iam
            .create_instance_profile(&env, svc.ids, &name, req.string("Path"), Vec::new())
            .map(|_| ());
        created.map_err(|e| iam_failure(svc.ids, &e))?;
        for role in strings(req.properties.get("Roles")) {
            if let Err(e) = svc.iam.add_role_to_instance_profile(&name, &role) {
                let _ = Self::remove_roles(svc, &name);
                let _ = svc.iam.delete_instance_profile(&name);
                return Err(iam_failure(svc.ids, &e));
            }
        }
        Ok(name)
    }

    fn check_create(&self, svc: &mut Services<'_>, physical_id: &str) -> Progress {
        match svc.iam.instance_profile(physical_id) {
            Ok(profile) => Progress::Done(BTreeMap::from([("Arn".to_owned(), json!(profile.arn))])),
            Err(_) => Progress::Failed(format!(
                "Instance profile {physical_id} was deleted outside of CloudFormation"
            )),
        }
    }

    fn update(
        &self,
        svc: &mut Services<'_>,
        req: &Request<'_>,
        physical_id: &str,
        old: &Value,
    ) -> Result<(), String> {
        let changed = changed_properties(old, req.properties);
        refuse_changes(self.type_name(), &changed, &["Roles"])?;
        let result = Self::remove_roles(svc, physical_id).and_then(|()| {
            for role in strings(req.properties.get("Roles")) {
                svc.iam.add_role_to_instance_profile(physical_id, &role)?;
            }
            Ok(())
        });
        result.map_err(|e| iam_failure(svc.ids, &e))
    }

    fn delete(
        &self,
        svc: &mut Services<'_>,
        physical_id: &str,
        _properties: &Value,
    ) -> Result<(), String> {
        let result = Self::remove_roles(svc, physical_id)
            .and_then(|()| gone_ok(svc.iam.delete_instance_profile(physical_id)));
        result.map_err(|e| iam_failure(svc.ids, &e))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{request, World};
    use super::*;

    const EKS_TRUST: &str = r#"{"Statement": [{"Action": ["sts:AssumeRole", "sts:TagSession"], "Effect": "Allow", "Principal": {"Service": ["eks.amazonaws.com"]}}], "Version": "2012-10-17"}"#;

    fn service_role() -> Value {
        json!({
            "AssumeRolePolicyDocument": serde_json::from_str::<Value>(EKS_TRUST).unwrap(),
            "ManagedPolicyArns": ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"],
            "Policies": [{"PolicyName": "extra", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "ec2:Describe*", "Resource": "*"}]}}],
            "Tags": [{"Key": "Name", "Value": "svc"}]
        })
    }

    #[test]
    fn a_role_gets_a_generated_name_its_policies_and_the_stacks_tags() {
        let mut w = World::new();
        let props = service_role();
        let stack_tags = [("alpha.eksctl.io/cluster-name".to_owned(), "demo".to_owned())];
        let name = Role
            .create(&mut w.svc(), &request("ServiceRole", &props, &stack_tags))
            .unwrap();
        assert!(
            name.starts_with("eksctl-demo-cluster-ServiceRole-"),
            "{name}"
        );
        assert!(name.len() <= 64);
        let Progress::Done(attrs) = Role.check_create(&mut w.svc(), &name) else {
            panic!("a role is made at once");
        };
        assert_eq!(
            attrs["Arn"],
            format!("arn:aws:iam::123456789012:role/{name}")
        );
        assert!(attrs["RoleId"].as_str().unwrap().starts_with("AROA"));
        let role = w.iam.role(&name).unwrap();
        assert_eq!(role.trusted_services(), ["eks.amazonaws.com"]);
        assert_eq!(
            role.attached_policies,
            ["arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"]
        );
        assert!(role.inline_policies.contains_key("extra"));
        let tags: Vec<(&str, &str)> = role
            .tags
            .iter()
            .map(|t| (t.key.as_str(), t.value.as_str()))
            .collect();
        assert_eq!(
            tags,
            [("Name", "svc"), ("alpha.eksctl.io/cluster-name", "demo")]
        );

        // A long stack name is cut so that the role name fits IAM's 64 characters.
        let long = "eksctl-a-cluster-with-a-rather-long-name-for-its-own-good-cluster";
        let req = Request {
            stack_name: long,
            ..request("FargatePodExecutionRole", &props, &[])
        };
        let name2 = Role.create(&mut w.svc(), &req).unwrap();
        assert!(name2.len() <= 64, "{name2}");
        assert!(
            name2.contains("-FargatePodExecutionRole-") || name2.contains("-FargatePod"),
            "{name2}"
        );

        // Deleting detaches and deletes the policies first, as DeleteRole requires.
        w.unmake(&Role, &name, &props);
        w.unmake(&Role, &name, &props);
        assert!(w.iam.role(&name).is_err());
    }

    #[test]
    fn a_role_that_cannot_be_furnished_is_not_left_behind() {
        let mut w = World::new();
        let mut props = service_role();
        props["RoleName"] = json!("svc");
        props["ManagedPolicyArns"] = json!(["arn:aws:iam::aws:policy/NoSuchPolicy"]);
        let reason = w.refuse(&Role, "ServiceRole", &props);
        assert!(
            reason.starts_with("Resource handler returned message: \"Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable. (Service: Iam, Status Code: 404, Request ID: "),
            "{reason}"
        );
        assert!(reason.ends_with("HandlerErrorCode: NotFound)"), "{reason}");
        assert!(w.iam.role("svc").is_err());
        let reason = w.refuse(
            &Role,
            "ServiceRole",
            &json!({"RoleName": "eks", "AssumeRolePolicyDocument": EKS_TRUST}),
        );
        assert!(
            reason.contains("Role with name eks already exists."),
            "{reason}"
        );
        assert!(
            reason.ends_with("HandlerErrorCode: AlreadyExists)"),
            "{reason}"
        );
        let reason = w.refuse(
            &Role,
            "R",
            &json!({"AssumeRolePolicyDocument": {"Statement": []}}),
        );
        assert!(reason.contains("Syntax errors in policy."), "{reason}");
        assert_eq!(
            w.refuse(&Role, "R", &json!({"AssumeRolePolicyDocument": EKS_TRUST, "PermissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess"})),
            "Property PermissionsBoundary of AWS::IAM::Role is not supported by this emulator yet"
        );
    }

    #[test]
    fn a_role_update_diffs_trust_policies_and_tags() {
        let mut w = World::new();
        let v1 = service_role();
        let (name, _) = w.make(&Role, "ServiceRole", &v1);
        let mut v2 = v1.clone();
        v2["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"] =
            json!(["eks-fargate-pods.amazonaws.com"]);
        v2["ManagedPolicyArns"] =
            json!(["arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"]);
        v2["Policies"] = json!([]);
        v2["Tags"] = json!([{"Key": "team", "Value": "a"}]);
        w.change(&Role, "ServiceRole", &name, &v1, &v2).unwrap();
        let role = w.iam.role(&name).unwrap();
        assert_eq!(role.trusted_services(), ["eks-fargate-pods.amazonaws.com"]);
        assert_eq!(
            role.attached_policies,
            ["arn:aws:iam::aws:policy/AmazonEKSFargatePodExecutionRolePolicy"]
        );
        assert!(role.inline_policies.is_empty());
        assert_eq!(role.tags.len(), 1);
        assert_eq!(role.tags[0].key, "team");
        let mut v3 = v2.clone();
        v3["Description"] = json!("new");
        assert_eq!(
            w.change(&Role, "ServiceRole", &name, &v2, &v3).unwrap_err(),
            "Updating Description of AWS::IAM::Role is not supported by this emulator yet"
        );
    }

    #[test]
    fn inline_policies_and_instance_profiles_hold_roles() {
        let mut w = World::new();
        let (role, _) = w.make(
            &Role,
            "NodeInstanceRole",
            &json!({"RoleName": "node", "AssumeRolePolicyDocument": EKS_TRUST}),
        );
        let policy_props = json!({
            "PolicyName": "PolicyCloudWatchMetrics",
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": ["cloudwatch:PutMetricData"], "Resource": "*"}], "Version": "2012-10-17"},
            "Roles": [role]
        });
        let (policy, attrs) = w.make(&Policy, "PolicyCloudWatchMetrics", &policy_props);
        assert!(policy.starts_with("eksct-Poli-"), "{policy}");
        assert_eq!(policy.len(), "eksct-Poli-".len() + 12);
        assert!(attrs.is_empty());
        assert!(w
            .iam
            .role("node")
            .unwrap()
            .inline_policies
            .contains_key("PolicyCloudWatchMetrics"));
        assert_eq!(
            w.refuse(&Policy, "P", &json!({"PolicyName": "p", "PolicyDocument": {}, "Roles": []})),
            "Properties validation failed for resource P with message: [At least one of [Groups,Roles,Users] must be non-empty.]"
        );

        let profile_props = json!({"Path": "/", "Roles": [role]});
        let (profile, attrs) = w.make(&InstanceProfile, "NodeInstanceProfile", &profile_props);
        assert!(profile.starts_with("eksctl-demo-cluster-NodeInstanceProfile-"));
        assert_eq!(
            attrs["Arn"],
            format!("arn:aws:iam::123456789012:instance-profile/{profile}")
        );
        // The role cannot go while the profile holds it: IAM's DeleteConflict.
        let reason = Role.delete(&mut w.svc(), "node", &json!({})).unwrap_err();
        assert!(
            reason.contains("Cannot delete entity, must remove roles from instance profile first."),
            "{reason}"
        );
        let reason = w.refuse(&InstanceProfile, "P2", &json!({"Roles": ["nobody"]}));
        assert!(
            reason.contains("The role with name nobody cannot be found."),
            "{reason}"
        );
        assert_eq!(
            w.iam.instance_profiles.len(),
            1,
            "the failed profile is not left behind"
        );

        w.unmake(&InstanceProfile, &profile, &profile_props);
        w.unmake(&Policy, &policy, &policy_props);
        w.unmake(&Policy, &policy, &policy_props);
        assert!(w.iam.role("node").unwrap().inline_policies.is_empty());
        w.unmake(&Role, &role, &json!({}));
        assert!(w.iam.instance_profiles.is_empty());
    }
}
