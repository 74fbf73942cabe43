//! STS wire shapes: the `GetCallerIdentityResult` elements in XML, and the JSON document
//! aws-iam-authenticator asks for.

use serde::Serialize;

use super::model::CallerIdentity;
use crate::wire::xml::Writer;

/// The children of `<GetCallerIdentityResult>`.
#[must_use]
pub fn caller_identity_xml(identity: &CallerIdentity) -> String {
    let mut w = Writer::new();
    w.leaf("Arn", &identity.arn);
    w.leaf("UserId", &identity.user_id);
    w.leaf("Account", &identity.account);
    w.finish()
}

/// `{"GetCallerIdentityResponse": {"GetCallerIdentityResult": {...}, "ResponseMetadata": {...}}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallerIdentityJson {
    pub get_caller_identity_response: CallerIdentityResponseJson,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallerIdentityResponseJson {
    pub get_caller_identity_result: CallerIdentityResultJson,
    pub response_metadata: ResponseMetadataJson,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CallerIdentityResultJson {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResponseMetadataJson {
    pub request_id: String,
}

impl CallerIdentityJson {
    /// The JSON document for `identity`.
    #[must_use]
    pub fn new(identity: CallerIdentity, request_id: &str) -> Self {
        Self {
            get_caller_identity_response: CallerIdentityResponseJson {
                get_caller_identity_result: CallerIdentityResultJson {
                    account: identity.account,
                    arn: identity.arn,
                    user_id: identity.user_id,
                },
                response_metadata: ResponseMetadataJson {
                    request_id: request_id.to_owned(),
                },
            },
        }
    }
}
