//! `AwsError`, the one error shape at the wire boundary, and its renderers: restJson1 (EKS), awsQuery
//! XML (CloudFormation, IAM, STS) and EC2's own XML. Service error enums convert into it; nothing
//! here knows any service's rules.

use std::borrow::Cow;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::xml;

/// An error as AWS puts it on the wire: code, HTTP status, message, fault side and any extra members
/// the error shape declares (EKS's `clusterName`, `fargateProfileName`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    /// HTTP status.
    pub status: StatusCode,
    /// The error code (`ResourceNotFoundException`, `ValidationError`, ...).
    pub code: Cow<'static, str>,
    /// The human-readable message, verbatim from real AWS where known.
    pub message: String,
    /// `Sender` (the caller's fault) or `Receiver` (ours).
    pub sender_fault: bool,
    /// Extra members of the error shape, rendered into restJson1 bodies.
    pub fields: Vec<(&'static str, String)>,
}

impl AwsError {
    /// A caller's error with this status, code and message.
    #[must_use]
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
            sender_fault: status.is_client_error(),
            fields: Vec::new(),
        }
    }

    /// Adds a member of the error shape (restJson1 only).
    #[must_use]
    pub fn with_field(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.fields.push((name, value.into()));
        self
    }

    /// The restJson1 rendering: `X-Amzn-Errortype` header plus `{"__type", "message", ...members}`.
    #[must_use]
    pub fn to_rest_json(&self) -> Response {
        let mut body = serde_json::Map::new();
        body.insert("__type".into(), self.code.as_ref().into());
        body.insert("message".into(), self.message.clone().into());
        for (name, value) in &self.fields {
            body.insert((*name).into(), value.clone().into());
        }
        let mut response = (
            self.status,
            [("content-type", "application/json")],
            serde_json::Value::Object(body).to_string(),
        )
            .into_response();
        if let Ok(code) = HeaderValue::from_str(&self.code) {
            response.headers_mut().insert("x-amzn-errortype", code);
        }
        response
    }

    /// The awsQuery rendering: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.
    #[must_use]
    pub fn to_query_xml(&self, xmlns: &str, request_id: &str) -> Response {
        let mut w = xml::Writer::new();
        w.open_ns("ErrorResponse", xmlns);
        w.open("Error");
        w.leaf(
            "Type",
            if self.sender_fault {
                "Sender"
            } else {
                "Receiver"
            },
        );
        w.leaf("Code", &self.code);
        w.leaf("Message", &self.message);
        w.close("Error");
        w.leaf("RequestId", request_id);
        w.close("ErrorResponse");
        (self.status, [("content-type", "text/xml")], w.finish()).into_response()
    }

    /// EC2's rendering: `<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>`.
    #[must_use]
    pub fn to_ec2_xml(&self, request_id: &str) -> Response {
        let mut w = xml::Writer::new();
        w.open("Response");
        w.open("Errors");
        w.open("Error");
        w.leaf("Code", &self.code);
        w.leaf("Message", &self.message);
        w.close("Error");
        w.close("Errors");
        w.leaf("RequestID", request_id);
        w.close("Response");
        (
            self.status,
            [("content-type", "text/xml;charset=UTF-8")],
            w.finish(),
        )
            .into_response()
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AwsError {}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn body(response: Response) -> String {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn rest_json_carries_header_type_message_and_members() {
        let err = AwsError::new(
            StatusCode::CONFLICT,
            "ResourceInUseException",
            "Cluster already exists with name: c1",
        )
        .with_field("clusterName", "c1");
        let response = err.to_rest_json();
        assert_eq!(response.status(), 409);
        assert_eq!(
            response.headers()["x-amzn-errortype"],
            "ResourceInUseException"
        );
        let json: serde_json::Value = serde_json::from_str(&body(response).await).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"__type": "ResourceInUseException", "message": "Cluster already exists with name: c1", "clusterName": "c1"})
        );
    }

    #[tokio::test]
    async fn query_xml_is_the_error_response_envelope() {
        let err = AwsError::new(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "Stack with id foo does not exist",
        );
        let text =
            body(err.to_query_xml("http://cloudformation.amazonaws.com/doc/2010-05-15/", "rid"))
                .await;
        assert_eq!(
            text,
            "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type>\
             <Code>ValidationError</Code><Message>Stack with id foo does not exist</Message></Error>\
             <RequestId>rid</RequestId></ErrorResponse>"
        );
    }

    #[tokio::test]
    async fn ec2_xml_uses_response_errors_and_request_id_spelled_upper() {
        let err = AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidSubnetID.NotFound",
            "The subnet ID 'subnet-1' does not exist",
        );
        let text = body(err.to_ec2_xml("rid")).await;
        assert!(
            text.starts_with("<Response><Errors><Error><Code>InvalidSubnetID.NotFound</Code>"),
            "{text}"
        );
        assert!(
            text.ends_with("<RequestID>rid</RequestID></Response>"),
            "{text}"
        );
    }
}
