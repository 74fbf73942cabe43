//! The AWS side: one `SdkConfig` and the three clients `ekscli` uses (EKS, CloudFormation, STS;
//! IAM roles are made through CloudFormation and EC2 is never called), and SDK errors rendered as
//! `Code: message`.
//!
//! The target is chosen here and nowhere else: `--endpoint-url`, else `AWS_ENDPOINT_URL`, sends
//! every request to that endpoint (the emulator); without one the SDK resolves real AWS endpoints.
//! Credentials come from the default chain (or `--profile`), the region from `--region`, else the
//! config file, else the default chain (`AWS_REGION`, the profile), else eksctl's `us-west-2`.
//! The HTTP client is the slim rustls/ring one the workspace pins (reference/rust-and-kubectl.md
//! §1); tests may replace it, e.g. with a `StaticReplayClient`.

use aws_config::BehaviorVersion;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_eks::config::{Region, SharedHttpClient};
use aws_sdk_eks::error::ProvideErrorMetadata;

use crate::Context;

/// Which account, region and endpoint to talk to.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// `--region` or the config file's `metadata.region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--endpoint-url` or `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
}

/// The clients of one run.
#[derive(Debug, Clone)]
pub struct Aws {
    /// Amazon EKS.
    pub eks: aws_sdk_eks::Client,
    /// AWS CloudFormation.
    pub cfn: aws_sdk_cloudformation::Client,
    /// AWS STS.
    pub sts: aws_sdk_sts::Client,
    /// The region every request goes to.
    pub region: String,
    /// The named profile, if one was given.
    pub profile: Option<String>,
    /// The endpoint every request goes to, when overridden (`--endpoint-url`/`AWS_ENDPOINT_URL`).
    pub endpoint_url: Option<String>,
    /// The credentials the clients sign with (also used to presign Kubernetes API tokens).
    pub credentials: Option<SharedCredentialsProvider>,
}

/// The slim HTTPS (and plain HTTP) client.
#[must_use]
pub fn default_http_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build_https()
}

impl Aws {
    /// Loads the SDK configuration for `target` and makes the clients.
    pub async fn connect(ctx: &Context, target: &Target) -> Self {
        let http = ctx.http_client.clone().unwrap_or_else(default_http_client);
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
        if let Some(profile) = &target.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &target.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(endpoint) = &target.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(credentials) = &ctx.credentials {
            loader = loader.credentials_provider(credentials.clone());
        }
        let mut sdk = loader.load().await;
        if sdk.region().is_none() {
            sdk = sdk
                .into_builder()
                .region(Region::new(crate::config::DEFAULT_REGION))
                .build();
        }
        let region = sdk.region().map_or_else(
            || crate::config::DEFAULT_REGION.to_owned(),
            ToString::to_string,
        );
        Self {
            eks: aws_sdk_eks::Client::new(&sdk),
            cfn: aws_sdk_cloudformation::Client::new(&sdk),
            sts: aws_sdk_sts::Client::new(&sdk),
            region,
            profile: target.profile.clone(),
            endpoint_url: target.endpoint_url.clone(),
            credentials: sdk.credentials_provider(),
        }
    }
}

/// An SDK error as `Code: message` (`ResourceNotFoundException: No cluster found for name: x.`);
/// errors without a service code (a refused connection, a timeout) are shown with their causes.
pub fn describe<E>(err: &E) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match (err.code(), err.message()) {
        (Some(code), Some(message)) if !message.is_empty() => format!("{code}: {message}"),
        (Some(code), _) => code.to_owned(),
        _ => error_chain(err),
    }
}

/// An error and its sources, joined with `: ` as Go's wrapped errors read (repeats dropped).
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The error code of an SDK error, if the service sent one.
pub fn code<E: ProvideErrorMetadata>(err: &E) -> Option<&str> {
    err.code()
}
