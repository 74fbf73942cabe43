//! Fault injection (`/_emulator/faults`): rules that make a named operation fail with its protocol's
//! throttling or server error, or answer slowly, N times or with a probability; and resource-level
//! rules that make a resource's creation or deletion end in `CREATE_FAILED`/`DELETE_FAILED` with a
//! health issue, which the models read through [`Faults::resource_failure`].
//!
//! The rules live in the [`World`](crate::state::World) (so a reset clears them and `--state-dir`
//! keeps them); probabilities are drawn from their own generator seeded from `--seed`, so the same
//! seed and requests fail the same requests, and drawing never shifts the ids of resources. Nothing
//! here knows a service's business rules: the wire layer asks [`inject`] before dispatching.
//!
//! ```json
//! POST /_emulator/faults
//! {"service":"eks","operation":"CreateFargateProfile","error":"ThrottlingException","count":2}
//! {"service":"cloudformation","operation":"DescribeStacks","error":"Throttling","probability":0.5}
//! {"service":"eks","operation":"DescribeCluster","delayMs":500}
//! {"service":"eks","resource":"fargate-profile","name":"fp-x","fail":"CREATE_FAILED",
//!  "healthIssue":{"code":"InternalFailure","message":"…"}}
//! ```

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::admin::AdminError;
use crate::state::Emulator;
use crate::wire::error::AwsError;
use crate::wire::operation::EKS_OPERATIONS;
use crate::wire::Service;

/// The header on every response a fault rule produced (its id), so that a test or a log can tell an
/// injected failure from a real one.
pub const FAULT_HEADER: &str = "x-emulator-fault";

/// Every rule, in the order added, and the generator their probabilities draw from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Faults {
    next_id: u64,
    rules: Vec<Fault>,
    rng: ChaCha8Rng,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(crate::ids::DEFAULT_SEED)
    }
}

/// One rule as stored and listed: what was asked, plus its id and how often it has fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    /// `fault-N`, for `DELETE /_emulator/faults/{id}`.
    pub id: String,
    /// The service's signing name (`eks`, `cloudformation`, `iam`, `sts`, `ec2`, `ssm`).
    pub service: String,
    /// What the rule does.
    #[serde(flatten)]
    pub action: FaultAction,
    /// Times it may still fire; `None` for no limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u64>,
    /// Times it has fired.
    pub fired: u64,
}

/// The two kinds of rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FaultAction {
    /// A resource that ends in a failed state (first: untagged decoding tries it before the
    /// operation fault, whose fields are all optional).
    Resource(ResourceFault),
    /// A request-level fault on an operation (or on every operation of the service).
    Operation(OperationFault),
}

/// A request-level fault.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationFault {
    /// The operation (`CreateFargateProfile`); `None` for every operation of the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// The error code sent, already in the service's protocol (`ThrottlingException` for EKS,
    /// `Throttling` for the query services); `None` for a slow but successful answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The error message, when not the default one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// How long the answer is held back, in milliseconds of wall-clock time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    /// The chance that a matching request is hit (1 when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// A resource-level fault, for the models to consult ([`Faults::resource_failure`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceFault {
    /// The kind of resource: `cluster`, `fargate-profile`, `nodegroup` (EKS) or `stack`
    /// (CloudFormation).
    pub resource: String,
    /// The resource's name; `None` for every resource of the kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The state it ends in.
    pub fail: FailedState,
    /// The health issue (or stack status reason) it reports.
    pub health_issue: HealthIssue,
}

/// The failed state a resource fault leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FailedState {
    /// The creation fails.
    CreateFailed,
    /// The deletion fails.
    DeleteFailed,
}

/// Which step of a resource's life a model is at when it asks for a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Creating (a fault with `CREATE_FAILED` applies).
    Create,
    /// Deleting (a fault with `DELETE_FAILED` applies).
    Delete,
}

/// A health issue as EKS reports it (`{"code": "...", "message": "...", "resourceIds": [...]}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthIssue {
    /// The issue code (`InternalFailure`, `AccessDenied`, `IamRoleNotFound`…).
    pub code: String,
    /// The message.
    pub message: String,
    /// The resources the issue is about; when empty, the model names the failed resource itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_ids: Vec<String>,
}

/// The body of `POST /_emulator/faults`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    /// Required: the service's signing name.
    pub service: String,
    /// Operation faults: the operation (absent: all of the service's).
    pub operation: Option<String>,
    /// Operation faults: the error (`ThrottlingException`, `ServerException`,
    /// `ServiceUnavailableException` or their query-protocol names).
    pub error: Option<String>,
    /// Operation faults: a message instead of the default one.
    pub message: Option<String>,
    /// Operation faults: a delay in milliseconds.
    pub delay_ms: Option<u64>,
    /// How many times the rule fires (absent: until cleared).
    pub count: Option<u64>,
    /// Operation faults: the chance each matching request is hit, 0 to 1.
    pub probability: Option<f64>,
    /// Resource faults: the kind of resource.
    pub resource: Option<String>,
    /// Resource faults: the resource's name (absent: any).
    pub name: Option<String>,
    /// Resource faults: `CREATE_FAILED` or `DELETE_FAILED`.
    pub fail: Option<FailedState>,
    /// Resource faults: the health issue reported.
    pub health_issue: Option<HealthIssue>,
}

/// The longest delay a rule may ask for (10 minutes): longer would outlast every client's timeout.
pub const MAX_DELAY_MS: u64 = 600_000;

/// The resource kinds a resource fault may name, per service.
const RESOURCE_KINDS: &[(&str, &str)] = &[
    ("eks", "cluster"),
    ("eks", "fargate-profile"),
    ("eks", "nodegroup"),
    ("cloudformation", "stack"),
];

/// The three injectable errors, whatever the protocol calls them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ErrorKind {
    Throttling,
    Server,
    Unavailable,
}

impl ErrorKind {
    fn parse(name: &str) -> Option<Self> {
        match name {
            "ThrottlingException" | "Throttling" | "RequestLimitExceeded" => Some(Self::Throttling),
            "ServerException" | "InternalFailure" | "InternalError" | "InternalServerError" => {
                Some(Self::Server)
            }
            "ServiceUnavailableException" | "ServiceUnavailable" | "Unavailable" => {
                Some(Self::Unavailable)
            }
            _ => None,
        }
    }

    /// The code, status and default message `service` answers this error with. EKS: its declared
    /// `ThrottlingException` (429), `ServerException` (500), `ServiceUnavailableException` (503);
    /// CloudFormation, IAM and STS: the query protocol's `Throttling` (400, "Rate exceeded", as real
    /// IAM and CloudFormation send it), `InternalFailure` (500), `ServiceUnavailable` (503); EC2:
    /// `RequestLimitExceeded`, `InternalError`, `Unavailable`; SSM: its declared `ThrottlingException`
    /// (400) and `InternalServerError` (500), and `ServiceUnavailable` (503).
    fn rendering(self, service: Service) -> (&'static str, StatusCode, &'static str) {
        const INTERNAL: &str =
            "The request processing has failed because of an unknown error, exception or failure.";
        const UNAVAILABLE: &str =
            "The request has failed due to a temporary failure of the server.";
        match (service, self) {
            (Service::Eks, Self::Throttling) => (
                "ThrottlingException",
                StatusCode::TOO_MANY_REQUESTS,
                "Rate exceeded",
            ),
            (Service::Eks, Self::Server) => (
                "ServerException",
                StatusCode::INTERNAL_SERVER_ERROR,
                INTERNAL,
            ),
            (Service::Eks, Self::Unavailable) => (
                "ServiceUnavailableException",
                StatusCode::SERVICE_UNAVAILABLE,
                UNAVAILABLE,
            ),
            (Service::Ssm, Self::Throttling) => (
                "ThrottlingException",
                StatusCode::BAD_REQUEST,
                "Rate exceeded",
            ),
            (Service::Ssm, Self::Server) => (
                "InternalServerError",
                StatusCode::INTERNAL_SERVER_ERROR,
                INTERNAL,
            ),
            (Service::Ssm, Self::Unavailable) => (
                "ServiceUnavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                UNAVAILABLE,
            ),
            (Service::Ec2, Self::Throttling) => (
                "RequestLimitExceeded",
                StatusCode::SERVICE_UNAVAILABLE,
                "Request limit exceeded.",
            ),
            (Service::Ec2, Self::Server) => (
                "InternalError",
                StatusCode::INTERNAL_SERVER_ERROR,
                "An internal error has occurred",
            ),
            (Service::Ec2, Self::Unavailable) => (
                "Unavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                "The server is overloaded and can't handle the request.",
            ),
            (_, Self::Throttling) => ("Throttling", StatusCode::BAD_REQUEST, "Rate exceeded"),
            (_, Self::Server) => (
                "InternalFailure",
                StatusCode::INTERNAL_SERVER_ERROR,
                INTERNAL,
            ),
            (_, Self::Unavailable) => (
                "ServiceUnavailable",
                StatusCode::SERVICE_UNAVAILABLE,
                UNAVAILABLE,
            ),
        }
    }
}

/// What the faults decided for one request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Injected {
    /// Wall-clock time to hold the answer back.
    pub delay: Duration,
    /// The error to answer with instead of serving the request, and the rule's id.
    pub error: Option<(AwsError, String)>,
}

/// What a model applies when a resource fault hits: the failed state and the health issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceFailure {
    /// The state to end in.
    pub state: FailedState,
    /// The health issue (EKS) or status reason (CloudFormation) to report.
    pub health_issue: HealthIssue,
    /// The rule's id.
    pub fault_id: String,
}

impl Faults {
    /// No rules; probabilities drawn from a generator seeded from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            next_id: 1,
            rules: Vec::new(),
            // Apart from the id generator's stream, so that faults never shift resource ids.
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x6661_756c_7473),
        }
    }

    /// Every rule, in the order added.
    #[must_use]
    pub fn rules(&self) -> &[Fault] {
        &self.rules
    }

    /// Checks `spec` and adds it as a rule.
    ///
    /// # Errors
    /// A message saying what is wrong with the spec.
    pub fn add(&mut self, spec: FaultSpec) -> Result<Fault, String> {
        let service = Service::from_signing_name(&spec.service).ok_or_else(|| {
            format!(
                "unknown service '{}': expected eks, cloudformation, iam, sts, ec2 or ssm",
                spec.service
            )
        })?;
        if spec.count == Some(0) {
            return Err("count must be 1 or more (leave it out for no limit)".into());
        }
        let action = if spec.resource.is_some() {
            FaultAction::Resource(resource_fault(&spec)?)
        } else {
            FaultAction::Operation(operation_fault(service, &spec)?)
        };
        let fault = Fault {
            id: format!("fault-{}", self.next_id),
            service: spec.service,
            action,
            remaining: spec.count,
            fired: 0,
        };
        self.next_id += 1;
        self.rules.push(fault.clone());
        Ok(fault)
    }

    /// Removes every rule; returns how many there were.
    pub fn clear(&mut self) -> usize {
        std::mem::take(&mut self.rules).len()
    }

    /// Removes one rule by id.
    pub fn remove(&mut self, id: &str) -> Option<Fault> {
        let at = self.rules.iter().position(|f| f.id == id)?;
        Some(self.rules.remove(at))
    }

    /// Decides the fate of one request to `operation` of `service`: every live matching rule draws
    /// its probability; the delays of those hit add up, and the first error hit wins (error rules
    /// after it are not drawn, so they keep their count).
    pub fn on_request(&mut self, service: Service, operation: &str) -> Injected {
        let mut injected = Injected::default();
        let Self { rules, rng, .. } = self;
        for rule in rules.iter_mut() {
            let FaultAction::Operation(op) = &rule.action else {
                continue;
            };
            let applies = rule.service == service.signing_name()
                && op.operation.as_deref().is_none_or(|o| o == operation)
                && rule.remaining != Some(0)
                && !(op.error.is_some() && injected.error.is_some());
            if !applies {
                continue;
            }
            let p = op.probability.unwrap_or(1.0);
            if p < 1.0 && rng.random::<f64>() >= p {
                continue;
            }
            rule.fired += 1;
            if let Some(left) = &mut rule.remaining {
                *left -= 1;
            }
            injected.delay += Duration::from_millis(op.delay_ms.unwrap_or(0));
            if let Some(code) = &op.error {
                let Some(kind) = ErrorKind::parse(code) else {
                    continue;
                };
                let (code, status, default) = kind.rendering(service);
                let message = op.message.clone().unwrap_or_else(|| default.to_owned());
                injected.error = Some((AwsError::new(status, code, message), rule.id.clone()));
            }
        }
        injected
    }

    /// **The models' hook.** Asks whether the resource `name` of kind `resource` (`cluster`,
    /// `fargate-profile`, `nodegroup`, `stack`) of `service` must fail at `phase`; a hit counts
    /// against the rule's `count`. A model calls it when it starts creating (or deleting) the
    /// resource and, on `Some`, schedules the end state `CREATE_FAILED`/`DELETE_FAILED` instead of
    /// `ACTIVE`/gone, reporting the health issue (EKS `health.issues`, CloudFormation's status
    /// reason). Rules are not scoped by account or region.
    pub fn resource_failure(
        &mut self,
        service: Service,
        resource: &str,
        name: &str,
        phase: Phase,
    ) -> Option<ResourceFailure> {
        let wanted = match phase {
            Phase::Create => FailedState::CreateFailed,
            Phase::Delete => FailedState::DeleteFailed,
        };
        let rule = self.rules.iter_mut().find(|rule| {
            let FaultAction::Resource(r) = &rule.action else {
                return false;
            };
            rule.service == service.signing_name()
                && r.resource == resource
                && r.name.as_deref().is_none_or(|n| n == name)
                && r.fail == wanted
                && rule.remaining != Some(0)
        })?;
        rule.fired += 1;
        if let Some(left) = &mut rule.remaining {
            *left -= 1;
        }
        let FaultAction::Resource(r) = &rule.action else {
            return None;
        };
        Some(ResourceFailure {
            state: r.fail,
            health_issue: r.health_issue.clone(),
            fault_id: rule.id.clone(),
        })
    }
}

fn operation_fault(service: Service, spec: &FaultSpec) -> Result<OperationFault, String> {
    if spec.name.is_some() || spec.fail.is_some() || spec.health_issue.is_some() {
        return Err(
            "name, fail and healthIssue belong to resource faults, which need \"resource\"".into(),
        );
    }
    if spec.error.is_none() && spec.delay_ms.is_none() {
        return Err("an operation fault needs \"error\", \"delayMs\" or both".into());
    }
    if let Some(op) = &spec.operation {
        let known = match service {
            Service::Eks => EKS_OPERATIONS.contains(&op.as_str()),
            Service::Ssm => crate::ssm::OPERATIONS.contains(&op.as_str()),
            _ => {
                op.len() <= 128
                    && op.starts_with(|c: char| c.is_ascii_uppercase())
                    && op.chars().all(|c| c.is_ascii_alphanumeric())
            }
        };
        if !known {
            return Err(format!(
                "'{op}' is not an operation of {}",
                service.signing_name()
            ));
        }
    }
    let error = match &spec.error {
        None => None,
        Some(name) => {
            let kind = ErrorKind::parse(name).ok_or_else(|| {
                format!(
                    "unknown error '{name}': expected ThrottlingException, ServerException or \
                     ServiceUnavailableException (or the query protocol's Throttling, \
                     InternalFailure, ServiceUnavailable)"
                )
            })?;
            Some(kind.rendering(service).0.to_owned())
        }
    };
    if let Some(p) = spec.probability {
        if !(0.0..=1.0).contains(&p) || p.is_nan() {
            return Err("probability must be from 0 to 1".into());
        }
    }
    if spec.delay_ms.is_some_and(|d| d > MAX_DELAY_MS) {
        return Err(format!("delayMs must be at most {MAX_DELAY_MS}"));
    }
    Ok(OperationFault {
        operation: spec.operation.clone(),
        error,
        message: spec.message.clone(),
        delay_ms: spec.delay_ms,
        probability: spec.probability,
    })
}

fn resource_fault(spec: &FaultSpec) -> Result<ResourceFault, String> {
    if spec.operation.is_some()
        || spec.error.is_some()
        || spec.message.is_some()
        || spec.delay_ms.is_some()
        || spec.probability.is_some()
    {
        return Err(
            "operation, error, message, delayMs and probability belong to operation faults, not \
             to resource faults"
                .into(),
        );
    }
    let resource = spec.resource.clone().unwrap_or_default();
    if !RESOURCE_KINDS.contains(&(spec.service.as_str(), resource.as_str())) {
        let kinds: Vec<String> = RESOURCE_KINDS
            .iter()
            .map(|(s, r)| format!("{s}/{r}"))
            .collect();
        return Err(format!(
            "unknown resource '{}' of {}: expected one of {}",
            resource,
            spec.service,
            kinds.join(", ")
        ));
    }
    let fail = spec
        .fail
        .ok_or("a resource fault needs \"fail\": CREATE_FAILED or DELETE_FAILED")?;
    let health_issue = spec.health_issue.clone().unwrap_or_else(|| HealthIssue {
        code: "InternalFailure".into(),
        // Chosen here: EKS documents the code, not a message.
        message: "The resource failed (injected by /_emulator/faults).".into(),
        resource_ids: Vec::new(),
    });
    Ok(ResourceFault {
        resource,
        name: spec.name.clone(),
        fail,
        health_issue,
    })
}

/// The wire layer's hook, under the world's lock: what `Fault` rules decide for this request.
pub fn decide(world: &mut crate::state::World, service: Service, operation: &str) -> Injected {
    world.faults.on_request(service, operation)
}

/// Waits out a decided delay (outside the lock) and returns the injected error, if any, with the
/// rule id for [`FAULT_HEADER`].
pub async fn wait_out(injected: Injected) -> Option<(AwsError, String)> {
    if !injected.delay.is_zero() {
        crate::clock::wall_sleep(injected.delay).await;
    }
    injected.error
}

/// Marks a response as produced by fault `id`.
pub fn mark(mut response: Response, id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(id) {
        response.headers_mut().insert(FAULT_HEADER, value);
    }
    response
}

/// The listing of `GET /_emulator/faults`.
#[derive(Debug, Serialize, Deserialize)]
pub struct FaultList {
    /// Every rule, in the order added.
    pub faults: Vec<Fault>,
}

/// `GET /_emulator/faults`.
pub async fn list(State(emu): State<Emulator>) -> Json<FaultList> {
    Json(FaultList {
        faults: emu.with_world(|world, _| world.faults.rules().to_vec()),
    })
}

/// `POST /_emulator/faults`: one spec; answers the stored rule.
pub async fn add(
    State(emu): State<Emulator>,
    body: axum::body::Bytes,
) -> Result<Response, AdminError> {
    let spec: FaultSpec = serde_json::from_slice(&body).map_err(|e| {
        AdminError::new(
            StatusCode::BAD_REQUEST,
            format!("expected a fault, e.g. {{\"service\":\"eks\",\"operation\":\"DescribeCluster\",\"error\":\"ThrottlingException\",\"count\":2}}: {e}"),
        )
    })?;
    let fault = emu
        .with_world(|world, _| world.faults.add(spec))
        .map_err(|e| AdminError::new(StatusCode::BAD_REQUEST, e))?;
    Ok((StatusCode::CREATED, Json(fault)).into_response())
}

/// `DELETE /_emulator/faults`: removes every rule.
pub async fn clear(State(emu): State<Emulator>) -> Json<serde_json::Value> {
    let cleared = emu.with_world(|world, _| world.faults.clear());
    Json(serde_json::json!({ "cleared": cleared }))
}

/// `DELETE /_emulator/faults/{id}`: removes one rule.
pub async fn remove(
    State(emu): State<Emulator>,
    Path(id): Path<String>,
) -> Result<Json<Fault>, AdminError> {
    emu.with_world(|world, _| world.faults.remove(&id))
        .map(Json)
        .ok_or_else(|| AdminError::new(StatusCode::NOT_FOUND, format!("no fault with id {id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: serde_json::Value) -> FaultSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_counted_fault_fires_count_times_in_the_protocols_shape() {
        let mut faults = Faults::new(0);
        faults
            .add(spec(serde_json::json!({"service":"eks","operation":"CreateFargateProfile","error":"ThrottlingException","count":2})))
            .unwrap();
        for _ in 0..2 {
            let (err, id) = faults
                .on_request(Service::Eks, "CreateFargateProfile")
                .error
                .unwrap();
            assert_eq!(
                (err.status.as_u16(), err.code.as_ref(), err.message.as_str()),
                (429, "ThrottlingException", "Rate exceeded")
            );
            assert_eq!(id, "fault-1");
        }
        assert_eq!(
            faults.on_request(Service::Eks, "CreateFargateProfile"),
            Injected::default()
        );
        assert_eq!(faults.rules()[0].fired, 2);
        assert_eq!(faults.rules()[0].remaining, Some(0));
        assert_eq!(
            faults.on_request(Service::Eks, "DescribeCluster"),
            Injected::default(),
            "other operations are untouched"
        );
    }

    #[test]
    fn query_services_get_their_own_codes() {
        let mut faults = Faults::new(0);
        let fault = faults
            .add(spec(
                serde_json::json!({"service":"cloudformation","error":"ThrottlingException"}),
            ))
            .unwrap();
        assert_eq!(
            fault.action,
            FaultAction::Operation(OperationFault {
                operation: None,
                error: Some("Throttling".into()),
                message: None,
                delay_ms: None,
                probability: None
            })
        );
        let (err, _) = faults
            .on_request(Service::CloudFormation, "DescribeStacks")
            .error
            .unwrap();
        assert_eq!(
            (err.status.as_u16(), err.code.as_ref()),
            (400, "Throttling")
        );
        assert!(err.sender_fault);
        faults.clear();
        faults
            .add(spec(serde_json::json!({"service":"iam","error":"ServiceUnavailableException","message":"try later"})))
            .unwrap();
        let (err, _) = faults.on_request(Service::Iam, "GetRole").error.unwrap();
        assert_eq!(
            (err.status.as_u16(), err.code.as_ref(), err.message.as_str()),
            (503, "ServiceUnavailable", "try later")
        );
    }

    #[test]
    fn ssm_faults_name_its_operations_and_use_its_json_codes() {
        let mut faults = Faults::new(0);
        assert_eq!(
            faults
                .add(spec(serde_json::json!({"service":"ssm","operation":"PutParameter","error":"ServerException"})))
                .unwrap_err(),
            "'PutParameter' is not an operation of ssm"
        );
        faults
            .add(spec(serde_json::json!({"service":"ssm","operation":"GetParameter","error":"ThrottlingException"})))
            .unwrap();
        assert!(faults
            .on_request(Service::Ssm, "GetParameters")
            .error
            .is_none());
        let (err, _) = faults
            .on_request(Service::Ssm, "GetParameter")
            .error
            .unwrap();
        assert_eq!(
            (err.status.as_u16(), err.code.as_ref()),
            (400, "ThrottlingException")
        );
    }

    #[test]
    fn probabilities_are_seeded() {
        let run = |seed| {
            let mut faults = Faults::new(seed);
            faults
                .add(spec(serde_json::json!({"service":"eks","error":"ServerException","probability":0.5})))
                .unwrap();
            (0..64)
                .map(|_| {
                    faults
                        .on_request(Service::Eks, "ListClusters")
                        .error
                        .is_some()
                })
                .collect::<Vec<_>>()
        };
        let a = run(1);
        assert_eq!(a, run(1));
        assert_ne!(a, run(2));
        let hits = a.iter().filter(|h| **h).count();
        assert!((16..=48).contains(&hits), "{hits} of 64");
    }

    #[test]
    fn delays_add_up_and_errors_do_not_double_count() {
        let mut faults = Faults::new(0);
        for json in [
            serde_json::json!({"service":"eks","operation":"DescribeCluster","delayMs":200}),
            serde_json::json!({"service":"eks","delayMs":50,"count":1}),
            serde_json::json!({"service":"eks","error":"ServerException","count":1}),
            serde_json::json!({"service":"eks","error":"ThrottlingException","count":1}),
        ] {
            faults.add(spec(json)).unwrap();
        }
        let first = faults.on_request(Service::Eks, "DescribeCluster");
        assert_eq!(first.delay, Duration::from_millis(250));
        assert_eq!(first.error.unwrap().0.code, "ServerException");
        assert_eq!(
            faults.rules()[3].fired,
            0,
            "the second error rule kept its count"
        );
        let second = faults.on_request(Service::Eks, "DescribeCluster");
        assert_eq!(second.delay, Duration::from_millis(200));
        assert_eq!(second.error.unwrap().0.code, "ThrottlingException");
    }

    #[test]
    fn resource_faults_are_found_by_kind_name_and_phase() {
        let mut faults = Faults::new(0);
        faults
            .add(spec(serde_json::json!({"service":"eks","resource":"fargate-profile","name":"fp-x","fail":"CREATE_FAILED",
                "healthIssue":{"code":"InternalFailure","message":"boom"}})))
            .unwrap();
        assert_eq!(
            faults.resource_failure(Service::Eks, "fargate-profile", "fp-y", Phase::Create),
            None
        );
        assert_eq!(
            faults.resource_failure(Service::Eks, "fargate-profile", "fp-x", Phase::Delete),
            None
        );
        let hit = faults
            .resource_failure(Service::Eks, "fargate-profile", "fp-x", Phase::Create)
            .unwrap();
        assert_eq!(hit.state, FailedState::CreateFailed);
        assert_eq!(hit.health_issue.message, "boom");
        assert_eq!(
            faults.on_request(Service::Eks, "CreateFargateProfile"),
            Injected::default()
        );
        let listed = serde_json::to_value(&faults.rules()[0]).unwrap();
        assert_eq!(listed["resource"], "fargate-profile");
        assert_eq!(listed["fail"], "CREATE_FAILED");
        assert_eq!(listed["fired"], 1);
    }

    #[test]
    fn bad_specs_are_refused_with_a_reason() {
        let mut faults = Faults::new(0);
        for (json, words) in [
            (
                serde_json::json!({"service":"s3","error":"ThrottlingException"}),
                "unknown service",
            ),
            (
                serde_json::json!({"service":"eks","operation":"CreateBucket","error":"ThrottlingException"}),
                "not an operation",
            ),
            (
                serde_json::json!({"service":"eks","error":"Teapot"}),
                "unknown error",
            ),
            (serde_json::json!({"service":"eks"}), "needs"),
            (
                serde_json::json!({"service":"eks","error":"ServerException","probability":1.5}),
                "probability",
            ),
            (
                serde_json::json!({"service":"eks","error":"ServerException","count":0}),
                "count",
            ),
            (
                serde_json::json!({"service":"eks","resource":"bucket","fail":"CREATE_FAILED"}),
                "unknown resource",
            ),
            (
                serde_json::json!({"service":"eks","resource":"cluster"}),
                "fail",
            ),
            (
                serde_json::json!({"service":"eks","resource":"cluster","fail":"CREATE_FAILED","error":"ServerException"}),
                "operation faults",
            ),
        ] {
            let err = faults.add(spec(json.clone())).unwrap_err();
            assert!(err.contains(words), "{json}: {err}");
        }
        assert!(faults.rules().is_empty());
        assert!(serde_json::from_value::<FaultSpec>(
            serde_json::json!({"service":"eks","bogus":1})
        )
        .is_err());
    }

    #[test]
    fn rules_survive_a_serde_round_trip() {
        let mut faults = Faults::new(3);
        faults
            .add(spec(serde_json::json!({"service":"eks","error":"ServerException","probability":0.5,"count":3})))
            .unwrap();
        faults
            .add(spec(serde_json::json!({"service":"cloudformation","resource":"stack","fail":"DELETE_FAILED"})))
            .unwrap();
        let text = serde_json::to_string(&faults).unwrap();
        let mut back: Faults = serde_json::from_str(&text).unwrap();
        assert_eq!(back.rules(), faults.rules());
        let a: Vec<bool> = (0..8)
            .map(|_| {
                faults
                    .on_request(Service::Eks, "ListClusters")
                    .error
                    .is_some()
            })
            .collect();
        let b: Vec<bool> = (0..8)
            .map(|_| {
                back.on_request(Service::Eks, "ListClusters")
                    .error
                    .is_some()
            })
            .collect();
        assert_eq!(a, b, "the generator's position is kept");
    }
}
