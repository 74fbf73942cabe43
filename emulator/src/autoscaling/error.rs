//! `AutoScalingError`: the errors Auto Scaling returns for what this model checks, with the codes
//! and messages of the real service (awsQuery `ValidationError`, `AlreadyExists`).

use axum::http::StatusCode;

/// An Auto Scaling API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AutoScalingError {
    /// 400 on a desired capacity outside the sizes (real text, GH convox/praxis#258).
    #[error("Desired capacity:{desired} must be between the specified min size:{min} and max size:{max}")]
    DesiredOutOfRange { desired: u32, min: u32, max: u32 },
    /// 400 on a minimum above the maximum (text chosen here).
    #[error("Max bound, {max}, must be greater than or equal to min bound, {min}")]
    MaxBelowMin { min: u32, max: u32 },
    /// 400 on a launch template (or version) that does not exist; `detail` is EC2's message.
    #[error("You must use a valid fully-formed launch template. {detail}")]
    InvalidLaunchTemplate { detail: String },
    /// 400 on a group without launch template (launch configurations and mixed instances policies
    /// are not modelled; text chosen here).
    #[error("Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter.")]
    NoLaunchTemplate,
    /// 400 on a subnet that does not exist (EC2's text, relayed).
    #[error("The subnet ID '{subnet}' does not exist")]
    SubnetNotFound { subnet: String },
    /// 400 on no subnets at all (text chosen here).
    #[error("No subnets were specified: VPCZoneIdentifier must name at least one subnet.")]
    NoSubnets,
    /// 400 on a size that is not a non-negative number (Coral validation wording).
    #[error("Value {value} at '{member}' failed to satisfy constraint: Member must have value greater than or equal to 0")]
    InvalidSize { member: &'static str, value: String },
    /// 400 (`AlreadyExists`) on a taken name (text chosen after moto's).
    #[error("AutoScalingGroup by this name already exists - A group with the name {name} already exists")]
    AlreadyExists { name: String },
    /// 400 (`ValidationError`) on a group that does not exist (text chosen here).
    #[error("AutoScalingGroup name not found - AutoScalingGroup {name} not found")]
    NotFound { name: String },
}

impl AutoScalingError {
    /// The error code (`<Code>`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyExists { .. } => "AlreadyExists",
            _ => "ValidationError",
        }
    }

    /// The HTTP status: 400 for every error here.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        StatusCode::BAD_REQUEST
    }
}
