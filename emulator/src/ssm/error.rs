//! `SsmError`: every error this SSM subset returns, with its awsJson1.1 code and the message real
//! SSM sends. SSM answers every client error with HTTP 400.

use axum::http::StatusCode;

use crate::wire::error::AwsError;

/// Real SSM sends `ParameterNotFound` without a message: the CLI prints `… when calling the
/// GetParameter operation: ` and nothing after, the JS SDK shows `message: null` (public issue threads
/// awslabs/aws-simple-cicd#10, vandium-io/aws-param-store#8).
pub const PARAMETER_NOT_FOUND_MESSAGE: &str = "";

/// An SSM API error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsmError {
    /// `GetParameter` of a name that is not a parameter.
    #[error("")]
    ParameterNotFound,
    /// A required member left out (Coral's validation wording).
    #[error("1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null")]
    Missing { member: &'static str },
    /// `GetParameters` with more than 10 names (Coral's validation wording).
    #[error("1 validation error detected: Value '[{}]' at 'names' failed to satisfy constraint: Member must have length less than or equal to 10", .0.join(", "))]
    TooManyNames(Vec<String>),
    /// A body that is not the operation's input shape.
    #[error("{0}")]
    Serialization(String),
    /// An `X-Amz-Target` naming no operation served here (wording chosen here).
    #[error("The operation {0} is not supported by this emulated SSM (GetParameter and GetParameters only).")]
    UnknownOperation(String),
}

impl SsmError {
    /// The `__type` code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::ParameterNotFound => "ParameterNotFound",
            Self::Missing { .. } | Self::TooManyNames(_) => "ValidationException",
            Self::Serialization(_) => "SerializationException",
            Self::UnknownOperation(_) => "UnknownOperationException",
        }
    }
}

impl From<SsmError> for AwsError {
    fn from(err: SsmError) -> Self {
        AwsError::new(StatusCode::BAD_REQUEST, err.code(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_not_found_has_the_real_empty_message() {
        let err = AwsError::from(SsmError::ParameterNotFound);
        assert_eq!(err.code, "ParameterNotFound");
        assert_eq!(err.message, PARAMETER_NOT_FOUND_MESSAGE);
        assert_eq!(err.status, 400);
    }
}
