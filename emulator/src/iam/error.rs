//! `IamError`: every error the IAM API returns here, with its code, HTTP status and the message real
//! IAM sends (verbatim where a real response was found: reference/aws-eks.md §5.3, and the public
//! issue threads quoted on each variant; otherwise the closest IAM wording, marked as chosen here).

use axum::http::StatusCode;

use crate::wire::error::AwsError;

/// The pattern IAM role, instance profile and inline policy names must match.
pub const NAME_PATTERN: &str = r"[\w+=,.@-]+";

/// An IAM API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    /// 404 on any operation naming a role that does not exist.
    #[error("The role with name {role} cannot be found.")]
    NoSuchRole { role: String },
    /// 409 on `CreateRole` with a taken name (names are unique regardless of case).
    #[error("Role with name {role} already exists.")]
    RoleExists { role: String },
    /// 404 on `GetRolePolicy`/`DeleteRolePolicy` naming an inline policy the role lacks.
    #[error("The role policy with name {policy} cannot be found.")]
    NoSuchRolePolicy { policy: String },
    /// 404 on any operation naming an instance profile that does not exist.
    #[error("Instance Profile {profile} cannot be found.")]
    NoSuchInstanceProfile { profile: String },
    /// 409 on `CreateInstanceProfile` with a taken name.
    #[error("Instance Profile {profile} already exists.")]
    InstanceProfileExists { profile: String },
    /// 404 on `AttachRolePolicy` with a policy ARN that names no attachable policy (real text: GH
    /// getmoto/moto#6482, captured from AWS).
    #[error("Policy {arn} does not exist or is not attachable.")]
    PolicyNotAttachable { arn: String },
    /// 404 on `DetachRolePolicy` and `GetPolicy` for a policy that is not attached / does not exist.
    #[error("Policy {arn} was not found.")]
    PolicyNotFound { arn: String },
    /// 400 on a policy ARN that does not parse.
    #[error("ARN {arn} is not valid.")]
    InvalidArn { arn: String },
    /// 400 on a policy document that is not JSON (real text, e.g. GH AWSCookbook/Security#2).
    #[error("This policy contains invalid Json")]
    PolicyInvalidJson,
    /// 400 on a policy document that is JSON but not a policy (real text, e.g.
    /// GH aws-samples/amazon-ecs-firelens-examples#50).
    #[error("Syntax errors in policy.")]
    PolicySyntax,
    /// 400 on a trust policy with a `Resource` element (real text, GH kubernetes-sigs/external-dns#3085).
    #[error("Has prohibited field Resource")]
    TrustPolicyHasResource,
    /// 400 on a trust policy statement without a principal.
    #[error("Missing required field Principal")]
    TrustPolicyMissingPrincipal,
    /// 400 on a permissions policy statement that names a principal.
    #[error("Policy document should not specify a principal.")]
    PermissionsPolicyHasPrincipal,
    /// 409 on `DeleteRole` while managed policies are attached (real text, GH ansible/ansible#22832).
    #[error("Cannot delete entity, must detach all policies first.")]
    DetachPoliciesFirst,
    /// 409 on `DeleteRole` while inline policies exist (real text, GH rebuy-de/aws-nuke#294).
    #[error("Cannot delete entity, must delete policies first.")]
    DeletePoliciesFirst,
    /// 409 on `DeleteRole` while the role is in an instance profile, and on `DeleteInstanceProfile`
    /// while the profile holds a role (real text, GH aws/aws-k8s-tester mng delete comment).
    #[error("Cannot delete entity, must remove roles from instance profile first.")]
    RemoveFromInstanceProfileFirst,
    /// 409 on `AddRoleToInstanceProfile` when the profile already holds its one role.
    #[error("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")]
    InstanceProfileFull,
    /// 409 on `TagRole` past 50 tags (text chosen here after IAM's other quota messages).
    #[error("Cannot exceed quota for TagsPerRole: 50")]
    TooManyTags,
    /// 400 on a request that repeats a tag key (keys are case-insensitive).
    #[error("Duplicate tag keys found. Please note that Tag keys are case insensitive.")]
    DuplicateTagKeys,
    /// 400 on a path that does not begin and end with `/` (text chosen here).
    #[error("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")]
    InvalidPath,
    /// 400 on a member outside its constraints: the Coral validation message IAM sends.
    #[error("1 validation error detected: Value {value} at '{member}' failed to satisfy constraint: Member must {constraint}")]
    Validation {
        /// The value as IAM quotes it: `'text'`, or `null` for a missing member.
        value: String,
        /// The member in camelCase (`roleName`).
        member: &'static str,
        /// What the member must do (`not be null`, `have length less than or equal to 64`, ...).
        constraint: String,
    },
}

impl IamError {
    /// A required member left out.
    #[must_use]
    pub fn missing(member: &'static str) -> Self {
        Self::Validation {
            value: "null".into(),
            member,
            constraint: "not be null".into(),
        }
    }

    /// A member whose value breaks `constraint`.
    #[must_use]
    pub fn invalid(member: &'static str, value: &str, constraint: impl Into<String>) -> Self {
        Self::Validation {
            value: format!("'{value}'"),
            member,
            constraint: constraint.into(),
        }
    }

    /// The error code (`<Code>`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchRole { .. }
            | Self::NoSuchRolePolicy { .. }
            | Self::NoSuchInstanceProfile { .. }
            | Self::PolicyNotAttachable { .. }
            | Self::PolicyNotFound { .. } => "NoSuchEntity",
            Self::RoleExists { .. } | Self::InstanceProfileExists { .. } => "EntityAlreadyExists",
            Self::InvalidArn { .. } | Self::DuplicateTagKeys => "InvalidInput",
            Self::PolicyInvalidJson
            | Self::PolicySyntax
            | Self::TrustPolicyHasResource
            | Self::TrustPolicyMissingPrincipal
            | Self::PermissionsPolicyHasPrincipal => "MalformedPolicyDocument",
            Self::DetachPoliciesFirst
            | Self::DeletePoliciesFirst
            | Self::RemoveFromInstanceProfileFirst => "DeleteConflict",
            Self::InstanceProfileFull | Self::TooManyTags => "LimitExceeded",
            Self::InvalidPath | Self::Validation { .. } => "ValidationError",
        }
    }

    /// The HTTP status the code carries in the IAM model (`LimitExceeded` is 409 there).
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self.code() {
            "NoSuchEntity" => StatusCode::NOT_FOUND,
            "EntityAlreadyExists" | "DeleteConflict" | "LimitExceeded" => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<IamError> for AwsError {
    fn from(err: IamError) -> Self {
        AwsError::new(err.status(), err.code(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_carry_the_statuses_of_the_iam_model() {
        let cases = [
            (
                IamError::NoSuchRole { role: "r".into() },
                404,
                "NoSuchEntity",
            ),
            (
                IamError::RoleExists { role: "r".into() },
                409,
                "EntityAlreadyExists",
            ),
            (IamError::DetachPoliciesFirst, 409, "DeleteConflict"),
            (IamError::InstanceProfileFull, 409, "LimitExceeded"),
            (IamError::PolicyInvalidJson, 400, "MalformedPolicyDocument"),
            (IamError::missing("roleName"), 400, "ValidationError"),
        ];
        for (err, status, code) in cases {
            assert_eq!((err.status().as_u16(), err.code()), (status, code), "{err}");
        }
    }

    #[test]
    fn validation_messages_read_like_coral_ones() {
        assert_eq!(
            IamError::missing("roleName").to_string(),
            "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            IamError::invalid("roleName", "a b", format!("satisfy regular expression pattern: {NAME_PATTERN}")).to_string(),
            "1 validation error detected: Value 'a b' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
    }
}
