//! IAM handlers: query members in, model call under the world lock, XML result out. Thin by design;
//! the rules live in `model.rs`. API reference: <https://docs.aws.amazon.com/IAM/latest/APIReference/>.

use super::dto::{
    encode_policy, instance_profile_xml, page_params, policy_xml, required, role_xml, tags,
    write_instance_profile, write_page, write_role, RoleDetail,
};
use super::error::IamError;
use super::model::{IamAccount, NewRole};
use crate::ids::IdGen;
use crate::state::{Emulator, Env};
use crate::wire::query::QueryRequest;
use crate::wire::xml::Writer;
use crate::wire::RequestContext;

/// One request's inputs.
pub struct Req<'a> {
    pub emu: &'a Emulator,
    pub ctx: &'a RequestContext,
    pub query: &'a QueryRequest,
}

impl Req<'_> {
    /// Runs `f` on the account's IAM (global: the region signed for does not matter).
    fn with_iam<R>(
        &self,
        f: impl FnOnce(&mut IamAccount, &mut IdGen, &Env<'_>) -> Result<R, IamError>,
    ) -> Result<R, IamError> {
        self.emu.with_world(|world, now| {
            let scope = world.scope(&self.ctx.account, &self.ctx.region);
            let env = Env {
                now,
                timing: self.emu.timing(),
                account: &self.ctx.account,
                region: &self.ctx.region,
            };
            f(scope.iam, scope.ids, &env)
        })
    }

    fn get(&self, name: &str, member: &'static str) -> Result<&str, IamError> {
        required(self.query, name, member)
    }
}

/// A handler's outcome: the children of `<ActionResult>` (none for operations without output).
pub type Answer = Result<Option<String>, IamError>;

/// [CreateRole](https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html)
pub fn create_role(req: &Req<'_>) -> Answer {
    let new = NewRole {
        name: req.get("RoleName", "roleName")?.to_owned(),
        path: req.query.get("Path").map(str::to_owned),
        assume_role_policy: req
            .get("AssumeRolePolicyDocument", "assumeRolePolicyDocument")?
            .to_owned(),
        description: req.query.get("Description").map(str::to_owned),
        max_session_duration: match req.query.get("MaxSessionDuration") {
            None => None,
            Some(text) => Some(
                text.parse()
                    .map_err(|_| IamError::invalid("maxSessionDuration", text, "be a number"))?,
            ),
        },
        tags: tags(req.query),
    };
    req.with_iam(|iam, ids, env| Ok(role_xml(iam.create_role(env, ids, new)?)))
        .map(Some)
}

/// [GetRole](https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRole.html)
pub fn get_role(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    req.with_iam(|iam, _, _| Ok(role_xml(iam.role(name)?)))
        .map(Some)
}

/// [ListRoles](https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html)
pub fn list_roles(req: &Req<'_>) -> Answer {
    let page = page_params(req.query)?;
    let prefix = req.query.get("PathPrefix").unwrap_or("/");
    req.with_iam(|iam, _, _| {
        let mut w = Writer::new();
        write_page(&mut w, "Roles", &iam.roles(prefix), page, |w, role| {
            write_role(w, role, RoleDetail::Listed);
        });
        Ok(w.finish())
    })
    .map(Some)
}

/// [DeleteRole](https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRole.html)
pub fn delete_role(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    req.with_iam(|iam, _, _| iam.delete_role(name))
        .map(|()| None)
}

/// [UpdateAssumeRolePolicy](https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html)
pub fn update_assume_role_policy(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let document = req.get("PolicyDocument", "policyDocument")?.to_owned();
    req.with_iam(|iam, _, _| iam.update_assume_role_policy(name, document))
        .map(|()| None)
}

/// [AttachRolePolicy](https://docs.aws.amazon.com/IAM/latest/APIReference/API_AttachRolePolicy.html)
pub fn attach_role_policy(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let arn = req.get("PolicyArn", "policyArn")?;
    req.with_iam(|iam, _, _| iam.attach_role_policy(name, arn))
        .map(|()| None)
}

/// [DetachRolePolicy](https://docs.aws.amazon.com/IAM/latest/APIReference/API_DetachRolePolicy.html)
pub fn detach_role_policy(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let arn = req.get("PolicyArn", "policyArn")?;
    req.with_iam(|iam, _, _| iam.detach_role_policy(name, arn))
        .map(|()| None)
}

/// [ListAttachedRolePolicies](https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListAttachedRolePolicies.html)
pub fn list_attached_role_policies(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let page = page_params(req.query)?;
    let prefix = req.query.get("PathPrefix").unwrap_or("/");
    req.with_iam(|iam, _, _| {
        let attached = iam.attached_role_policies(name, prefix)?;
        let mut w = Writer::new();
        write_page(
            &mut w,
            "AttachedPolicies",
            &attached,
            page,
            |w, (name, arn)| {
                w.leaf("PolicyName", name);
                w.leaf("PolicyArn", arn);
            },
        );
        Ok(w.finish())
    })
    .map(Some)
}

/// [GetPolicy](https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetPolicy.html) (AWS managed
/// policies only: customer managed policies are not emulated).
pub fn get_policy(req: &Req<'_>) -> Answer {
    let arn = req.get("PolicyArn", "policyArn")?;
    req.with_iam(|iam, _, _| {
        let (policy, attachments) = iam.policy(arn)?;
        Ok(policy_xml(policy, attachments))
    })
    .map(Some)
}

/// [PutRolePolicy](https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html)
pub fn put_role_policy(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let policy = req.get("PolicyName", "policyName")?;
    let document = req.get("PolicyDocument", "policyDocument")?.to_owned();
    req.with_iam(|iam, _, _| iam.put_role_policy(name, policy, document))
        .map(|()| None)
}

/// [GetRolePolicy](https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetRolePolicy.html)
pub fn get_role_policy(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let policy = req.get("PolicyName", "policyName")?;
    req.with_iam(|iam, _, _| {
        let (role, document) = iam.role_policy(name, policy)?;
        let mut w = Writer::new();
        w.leaf("RoleName", &role.name);
        w.leaf("PolicyName", policy);
        w.leaf("PolicyDocument", &encode_policy(document));
        Ok(w.finish())
    })
    .map(Some)
}

/// [DeleteRolePolicy](https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteRolePolicy.html)
pub fn delete_role_policy(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let policy = req.get("PolicyName", "policyName")?;
    req.with_iam(|iam, _, _| iam.delete_role_policy(name, policy))
        .map(|()| None)
}

/// [ListRolePolicies](https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRolePolicies.html)
pub fn list_role_policies(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let page = page_params(req.query)?;
    req.with_iam(|iam, _, _| {
        let names: Vec<&String> = iam.role(name)?.inline_policies.keys().collect();
        let mut w = Writer::new();
        write_page(&mut w, "PolicyNames", &names, page, |w, name| w.text(name));
        Ok(w.finish())
    })
    .map(Some)
}

/// [TagRole](https://docs.aws.amazon.com/IAM/latest/APIReference/API_TagRole.html)
pub fn tag_role(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let tags = tags(req.query);
    if tags.is_empty() {
        return Err(IamError::missing("tags"));
    }
    req.with_iam(|iam, _, _| iam.tag_role(name, tags))
        .map(|()| None)
}

/// [UntagRole](https://docs.aws.amazon.com/IAM/latest/APIReference/API_UntagRole.html)
pub fn untag_role(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let keys = req.query.list("TagKeys.member");
    if keys.is_empty() {
        return Err(IamError::missing("tagKeys"));
    }
    req.with_iam(|iam, _, _| iam.untag_role(name, &keys))
        .map(|()| None)
}

/// [ListRoleTags](https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoleTags.html)
pub fn list_role_tags(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let page = page_params(req.query)?;
    req.with_iam(|iam, _, _| {
        let role = iam.role(name)?;
        let mut w = Writer::new();
        write_page(&mut w, "Tags", &role.tags, page, |w, tag| {
            w.leaf("Key", &tag.key);
            w.leaf("Value", &tag.value);
        });
        Ok(w.finish())
    })
    .map(Some)
}

/// [CreateInstanceProfile](https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateInstanceProfile.html)
pub fn create_instance_profile(req: &Req<'_>) -> Answer {
    let name = req.get("InstanceProfileName", "instanceProfileName")?;
    let path = req.query.get("Path").map(str::to_owned);
    let tags = tags(req.query);
    req.with_iam(|iam, ids, env| {
        iam.create_instance_profile(env, ids, name, path, tags)?;
        Ok(instance_profile_xml(iam, iam.instance_profile(name)?))
    })
    .map(Some)
}

/// [GetInstanceProfile](https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetInstanceProfile.html)
pub fn get_instance_profile(req: &Req<'_>) -> Answer {
    let name = req.get("InstanceProfileName", "instanceProfileName")?;
    req.with_iam(|iam, _, _| Ok(instance_profile_xml(iam, iam.instance_profile(name)?)))
        .map(Some)
}

/// [DeleteInstanceProfile](https://docs.aws.amazon.com/IAM/latest/APIReference/API_DeleteInstanceProfile.html)
pub fn delete_instance_profile(req: &Req<'_>) -> Answer {
    let name = req.get("InstanceProfileName", "instanceProfileName")?;
    req.with_iam(|iam, _, _| iam.delete_instance_profile(name))
        .map(|()| None)
}

/// [AddRoleToInstanceProfile](https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html)
pub fn add_role_to_instance_profile(req: &Req<'_>) -> Answer {
    let profile = req.get("InstanceProfileName", "instanceProfileName")?;
    let role = req.get("RoleName", "roleName")?;
    req.with_iam(|iam, _, _| iam.add_role_to_instance_profile(profile, role))
        .map(|()| None)
}

/// [RemoveRoleFromInstanceProfile](https://docs.aws.amazon.com/IAM/latest/APIReference/API_RemoveRoleFromInstanceProfile.html)
pub fn remove_role_from_instance_profile(req: &Req<'_>) -> Answer {
    let profile = req.get("InstanceProfileName", "instanceProfileName")?;
    let role = req.get("RoleName", "roleName")?;
    req.with_iam(|iam, _, _| iam.remove_role_from_instance_profile(profile, role))
        .map(|()| None)
}

/// [ListInstanceProfilesForRole](https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListInstanceProfilesForRole.html)
pub fn list_instance_profiles_for_role(req: &Req<'_>) -> Answer {
    let name = req.get("RoleName", "roleName")?;
    let page = page_params(req.query)?;
    req.with_iam(|iam, _, _| {
        let profiles = iam.instance_profiles_for_role(name)?;
        let mut w = Writer::new();
        write_page(&mut w, "InstanceProfiles", &profiles, page, |w, profile| {
            write_instance_profile(w, iam, profile);
        });
        Ok(w.finish())
    })
    .map(Some)
}
