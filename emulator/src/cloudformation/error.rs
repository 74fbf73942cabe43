//! `CfnError`: every error the CloudFormation API returns, with its code and the message real
//! CloudFormation sends (reference/aws-eks.md §5.3; texts marked "chosen here" have no documented
//! wording). Template problems keep their own messages ([`TemplateError`]) under `ValidationError`.

use axum::http::StatusCode;

use super::template::TemplateError;
use crate::wire::error::AwsError;

/// A CloudFormation API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CfnError {
    /// A stack name or id that names no stack (DescribeStacks, GetTemplate, UpdateStack, …).
    #[error("Stack with id {0} does not exist")]
    StackNotFound(String),
    /// DescribeStackEvents' own wording for the same thing.
    #[error("Stack [{0}] does not exist")]
    StackEventsNotFound(String),
    /// CreateStack with a name in use.
    #[error("Stack [{0}] already exists")]
    AlreadyExists(String),
    /// Neither `TemplateBody` nor `TemplateURL`.
    #[error("Either Template URL or Template Body must be specified.")]
    NoTemplate,
    /// Both `TemplateBody` and `TemplateURL`.
    #[error("Specify exactly one of TemplateBody or TemplateUrl.")]
    BothTemplates,
    /// A `TemplateURL`: there is no S3 offline.
    #[error("TemplateURL must reference a valid S3 object to which you have access.")]
    TemplateUrl,
    /// The template or its parameters are invalid.
    #[error("{0}")]
    Template(#[from] TemplateError),
    /// IAM resources without the capability that acknowledges them.
    #[error("Requires capabilities : [{0}]")]
    InsufficientCapabilities(&'static str),
    /// UpdateStack that changes nothing.
    #[error("No updates are to be performed.")]
    NoUpdates,
    /// UpdateStack on a stack that is busy or failed.
    #[error("Stack:{id} is in {status} state and can not be updated.")]
    NotUpdatable { id: String, status: &'static str },
    /// DeleteStack on a protected stack.
    #[error("Stack [{0}] cannot be deleted while TerminationProtection is enabled")]
    TerminationProtected(String),
    /// DescribeStackResource of a logical id the stack does not have.
    #[error("Resource {logical_id} does not exist for stack {stack}")]
    ResourceNotFound { logical_id: String, stack: String },
    /// A required parameter left out.
    #[error("1 validation error detected: Value null at '{0}' failed to satisfy constraint: Member must not be null")]
    Missing(&'static str),
    /// A stack name outside the allowed pattern.
    #[error("1 validation error detected: Value '{0}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*|arn:[-a-zA-Z0-9:/._+]*")]
    InvalidStackName(String),
    /// A stack name over 128 characters.
    #[error("1 validation error detected: Value '{0}' at 'stackName' failed to satisfy constraint: Member must have length less than or equal to 128")]
    StackNameTooLong(String),
    /// An enum parameter with a value outside its set.
    #[error("1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: Member must satisfy enum value set: [{allowed}]")]
    NotInEnum {
        value: String,
        field: &'static str,
        allowed: &'static str,
    },
    /// CreateStack with both `DisableRollback` and `OnFailure`.
    #[error("You cannot specify both DisableRollback and OnFailure.")]
    RollbackAndOnFailure,
    /// A `NextToken` this API did not hand out (wording chosen here).
    #[error("Invalid NextToken: {0}")]
    InvalidNextToken(String),
    /// DescribeStackResources without a stack or physical id.
    #[error("Either StackName or PhysicalResourceId must be specified.")]
    NoStackOrPhysicalId,
    /// DescribeStackResources with a physical id no stack owns.
    #[error("Stack for {0} does not exist")]
    PhysicalIdNotFound(String),
    /// ListImports of a name nothing imports.
    #[error("Export '{0}' is not imported by any stack.")]
    NotImported(String),
    /// An export name already taken by another stack (at create time).
    #[error("Export with name {name} is already exported by stack {stack}")]
    ExportTaken { name: String, stack: String },
}

impl CfnError {
    /// The error code (`<Code>`).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyExists(_) => "AlreadyExistsException",
            Self::InsufficientCapabilities(_) => "InsufficientCapabilitiesException",
            _ => "ValidationError",
        }
    }
}

impl From<CfnError> for AwsError {
    fn from(err: CfnError) -> Self {
        AwsError::new(StatusCode::BAD_REQUEST, err.code(), err.to_string())
    }
}
