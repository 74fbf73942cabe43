//! The workload's HTTP side: one keep-alive connection per client sending fixed-header requests
//! (a SigV4-shaped `Authorization` that both eks-emulator without `--strict-auth` and moto accept;
//! moto reads the region from it), EKS restJson1 calls and query-protocol (IAM, EC2) calls, each
//! timed. No signing, no retries: an answer that is not 2xx is an error.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

/// An error of the bench, as text for the terminal.
pub type Error = String;

/// The region every bench request is scoped to.
pub const REGION: &str = "us-east-1";

/// A SigV4-shaped header for `service` in `region` (not a valid signature).
#[must_use]
pub fn fake_auth(service: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000"
    )
}

/// One client: its own connection pool of one keep-alive connection to `base`.
pub struct AwsClient {
    http: reqwest::Client,
    base: String,
    eks_auth: String,
    region: String,
}

/// An answer: status and body.
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// The body as text.
    pub body: String,
}

impl Answer {
    /// The body as JSON (`Null` when it is not JSON).
    #[must_use]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

impl AwsClient {
    /// A client of the endpoint `base` (`http://127.0.0.1:PORT`).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base: &str) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            eks_auth: fake_auth("eks", REGION),
            region: REGION.to_owned(),
        })
    }

    /// An EKS restJson1 call; returns the answer and how long it took.
    ///
    /// # Errors
    /// When the connection fails.
    pub async fn eks(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(Answer, Duration), Error> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("authorization", &self.eks_auth)
            .header("x-amz-date", "20260101T000000Z");
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let started = Instant::now();
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status().as_u16();
        let body = response
            .text()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        Ok((Answer { status, body }, started.elapsed()))
    }

    /// Like [`AwsClient::eks`], but an answer other than 2xx is an error.
    ///
    /// # Errors
    /// When the connection fails or the answer is not 2xx.
    pub async fn eks_ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(Value, Duration), Error> {
        let (answer, took) = self.eks(method.clone(), path, body).await?;
        if (200..300).contains(&answer.status) {
            Ok((answer.json(), took))
        } else {
            Err(format!(
                "{method} {path}: HTTP {}: {}",
                answer.status, answer.body
            ))
        }
    }

    /// A query-protocol call (`Action=…&Version=…` form) to `service`; returns the XML text.
    ///
    /// # Errors
    /// When the connection fails or the answer is not 2xx.
    pub async fn query(&self, service: &str, params: &[(&str, &str)]) -> Result<String, Error> {
        let body: String = reqwest::Url::parse_with_params("http://x/", params)
            .map_err(|e| e.to_string())?
            .query()
            .unwrap_or_default()
            .to_owned();
        let response = self
            .http
            .post(format!("{}/", self.base))
            .header("authorization", fake_auth(service, &self.region))
            .header("x-amz-date", "20260101T000000Z")
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .map_err(|e| format!("{service} {params:?}: {e}"))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(format!("{service} {params:?}: HTTP {status}: {text}"))
        }
    }
}

/// The text of the first `<tag>…</tag>` in `xml`.
#[must_use]
pub fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..start + len])
}

/// What the workload needs before it is timed: roles and two private subnets in two zones.
#[derive(Debug, Clone)]
pub struct Prerequisites {
    /// A role trusting `eks.amazonaws.com`.
    pub cluster_role: String,
    /// A role trusting `eks-fargate-pods.amazonaws.com`.
    pub pod_role: String,
    /// Two subnets of a new VPC with no internet gateway (private), in two zones.
    pub subnets: Vec<String>,
}

/// Creates the prerequisites through the IAM and EC2 query APIs (names end in `suffix`).
///
/// # Errors
/// When a call fails.
pub async fn prerequisites(base: &str, suffix: &str) -> Result<Prerequisites, Error> {
    let client = AwsClient::new(base)?;
    let role = |name: String, service: &'static str| {
        let client = &client;
        async move {
            let trust = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
            );
            let xml = client
                .query(
                    "iam",
                    &[
                        ("Action", "CreateRole"),
                        ("Version", "2010-05-08"),
                        ("RoleName", &name),
                        ("AssumeRolePolicyDocument", &trust),
                    ],
                )
                .await?;
            xml_text(&xml, "Arn")
                .map(str::to_owned)
                .ok_or_else(|| format!("CreateRole answered no Arn: {xml}"))
        }
    };
    let cluster_role = role(format!("bench-cluster-{suffix}"), "eks.amazonaws.com").await?;
    let pod_role = role(
        format!("bench-pods-{suffix}"),
        "eks-fargate-pods.amazonaws.com",
    )
    .await?;
    let xml = client
        .query(
            "ec2",
            &[
                ("Action", "CreateVpc"),
                ("Version", "2016-11-15"),
                ("CidrBlock", "10.0.0.0/16"),
            ],
        )
        .await?;
    let vpc = xml_text(&xml, "vpcId")
        .ok_or_else(|| format!("CreateVpc answered no vpcId: {xml}"))?
        .to_owned();
    let mut subnets = Vec::new();
    for (zone, cidr) in [
        ("us-east-1a", "10.0.0.0/18"),
        ("us-east-1b", "10.0.64.0/18"),
    ] {
        let xml = client
            .query(
                "ec2",
                &[
                    ("Action", "CreateSubnet"),
                    ("Version", "2016-11-15"),
                    ("VpcId", &vpc),
                    ("CidrBlock", cidr),
                    ("AvailabilityZone", zone),
                ],
            )
            .await?;
        subnets.push(
            xml_text(&xml, "subnetId")
                .ok_or_else(|| format!("CreateSubnet answered no subnetId: {xml}"))?
                .to_owned(),
        );
    }
    Ok(Prerequisites {
        cluster_role,
        pod_role,
        subnets,
    })
}
