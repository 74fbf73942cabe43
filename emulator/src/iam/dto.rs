//! IAM wire shapes: the XML elements of `Role`, `InstanceProfile`, `AttachedPolicy` and `Policy` as
//! the IAM model names them, and the decoding of the request members they come from. Policy
//! documents go out URL-encoded, as real IAM sends them; timestamps as ISO 8601 with milliseconds.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::error::IamError;
use super::model::{IamAccount, InstanceProfile, ManagedPolicy, Role, Tag, MANAGED_POLICY_CREATED};
use crate::wire::query::QueryRequest;
use crate::wire::xml::Writer;

/// What IAM leaves unencoded in policy documents: letters, digits and `-_.~`.
const POLICY_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A policy document as IAM returns it: URL-encoded (`%7B%22Version%22…`).
#[must_use]
pub fn encode_policy(document: &str) -> String {
    utf8_percent_encode(document, POLICY_ENCODE).to_string()
}

/// A required member, or IAM's validation error naming it (`member` in camelCase).
pub fn required<'a>(
    req: &'a QueryRequest,
    name: &str,
    member: &'static str,
) -> Result<&'a str, IamError> {
    req.get(name).ok_or_else(|| IamError::missing(member))
}

/// `Tags.member.N.Key/Value`.
#[must_use]
pub fn tags(req: &QueryRequest) -> Vec<Tag> {
    req.key_values("Tags.member", "Key", "Value")
        .into_iter()
        .map(|(key, value)| Tag { key, value })
        .collect()
}

/// `MaxItems` (1–1000, default 100) and `Marker` of a list operation.
pub fn page_params(req: &QueryRequest) -> Result<(usize, usize), IamError> {
    let max_items = match req.get("MaxItems") {
        None => 100,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err(IamError::invalid(
                    "maxItems",
                    text,
                    "have value between 1 and 1000",
                ))
            }
        },
    };
    let start = match req.get("Marker") {
        None => 0,
        Some(marker) => marker
            .parse::<usize>()
            .map_err(|_| IamError::invalid("marker", marker, "be a marker this API returned"))?,
    };
    Ok((start, max_items))
}

/// Writes one page of `items` under `name` plus `IsTruncated` and, when truncated, the `Marker` of
/// the next page (the position, as text: markers are opaque to callers).
pub fn write_page<T>(
    w: &mut Writer,
    name: &str,
    items: &[T],
    (start, max_items): (usize, usize),
    mut item: impl FnMut(&mut Writer, &T),
) {
    let page: Vec<&T> = items.iter().skip(start).take(max_items).collect();
    let next = start + page.len();
    w.members(name, page, |w, value| item(w, value));
    let truncated = next < items.len();
    w.leaf("IsTruncated", if truncated { "true" } else { "false" });
    if truncated {
        w.leaf("Marker", &next.to_string());
    }
}

fn write_tags(w: &mut Writer, tags: &[Tag]) {
    w.members("Tags", tags, |w, tag| {
        w.leaf("Key", &tag.key);
        w.leaf("Value", &tag.value);
    });
}

/// How much of a role an operation shows: `GetRole` and `CreateRole` show everything, the list
/// operations leave out tags and `RoleLastUsed`, as IAM does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleDetail {
    /// Every member.
    Full,
    /// What list operations return.
    Listed,
}

/// The children of a `Role` element.
pub fn write_role(w: &mut Writer, role: &Role, detail: RoleDetail) {
    w.leaf("Path", &role.path);
    w.leaf("RoleName", &role.name);
    w.leaf("RoleId", &role.id);
    w.leaf("Arn", &role.arn);
    w.leaf("CreateDate", &role.created_at.iso8601_millis());
    w.leaf(
        "AssumeRolePolicyDocument",
        &encode_policy(&role.assume_role_policy),
    );
    w.opt_leaf("Description", role.description.as_deref());
    w.leaf("MaxSessionDuration", &role.max_session_duration.to_string());
    if detail == RoleDetail::Full {
        if !role.tags.is_empty() {
            write_tags(w, &role.tags);
        }
        w.open("RoleLastUsed");
        w.close("RoleLastUsed");
    }
}

/// `<Role>…</Role>`.
#[must_use]
pub fn role_xml(role: &Role) -> String {
    let mut w = Writer::new();
    w.open("Role");
    write_role(&mut w, role, RoleDetail::Full);
    w.close("Role");
    w.finish()
}

/// The children of an `InstanceProfile` element, with its roles in full.
pub fn write_instance_profile(w: &mut Writer, iam: &IamAccount, profile: &InstanceProfile) {
    w.leaf("Path", &profile.path);
    w.leaf("InstanceProfileName", &profile.name);
    w.leaf("InstanceProfileId", &profile.id);
    w.leaf("Arn", &profile.arn);
    w.leaf("CreateDate", &profile.created_at.iso8601_millis());
    w.members("Roles", iam.roles_of(profile), |w, role| {
        write_role(w, role, RoleDetail::Listed);
    });
    if !profile.tags.is_empty() {
        write_tags(w, &profile.tags);
    }
}

/// `<InstanceProfile>…</InstanceProfile>`.
#[must_use]
pub fn instance_profile_xml(iam: &IamAccount, profile: &InstanceProfile) -> String {
    let mut w = Writer::new();
    w.open("InstanceProfile");
    write_instance_profile(&mut w, iam, profile);
    w.close("InstanceProfile");
    w.finish()
}

/// `<Policy>…</Policy>` for a managed policy attached `attachments` times in this account.
#[must_use]
pub fn policy_xml(policy: &ManagedPolicy, attachments: usize) -> String {
    let mut w = Writer::new();
    w.open("Policy");
    w.leaf("PolicyName", policy.name);
    w.leaf("PolicyId", &policy.policy_id());
    w.leaf("Arn", &policy.arn());
    w.leaf("Path", policy.path);
    w.leaf("DefaultVersionId", "v1");
    w.leaf("AttachmentCount", &attachments.to_string());
    w.leaf("PermissionsBoundaryUsageCount", "0");
    w.leaf("IsAttachable", "true");
    w.leaf("Description", policy.description);
    w.leaf("CreateDate", &MANAGED_POLICY_CREATED.iso8601_millis());
    w.leaf("UpdateDate", &MANAGED_POLICY_CREATED.iso8601_millis());
    w.close("Policy");
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_are_url_encoded_like_iam_does() {
        assert_eq!(
            encode_policy(r#"{"Version":"2012-10-17","Statement":[{"Action":"sts:AssumeRole"}]}"#),
            "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"
        );
        assert_eq!(encode_policy("a b\n"), "a%20b%0A");
    }

    #[test]
    fn pages_carry_a_marker_only_when_truncated() {
        let items = ["a", "b", "c"];
        let mut w = Writer::new();
        write_page(&mut w, "Names", &items, (1, 1), |w, n| w.raw(n));
        assert_eq!(
            w.finish(),
            "<Names><member>b</member></Names><IsTruncated>true</IsTruncated><Marker>2</Marker>"
        );
        let mut w = Writer::new();
        write_page(&mut w, "Names", &items, (2, 5), |w, n| w.raw(n));
        assert_eq!(
            w.finish(),
            "<Names><member>c</member></Names><IsTruncated>false</IsTruncated>"
        );
    }
}
