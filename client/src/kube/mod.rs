//! A cluster's Kubernetes API through plain HTTPS (reqwest on rustls): the server and CA come from
//! `DescribeCluster` (`endpoint`, `certificateAuthority.data`), the bearer token is presigned
//! here ([`token`]), fresh for every request, as `aws eks get-token` would make it. Only what
//! eksctl's steps need is here: GET, POST, PUT, a merge PATCH; [`coredns`] (onto Fargate) and
//! [`nodes`] (the `aws-auth` ConfigMap and waiting for a nodegroup's nodes).
//!
//! Errors read as client-go's do: a `Status` reply is its `message` (`deployments.apps "coredns"
//! not found`); a transport failure is `Get "URL": cause`.

pub mod coredns;
pub mod nodes;
pub mod token;

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use base64::Engine;
use serde_json::Value;

use crate::aws::Aws;
use crate::wait::WallClock;
use crate::{Context, Error};

/// A client for one cluster's Kubernetes API.
#[derive(Debug, Clone)]
pub struct Kube {
    http: reqwest::Client,
    server: String,
    cluster: String,
    region: String,
    sts_base: String,
    credentials: Credentials,
    clock: WallClock,
}

impl Kube {
    /// A client for `cluster` (as `DescribeCluster` returned it), signing tokens with the
    /// credentials of `aws`.
    ///
    /// # Errors
    /// No endpoint or CA, a CA that does not parse, no credentials.
    pub async fn connect(
        ctx: &Context,
        aws: &Aws,
        cluster: &aws_sdk_eks::types::Cluster,
    ) -> Result<Self, Error> {
        let name = cluster.name().unwrap_or_default();
        let server = cluster.endpoint().unwrap_or_default();
        let ca = cluster
            .certificate_authority()
            .and_then(|c| c.data())
            .unwrap_or_default();
        if server.is_empty() || ca.is_empty() {
            return Err(Error::new(format!(
                "cluster {name:?} has no endpoint or certificate authority yet"
            )));
        }
        let ca = base64::engine::general_purpose::STANDARD
            .decode(ca.trim())
            .map_err(|e| Error::new(format!("decoding certificate authority data: {e}")))?;
        let provider = aws
            .credentials
            .clone()
            .ok_or_else(|| Error::new("no AWS credentials to sign a Kubernetes API token with"))?;
        let credentials = provider
            .provide_credentials()
            .await
            .map_err(|e| Error::new(format!("getting AWS credentials: {e}")))?;
        Self::new(
            server,
            Some(&ca),
            name,
            &aws.region,
            &token::sts_base_url(&aws.region, aws.endpoint_url.as_deref()),
            credentials,
            ctx.wall_clock.clone(),
        )
    }

    /// A client for the API at `server`, trusting only `ca_pem` (when given).
    ///
    /// # Errors
    /// A CA that does not parse.
    pub fn new(
        server: &str,
        ca_pem: Option<&[u8]>,
        cluster: &str,
        region: &str,
        sts_base: &str,
        credentials: Credentials,
        clock: WallClock,
    ) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(std::time::Duration::from_secs(60));
        if let Some(pem) = ca_pem {
            let ca = reqwest::Certificate::from_pem(pem)
                .map_err(|e| Error::new(format!("parsing certificate authority data: {e}")))?;
            builder = builder
                .tls_built_in_root_certs(false)
                .add_root_certificate(ca);
        }
        let http = builder
            .build()
            .map_err(|e| Error::new(format!("making the Kubernetes client: {e}")))?;
        Ok(Self {
            http,
            server: server.trim_end_matches('/').to_owned(),
            cluster: cluster.to_owned(),
            region: region.to_owned(),
            sts_base: sts_base.to_owned(),
            credentials,
            clock,
        })
    }

    fn bearer(&self) -> Result<String, Error> {
        token::token(
            &self.credentials,
            &self.region,
            &self.cluster,
            &self.sts_base,
            self.clock.now(),
        )
        .map_err(|e| Error::new(format!("making a Kubernetes API token: {e}")))
    }

    /// `GET path` (e.g. `/api/v1/namespaces/kube-system/pods?labelSelector=…`).
    ///
    /// # Errors
    /// See the module header.
    pub async fn get(&self, path: &str) -> Result<Value, Error> {
        let url = format!("{}{path}", self.server);
        let request = self.http.get(&url);
        self.send("Get", &url, request).await
    }

    /// `POST path` (create) with a JSON object.
    ///
    /// # Errors
    /// See the module header.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, Error> {
        let url = format!("{}{path}", self.server);
        let request = self
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.to_string());
        self.send("Post", &url, request).await
    }

    /// `PUT path` (update) with a JSON object.
    ///
    /// # Errors
    /// See the module header.
    pub async fn put(&self, path: &str, body: &Value) -> Result<Value, Error> {
        let url = format!("{}{path}", self.server);
        let request = self
            .http
            .put(&url)
            .header("content-type", "application/json")
            .body(body.to_string());
        self.send("Put", &url, request).await
    }

    /// `PATCH path` with a JSON merge patch (`application/merge-patch+json`).
    ///
    /// # Errors
    /// See the module header.
    pub async fn merge_patch(&self, path: &str, body: &Value) -> Result<Value, Error> {
        let url = format!("{}{path}", self.server);
        let request = self
            .http
            .patch(&url)
            .header("content-type", "application/merge-patch+json")
            .body(body.to_string());
        self.send("Patch", &url, request).await
    }

    /// `GET path`, or `None` when the object does not exist (404).
    ///
    /// # Errors
    /// See the module header.
    pub async fn get_optional(&self, path: &str) -> Result<Option<Value>, Error> {
        let url = format!("{}{path}", self.server);
        let request = self.http.get(&url);
        match self.exchange("Get", &url, request).await? {
            (404, _) => Ok(None),
            (code, body) => Self::reply("Get", &url, code, body).map(Some),
        }
    }

    async fn send(
        &self,
        verb: &str,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, Error> {
        let (code, body) = self.exchange(verb, url, request).await?;
        Self::reply(verb, url, code, body)
    }

    fn reply(verb: &str, url: &str, code: u16, body: Option<Value>) -> Result<Value, Error> {
        if (200..300).contains(&code) {
            return body.ok_or_else(|| {
                Error::new(format!(
                    "{verb} {url:?}: the server replied with something other than JSON"
                ))
            });
        }
        Err(Error::new(status_message(code, body.as_ref())))
    }

    /// Sends a request with a fresh token; returns the status and the JSON body, if it is JSON.
    async fn exchange(
        &self,
        verb: &str,
        url: &str,
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Option<Value>), Error> {
        let response = request
            .bearer_auth(self.bearer()?)
            .header("accept", "application/json")
            .send()
            .await
            .map_err(|e| Error::new(format!("{verb} {url:?}: {}", error_chain(&e))))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| Error::new(format!("{verb} {url:?}: {}", error_chain(&e))))?;
        Ok((status, serde_json::from_slice(&bytes).ok()))
    }
}

/// The message of a failed reply: a `Status` object's `message`, else client-go's fallbacks.
fn status_message(code: u16, body: Option<&Value>) -> String {
    if let Some(message) = body
        .filter(|b| b["kind"] == "Status")
        .and_then(|b| b["message"].as_str())
        .filter(|m| !m.is_empty())
    {
        return message.to_owned();
    }
    match code {
        401 => "Unauthorized".to_owned(),
        403 => "Forbidden".to_owned(),
        404 => "the server could not find the requested resource".to_owned(),
        _ => format!(
            "the server responded with the status code {code} but did not return more information"
        ),
    }
}

fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn status_replies_read_as_client_go_prints_them() {
        let not_found = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
            "message": "deployments.apps \"coredns\" not found", "reason": "NotFound", "code": 404});
        assert_eq!(
            status_message(404, Some(&not_found)),
            "deployments.apps \"coredns\" not found"
        );
        assert_eq!(status_message(401, None), "Unauthorized");
        assert_eq!(
            status_message(500, Some(&json!({"x": 1}))),
            "the server responded with the status code 500 but did not return more information"
        );
    }
}
