//! `EksError`: every error the EKS API returns, with its code, HTTP status, shape members and the
//! message real EKS sends (verbatim where reference/aws-eks.md §1.4 quotes it; otherwise the closest
//! AWS wording, marked as chosen here).

use axum::http::StatusCode;

use crate::wire::error::AwsError;

/// The pattern EKS names (clusters, profiles, nodegroups) must match.
pub const NAME_PATTERN: &str = "^[0-9A-Za-z][A-Za-z0-9-_]*";

/// An EKS API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EksError {
    /// 404 on any operation naming a cluster that does not exist.
    #[error("No cluster found for name: {cluster}.")]
    ClusterNotFound { cluster: String },
    /// 409 on `CreateCluster` with a taken name.
    #[error("Cluster already exists with name: {cluster}")]
    ClusterExists { cluster: String },
    /// 400 on a name outside [`NAME_PATTERN`] (real text, 2024: GH surajincloud/kubectl-eks#72).
    #[error("The {parameter} parameter contains invalid characters. It should conform to the regular expression \"{NAME_PATTERN}\"In other words, it should start with a number or letter, and can contain numbers, letters, dashes, and underscores.")]
    InvalidName { parameter: &'static str },
    /// 400 on a cluster name over 100 characters. The real text is not documented; this mirrors the
    /// profile wording real EKS uses for the same limit.
    #[error("The {parameter} parameter should not be greater than 100 characters.")]
    NameTooLong { parameter: &'static str },
    /// 400 on a required member left out (botocore checks these client-side; the text is chosen here).
    #[error("{parameter} is a required parameter.")]
    MissingParameter { parameter: &'static str },
    /// 400 on a Kubernetes version EKS does not offer.
    #[error("unsupported Kubernetes version")]
    UnsupportedVersion,
    /// 400 on a role ARN that does not parse.
    #[error("Invalid Role Arn: '{arn}'")]
    InvalidRoleArn { arn: String },
    /// 400 on `CreateCluster` with a role that does not exist or does not trust `eks.amazonaws.com`
    /// (real text, e.g. GH terraform-aws-modules/terraform-aws-eks#2406).
    #[error("Role with arn: {arn}, could not be assumed because it does not exist or the trusted entity is not correct")]
    RoleNotAssumable { cluster: String, arn: String },
    /// 400 on `CreateCluster` naming a subnet that does not exist: EKS passes on EC2's error (real
    /// text, GH AdminTurnedDevOps/DevOps-The-Hard-Way-AWS#16).
    #[error("The subnet ID '{subnet}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound; Request ID: {request_id}; Proxy: null)")]
    SubnetNotFound {
        cluster: String,
        subnet: String,
        request_id: String,
    },
    /// 400 on `CreateCluster` with subnets in fewer than two AZs (real text, GH
    /// awsdocs/amazon-eks-user-guide#795).
    #[error("Subnets specified must be in at least two different AZs")]
    SubnetsInOneAz { cluster: String },
    /// 400 on `CreateCluster` with subnets of several VPCs (text chosen here: the real one was not
    /// found).
    #[error("Subnets specified must belong to the same VPC")]
    SubnetsInSeveralVpcs { cluster: String },
    /// 400 on a malformed resource ARN in the `/tags` operations (text chosen here).
    #[error("Invalid ARN: {arn}")]
    InvalidArn { arn: String },
    /// 404 on the `/tags` operations for an ARN that names nothing (text chosen here).
    #[error("Resource not found: {arn}")]
    TagResourceNotFound { arn: String },
    /// 400 on tags outside the limits (1–50 entries, key 1–128 and value up to 256 characters; text chosen here).
    #[error("{detail}")]
    InvalidTags { detail: String },
    /// 400 on a request body that is not the operation's input.
    #[error("{detail}")]
    BadRequest { detail: String },
}

impl EksError {
    /// The error code (`X-Amzn-Errortype`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::ClusterNotFound { .. } => "ResourceNotFoundException",
            Self::ClusterExists { .. } => "ResourceInUseException",
            Self::InvalidName { .. }
            | Self::NameTooLong { .. }
            | Self::MissingParameter { .. }
            | Self::UnsupportedVersion
            | Self::InvalidRoleArn { .. }
            | Self::InvalidTags { .. }
            | Self::RoleNotAssumable { .. }
            | Self::SubnetNotFound { .. }
            | Self::SubnetsInOneAz { .. }
            | Self::SubnetsInSeveralVpcs { .. } => "InvalidParameterException",
            Self::InvalidArn { .. } | Self::BadRequest { .. } => "BadRequestException",
            Self::TagResourceNotFound { .. } => "NotFoundException",
        }
    }

    /// The HTTP status the code carries in the EKS model.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self.code() {
            "ResourceNotFoundException" | "NotFoundException" => StatusCode::NOT_FOUND,
            "ResourceInUseException" => StatusCode::CONFLICT,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<EksError> for AwsError {
    fn from(err: EksError) -> Self {
        let mut aws = AwsError::new(err.status(), err.code(), err.to_string());
        match &err {
            EksError::ClusterNotFound { cluster }
            | EksError::ClusterExists { cluster }
            | EksError::RoleNotAssumable { cluster, .. }
            | EksError::SubnetNotFound { cluster, .. }
            | EksError::SubnetsInOneAz { cluster }
            | EksError::SubnetsInSeveralVpcs { cluster } => {
                aws = aws.with_field("clusterName", cluster.clone());
            }
            _ => {}
        }
        aws
    }
}
