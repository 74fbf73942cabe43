//! One SSM call, `GetParameter`, without the SSM SDK (the client only links the EKS,
//! CloudFormation and STS SDKs): an awsJson1.1 `POST /` signed with SigV4 (`aws-sigv4`, signing name
//! `ssm`) with the run's credentials and region, sent with reqwest. eksctl reads AWS's public
//! parameters this way to pick the EKS-optimised AMI of an unmanaged nodegroup.
//!
//! The endpoint is the override (`--endpoint-url`/`AWS_ENDPOINT_URL`) when set, else
//! `https://ssm.<region>.amazonaws.com`.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;

use crate::aws::Aws;

/// The awsJson1.1 content type.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// The SSM endpoint: the override's root, else the regional endpoint.
#[must_use]
pub fn base_url(region: &str, endpoint_url: Option<&str>) -> String {
    match endpoint_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("https://ssm.{region}.amazonaws.com"),
    }
}

/// The headers of a signed `GetParameter` for `name`, with its body.
///
/// # Errors
/// A URL or request the signer refuses.
pub fn signed_get_parameter(
    credentials: &Credentials,
    region: &str,
    url: &str,
    name: &str,
    time: SystemTime,
) -> Result<(Vec<(String, String)>, String), String> {
    let body = serde_json::json!({ "Name": name }).to_string();
    let headers = [
        ("content-type", CONTENT_TYPE),
        ("x-amz-target", "AmazonSSM.GetParameter"),
    ];
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("ssm")
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let request = SignableRequest::new(
        "POST",
        url,
        headers.into_iter(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (k, v) in instructions.headers() {
        all.push((k.to_owned(), v.to_owned()));
    }
    Ok((all, body))
}

/// The value of the SSM parameter `name`.
///
/// # Errors
/// No credentials, a transport failure, or SSM's error as `Code: message`.
pub async fn get_parameter(aws: &Aws, name: &str) -> Result<String, String> {
    let provider = aws
        .credentials
        .as_ref()
        .ok_or("no AWS credentials to sign an SSM request with")?;
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| format!("getting AWS credentials: {e}"))?;
    let url = format!("{}/", base_url(&aws.region, aws.endpoint_url.as_deref()));
    let (headers, body) =
        signed_get_parameter(&credentials, &aws.region, &url, name, SystemTime::now())?;
    let mut request = reqwest::Client::new().post(&url).body(body);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    let response = request.send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let json: serde_json::Value = response.json().await.map_err(|e| e.to_string())?;
    if !status.is_success() {
        let code = json["__type"]
            .as_str()
            .unwrap_or("UnknownError")
            .rsplit('#')
            .next()
            .unwrap_or_default()
            .to_owned();
        let message = json["message"]
            .as_str()
            .or_else(|| json["Message"].as_str())
            .unwrap_or_default();
        return Err(if message.is_empty() {
            code
        } else {
            format!("{code}: {message}")
        });
    }
    json["Parameter"]["Value"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "GetParameter answered without Parameter.Value".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_the_override_or_regional() {
        assert_eq!(
            base_url("eu-west-1", None),
            "https://ssm.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            base_url("eu-west-1", Some("http://127.0.0.1:4566/")),
            "http://127.0.0.1:4566"
        );
    }

    #[test]
    fn the_request_is_signed_for_ssm_in_the_region() {
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        let (headers, body) = signed_get_parameter(
            &creds,
            "us-west-2",
            "http://127.0.0.1:1/",
            "/aws/x",
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000),
        )
        .unwrap();
        assert_eq!(body, r#"{"Name":"/aws/x"}"#);
        let get = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(get("x-amz-target"), Some("AmazonSSM.GetParameter"));
        assert_eq!(get("content-type"), Some(CONTENT_TYPE));
        assert_eq!(get("x-amz-date"), Some("20231114T221320Z"));
        let auth = get("authorization").unwrap();
        assert!(
            auth.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20231114/us-west-2/ssm/aws4_request"
            ),
            "{auth}"
        );
        assert!(auth.contains("x-amz-target"), "{auth}");
    }
}
