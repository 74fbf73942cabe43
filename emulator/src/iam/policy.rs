//! The IAM policy language as far as the emulator reads it: a document's grammar (checked the way
//! IAM checks it, with IAM's `MalformedPolicyDocument` messages) and, for trust policies, which AWS
//! services may assume the role. Policies are never evaluated: any caller may do anything.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::error::IamError;

/// What a document is for: the two kinds IAM validates differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// A role's trust policy (`AssumeRolePolicyDocument`): names principals, never resources.
    Trust,
    /// A permissions policy (inline or managed): names resources, never principals.
    Permissions,
}

/// One value or a list of them, as the policy grammar allows almost everywhere.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T> OneOrMany<T> {
    fn iter(&self) -> std::slice::Iter<'_, T> {
        match self {
            Self::One(one) => std::slice::from_ref(one).iter(),
            Self::Many(many) => many.iter(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    #[serde(rename = "Version")]
    _version: Option<String>,
    #[serde(rename = "Id")]
    _id: Option<String>,
    #[serde(rename = "Statement")]
    statement: OneOrMany<Statement>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Statement {
    #[serde(rename = "Sid")]
    _sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: String,
    #[serde(rename = "Principal")]
    principal: Option<Principal>,
    #[serde(rename = "NotPrincipal")]
    not_principal: Option<Principal>,
    #[serde(rename = "Action")]
    action: Option<OneOrMany<String>>,
    #[serde(rename = "NotAction")]
    not_action: Option<OneOrMany<String>>,
    #[serde(rename = "Resource")]
    resource: Option<IgnoredAny>,
    #[serde(rename = "NotResource")]
    not_resource: Option<IgnoredAny>,
    #[serde(rename = "Condition")]
    _condition: Option<IgnoredAny>,
}

/// `"Principal": "*"` or `{"Service": …, "AWS": …, "Federated": …}`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Principal {
    ByKind(BTreeMap<String, OneOrMany<String>>),
    Anyone(IgnoredAny),
}

/// A policy document that passed IAM's checks.
#[derive(Debug)]
pub struct PolicyDocument {
    statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Parses `text` as a policy of `kind`, with IAM's errors for what it refuses.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Self, IamError> {
        serde_json::from_str::<IgnoredAny>(text).map_err(|_| IamError::PolicyInvalidJson)?;
        let document: Document = serde_json::from_str(text).map_err(|_| IamError::PolicySyntax)?;
        let statements: Vec<Statement> = match document.statement {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        };
        if statements.is_empty() {
            return Err(IamError::PolicySyntax);
        }
        for statement in &statements {
            if !matches!(statement.effect.as_str(), "Allow" | "Deny")
                || (statement.action.is_none() && statement.not_action.is_none())
            {
                return Err(IamError::PolicySyntax);
            }
            let names_principal =
                statement.principal.is_some() || statement.not_principal.is_some();
            let names_resource = statement.resource.is_some() || statement.not_resource.is_some();
            match kind {
                PolicyKind::Trust if names_resource => {
                    return Err(IamError::TrustPolicyHasResource)
                }
                PolicyKind::Trust if !names_principal => {
                    return Err(IamError::TrustPolicyMissingPrincipal)
                }
                PolicyKind::Permissions if names_principal => {
                    return Err(IamError::PermissionsPolicyHasPrincipal)
                }
                _ => {}
            }
        }
        Ok(Self { statements })
    }

    /// The service principals (`eks.amazonaws.com`, …) an `Allow` statement lets call
    /// `sts:AssumeRole` (or `sts:*`, or `*`), in document order without repeats.
    #[must_use]
    pub fn services_allowed_to_assume(&self) -> Vec<String> {
        let mut services: Vec<String> = Vec::new();
        for statement in &self.statements {
            let allows_assume = statement.effect == "Allow"
                && statement.action.as_ref().is_some_and(|actions| {
                    actions.iter().any(|a| {
                        let a = a.to_ascii_lowercase();
                        a == "sts:assumerole" || a == "sts:*" || a == "*"
                    })
                });
            let Some(Principal::ByKind(kinds)) = &statement.principal else {
                continue;
            };
            if !allows_assume {
                continue;
            }
            for service in kinds.get("Service").into_iter().flat_map(OneOrMany::iter) {
                if !services.contains(service) {
                    services.push(service.clone());
                }
            }
        }
        services
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EKS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    #[test]
    fn a_trust_policy_names_the_services_that_may_assume_the_role() {
        let doc = PolicyDocument::parse(EKS_TRUST, PolicyKind::Trust).unwrap();
        assert_eq!(doc.services_allowed_to_assume(), ["eks.amazonaws.com"]);
        let several = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":["eks-fargate-pods.amazonaws.com","eks.amazonaws.com"]},"Action":["sts:AssumeRole","sts:TagSession"]},
            {"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:TagSession"}]}"#;
        let doc = PolicyDocument::parse(several, PolicyKind::Trust).unwrap();
        assert_eq!(
            doc.services_allowed_to_assume(),
            ["eks-fargate-pods.amazonaws.com", "eks.amazonaws.com"]
        );
    }

    #[test]
    fn malformed_documents_get_iams_errors() {
        let cases = [
            ("{not json", PolicyKind::Trust, IamError::PolicyInvalidJson),
            ("[1]", PolicyKind::Trust, IamError::PolicySyntax),
            (
                r#"{"Statement":[]}"#,
                PolicyKind::Trust,
                IamError::PolicySyntax,
            ),
            (
                r#"{"Statement":{"Effect":"Maybe","Principal":"*","Action":"*"}}"#,
                PolicyKind::Trust,
                IamError::PolicySyntax,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}"#,
                PolicyKind::Trust,
                IamError::TrustPolicyHasResource,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Action":"sts:AssumeRole"}}"#,
                PolicyKind::Trust,
                IamError::TrustPolicyMissingPrincipal,
            ),
            (
                r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}"#,
                PolicyKind::Permissions,
                IamError::PermissionsPolicyHasPrincipal,
            ),
        ];
        for (text, kind, err) in cases {
            assert_eq!(
                PolicyDocument::parse(text, kind).unwrap_err(),
                err,
                "{text}"
            );
        }
        let permissions = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"*"}]}"#;
        assert!(PolicyDocument::parse(permissions, PolicyKind::Permissions).is_ok());
    }
}
