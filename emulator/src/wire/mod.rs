//! Protocol only, no business rules. Every AWS request arrives here: the service is taken from the
//! SigV4 credential scope (`Authorization` header, then a presigned `X-Amz-Credential`, then the
//! request's shape), a request id is drawn, and the request goes to that service in its protocol:
//!
//! ```text
//!   request ─▶ scope (service, region, access key) ─▶ RequestContext
//!                 ├─ eks ─────────────▶ restJson1:  path + JSON body  ─▶ eks::route
//!                 ├─ sts, iam, cfn ───▶ awsQuery:   form → QueryRequest ─▶ <svc>::handle ─▶ XML envelope
//!                 ├─ ec2 ─────────────▶ ec2Query:   form → QueryRequest ─▶ ec2::handle   ─▶ EC2 XML
//!                 └─ ssm ─────────────▶ awsJson1.1: X-Amz-Target + JSON  ─▶ ssm::handle   ─▶ JSON
//! ```
//!
//! Before a request reaches its service, `--strict-auth` verifies its signature (`verify.rs`) and
//! injected faults may fail or delay it (`faults.rs`, by the name from `operation.rs`).

pub mod error;
pub mod operation;
pub mod query;
pub mod rest_json;
pub mod sigv4;
pub mod verify;
pub mod xml;

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::config::DEFAULT_ACCOUNT_ID;
use crate::state::Emulator;
use error::AwsError;
use query::QueryRequest;
use sigv4::{AuthorizationHeader, CredentialScope};

/// The largest request body accepted (CloudFormation's own limit on a template body is 51,200 bytes;
/// this leaves room for every other operation).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The region of a request that names none.
pub const DEFAULT_REGION: &str = "us-east-1";

/// The AWS services this endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Amazon EKS (restJson1).
    Eks,
    /// AWS STS (awsQuery).
    Sts,
    /// AWS IAM (awsQuery; global).
    Iam,
    /// AWS CloudFormation (awsQuery).
    CloudFormation,
    /// Amazon EC2 (ec2Query).
    Ec2,
    /// AWS Systems Manager Parameter Store (awsJson1.1; public parameters only).
    Ssm,
}

impl Service {
    /// From a SigV4 signing name.
    #[must_use]
    pub fn from_signing_name(name: &str) -> Option<Self> {
        match name {
            "eks" => Some(Self::Eks),
            "sts" => Some(Self::Sts),
            "iam" => Some(Self::Iam),
            "cloudformation" => Some(Self::CloudFormation),
            "ec2" => Some(Self::Ec2),
            "ssm" => Some(Self::Ssm),
            _ => None,
        }
    }

    /// Its SigV4 signing name (`eks`, `sts`, `iam`, `cloudformation`, `ec2`, `ssm`).
    #[must_use]
    pub fn signing_name(self) -> &'static str {
        match self {
            Self::Eks => "eks",
            Self::Sts => "sts",
            Self::Iam => "iam",
            Self::CloudFormation => "cloudformation",
            Self::Ec2 => "ec2",
            Self::Ssm => "ssm",
        }
    }

    /// Whether it speaks a query protocol (awsQuery or ec2Query): `Action` in a form.
    #[must_use]
    pub fn is_query(self) -> bool {
        !matches!(self, Self::Eks | Self::Ssm)
    }

    /// From a query-protocol action, for requests that carry no credential scope.
    #[must_use]
    pub fn from_action(action: &str) -> Option<Self> {
        [
            (Self::Sts, crate::sts::ACTIONS),
            (Self::Iam, crate::iam::ACTIONS),
            (Self::CloudFormation, crate::cloudformation::ACTIONS),
            (Self::Ec2, crate::ec2::ACTIONS),
        ]
        .into_iter()
        .find(|(_, actions)| actions.contains(&action))
        .map(|(service, _)| service)
    }
}

/// Who is asking, where, and the id of this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The service addressed.
    pub service: Service,
    /// The region signed for (IAM requests are signed for `us-east-1`).
    pub region: String,
    /// The access key id, empty for unsigned requests.
    pub access_key: String,
    /// The caller's account: the access key itself when it is 12 digits (as moto does), else the
    /// emulator's `--account-id`.
    pub account: String,
    /// This request's id (`x-amzn-RequestId`).
    pub request_id: String,
}

/// The credential scope of a request, from its `Authorization` header or presigned query.
fn credential_scope(headers: &HeaderMap, query: Option<&str>) -> Option<CredentialScope> {
    if let Some(auth) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(AuthorizationHeader::parse)
    {
        return Some(auth.scope);
    }
    let pairs = rest_json::query_pairs(query);
    rest_json::query_param(&pairs, "X-Amz-Credential").and_then(CredentialScope::parse)
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// A query-protocol request's parameters: the form body for POST, the query string otherwise.
fn query_request(method: &Method, query: Option<&str>, body: &[u8]) -> QueryRequest {
    if method == Method::POST && !body.is_empty() {
        QueryRequest::from_form(body)
    } else {
        QueryRequest::from_form(query.unwrap_or_default().as_bytes())
    }
}

/// Which service a request without a known signing name is for, from its shape.
fn service_from_shape(
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Service> {
    let first = path
        .trim_start_matches('/')
        .split('/')
        .next()
        .unwrap_or_default();
    if matches!(first, "clusters" | "cluster-versions" | "tags" | "addons") {
        return Some(Service::Eks);
    }
    if crate::ssm::target_operation(headers).is_some() {
        return Some(Service::Ssm);
    }
    if is_form(headers) || method == Method::GET {
        return Service::from_action(&query_request(method, query, body).action);
    }
    None
}

/// The error for a request this endpoint cannot place. The wording is chosen here: no AWS endpoint
/// serves several services, so AWS has no such message.
fn unknown_service(name: Option<&str>, form: bool, request_id: &str) -> Response {
    let message = match name {
        Some(name) => format!("The service '{name}' is not emulated here; this endpoint serves eks, cloudformation, iam, sts, ec2 and ssm."),
        None => "Could not tell which AWS service this request is for: sign it with SigV4 (any credentials do).".to_owned(),
    };
    let err = AwsError::new(
        StatusCode::BAD_REQUEST,
        "UnrecognizedServiceException",
        message,
    );
    if form {
        err.to_query_xml("https://aws.amazon.com/", request_id)
    } else {
        err.to_rest_json()
    }
}

/// The handler behind every AWS route: reads the body, works out service, region and account, and
/// hands the request to that service in its protocol.
pub async fn dispatch(State(emulator): State<Emulator>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(body) => body,
        Err(_) => {
            let request_id = emulator.with_world_bookkeeping(|world, _| world.ids.request_id());
            let err = AwsError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "RequestEntityTooLarge",
                format!("Request body must be at most {MAX_BODY_BYTES} bytes."),
            );
            return with_request_id(err.to_rest_json(), &request_id);
        }
    };
    let query = parts.uri.query();
    let path = parts.uri.path();
    let scope = credential_scope(&parts.headers, query);
    let shape_service = scope
        .is_none()
        .then(|| service_from_shape(&parts.method, path, query, &parts.headers, &body))
        .flatten();
    // SSM is stateless: its request ids come from their own stream (see `World::stateless_ids`).
    let stateless = match &scope {
        Some(s) => Service::from_signing_name(&s.service) == Some(Service::Ssm),
        None => shape_service == Some(Service::Ssm),
    };
    let draw_request_id = |world: &mut crate::state::World| {
        if stateless {
            world.stateless_ids.request_id()
        } else {
            world.ids.request_id()
        }
    };
    let service = match &scope {
        Some(scope) => match Service::from_signing_name(&scope.service) {
            Some(service) => Some(service),
            None => {
                let request_id = emulator.with_world_bookkeeping(|world, _| draw_request_id(world));
                let response =
                    unknown_service(Some(&scope.service), is_form(&parts.headers), &request_id);
                return with_request_id(response, &request_id);
            }
        },
        None => shape_service,
    };
    let Some(service) = service else {
        let request_id = emulator.with_world_bookkeeping(|world, _| draw_request_id(world));
        return with_request_id(
            unknown_service(None, is_form(&parts.headers), &request_id),
            &request_id,
        );
    };
    if emulator.config().strict_auth {
        if let Err(failure) = verify::verify(
            &emulator.config().credentials,
            &parts.method,
            &parts.uri,
            &parts.headers,
            &body,
            crate::clock::wall_now(),
        ) {
            let request_id = emulator.with_world_bookkeeping(|world, _| draw_request_id(world));
            let err = failure.to_aws_error(service);
            return with_request_id(error_response(service, &err, &request_id), &request_id);
        }
    }
    let form = service
        .is_query()
        .then(|| query_request(&parts.method, query, &body));
    let op = if service == Service::Ssm {
        crate::ssm::target_operation(&parts.headers)
            .unwrap_or(operation::UNKNOWN_OPERATION)
            .to_owned()
    } else {
        operation::operation_name(service, &parts.method, path, form.as_ref())
    };
    // One lock for the request id and the faults' decision, in that order.
    let (request_id, injected) = emulator.with_world_bookkeeping(|world, _| {
        let request_id = draw_request_id(world);
        (request_id, crate::faults::decide(world, service, &op))
    });
    if let Some((err, fault)) = crate::faults::wait_out(injected).await {
        let response = error_response(service, &err, &request_id);
        return with_request_id(crate::faults::mark(response, &fault), &request_id);
    }
    let access_key = scope
        .as_ref()
        .map(|s| s.access_key.clone())
        .unwrap_or_default();
    let account = if access_key.len() == 12 && access_key.chars().all(|c| c.is_ascii_digit()) {
        access_key.clone()
    } else if emulator.config().account_id.is_empty() {
        DEFAULT_ACCOUNT_ID.to_owned()
    } else {
        emulator.config().account_id.clone()
    };
    let ctx = RequestContext {
        service,
        region: scope.map_or_else(|| DEFAULT_REGION.to_owned(), |s| s.region),
        access_key,
        account,
        request_id: request_id.clone(),
    };
    let form = form.unwrap_or_default();
    let response = match service {
        Service::Eks => crate::eks::route(&emulator, &ctx, &parts.method, path, query, &body),
        Service::Sts => crate::sts::handle(&emulator, &ctx, &form, &parts.headers),
        Service::Iam => crate::iam::handle(&emulator, &ctx, &form),
        Service::CloudFormation => crate::cloudformation::handle(&emulator, &ctx, &form),
        Service::Ec2 => crate::ec2::handle(&emulator, &ctx, &form),
        Service::Ssm => crate::ssm::handle(&ctx, &parts.headers, &body),
    };
    with_request_id(response, &request_id)
}

/// An error in `service`'s protocol: restJson1 for EKS, the awsQuery envelope with the service's
/// namespace for CloudFormation, IAM and STS, EC2's own XML, awsJson1.1 for SSM.
#[must_use]
pub fn error_response(service: Service, err: &AwsError, request_id: &str) -> Response {
    match service {
        Service::Eks => err.to_rest_json(),
        Service::Sts => err.to_query_xml(crate::sts::XMLNS, request_id),
        Service::Iam => err.to_query_xml(crate::iam::XMLNS, request_id),
        Service::CloudFormation => err.to_query_xml(crate::cloudformation::XMLNS, request_id),
        Service::Ec2 => err.to_ec2_xml(request_id),
        Service::Ssm => crate::ssm::error_response(err),
    }
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amzn-requestid", value);
    }
    response
}

/// An awsQuery service's answer: the children of its `<ActionResult>`, or nothing for operations
/// without output.
pub type QueryResult = Result<Option<String>, AwsError>;

/// Wraps a query service's result in the envelope of `xmlns`, or renders its error.
#[must_use]
pub fn query_response(
    action: &str,
    xmlns: &str,
    request_id: &str,
    result: QueryResult,
) -> Response {
    match result {
        Ok(inner) => {
            let body = query::envelope(action, xmlns, request_id, inner.as_deref());
            (StatusCode::OK, [("content-type", "text/xml")], body).into_response()
        }
        Err(err) => err.to_query_xml(xmlns, request_id),
    }
}

/// The awsQuery error for an action a service does not have (real AWS wording).
#[must_use]
pub fn invalid_action(action: &str) -> AwsError {
    AwsError::new(
        StatusCode::BAD_REQUEST,
        "InvalidAction",
        format!("The action {action} is not valid for this web service."),
    )
}
