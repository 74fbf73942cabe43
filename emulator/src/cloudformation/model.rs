//! CloudFormation state of one region — stacks (with their resources, events, outputs) and the
//! region's exports — and the engine that runs stack operations on the virtual clock.
//!
//! An operation is a sequence of phases; each phase is a walk over jobs, one per resource:
//!
//! ```text
//!  create:  Create ──ok──▶ CREATE_COMPLETE
//!             └─fail─▶ CREATE_FAILED (OnFailure=DO_NOTHING) | Rollback ─▶ ROLLBACK_COMPLETE [─▶ DELETE_COMPLETE (OnFailure=DELETE)]
//!  update:  Update ──ok──▶ UpdateCleanup ─▶ UPDATE_COMPLETE
//!             └─fail─▶ UpdateRollback ─▶ UpdateRollbackCleanup ─▶ UPDATE_ROLLBACK_COMPLETE
//!  delete:  Delete ─▶ DELETE_COMPLETE | DELETE_FAILED
//! ```
//!
//! A `stack` fault injected through `/_emulator/faults` is asked for when a create or delete
//! starts and rides on the operation: a create's first resource to finish fails instead, with the
//! rule's message as its status reason (then the stack rolls back as on any resource failure, and
//! the rollback deletes that resource too); a delete's first resource to be deleted fails at once,
//! untouched, so the stack ends `DELETE_FAILED` with everything still in place.
//!
//! Forward walks (create, update) start a resource once everything it refers to is done; backward
//! walks (delete, rollback, cleanup) delete a resource once nothing left depends on it. Each job
//! is started through its provider (`resources.rs`), which calls the service models, and then
//! polled at the instant the provider names, so events carry the times the work would take on AWS
//! (a cluster ≈ 10 minutes). Nothing here knows HTTP or XML.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::CfnError;
use super::resources::{self, Progress, Request, Services};
use super::template::{Evaluator, Pseudo, Resolver, Template, TemplateError};
use crate::clock::Timestamp;
#[cfg(test)]
use crate::eks::model::ClusterStatus;
use crate::faults::Faults;
use crate::ids::IdGen;
use crate::lifecycle::{Timing, Transition};
use crate::state::Env;

/// The CloudFormation store of one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CfnRegion {
    /// Every stack, in creation order; deleted stacks stay (describable by id).
    pub stacks: Vec<Stack>,
    /// Exports by name.
    pub exports: BTreeMap<String, Export>,
}

/// One export (`Outputs.X.Export.Name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Export {
    /// The exporting stack's id.
    pub stack_id: String,
    /// The value.
    pub value: String,
}

/// A stack's status (`StackStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum StackStatus {
    /// CreateStack accepted; resources being created.
    CreateInProgress,
    /// A resource failed and rollback was disabled.
    CreateFailed,
    /// Every resource created.
    CreateComplete,
    /// A create failed; created resources being deleted.
    RollbackInProgress,
    /// The rollback could not delete everything.
    RollbackFailed,
    /// The rollback finished; the stack can only be deleted.
    RollbackComplete,
    /// DeleteStack accepted.
    DeleteInProgress,
    /// A resource could not be deleted.
    DeleteFailed,
    /// Gone (describable by id only).
    DeleteComplete,
    /// UpdateStack accepted.
    UpdateInProgress,
    /// Updated; replaced and removed resources being deleted.
    UpdateCompleteCleanupInProgress,
    /// Updated.
    UpdateComplete,
    /// An update failed and rollback was disabled (not produced: updates always roll back here).
    UpdateFailed,
    /// An update failed; resources being put back.
    UpdateRollbackInProgress,
    /// The update rollback failed.
    UpdateRollbackFailed,
    /// Put back; resources made by the failed update being deleted.
    UpdateRollbackCompleteCleanupInProgress,
    /// Back to how it was before the update.
    UpdateRollbackComplete,
}

impl StackStatus {
    /// As CloudFormation spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateInProgress => "CREATE_IN_PROGRESS",
            Self::CreateFailed => "CREATE_FAILED",
            Self::CreateComplete => "CREATE_COMPLETE",
            Self::RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            Self::RollbackFailed => "ROLLBACK_FAILED",
            Self::RollbackComplete => "ROLLBACK_COMPLETE",
            Self::DeleteInProgress => "DELETE_IN_PROGRESS",
            Self::DeleteFailed => "DELETE_FAILED",
            Self::DeleteComplete => "DELETE_COMPLETE",
            Self::UpdateInProgress => "UPDATE_IN_PROGRESS",
            Self::UpdateCompleteCleanupInProgress => "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            Self::UpdateComplete => "UPDATE_COMPLETE",
            Self::UpdateFailed => "UPDATE_FAILED",
            Self::UpdateRollbackInProgress => "UPDATE_ROLLBACK_IN_PROGRESS",
            Self::UpdateRollbackFailed => "UPDATE_ROLLBACK_FAILED",
            Self::UpdateRollbackCompleteCleanupInProgress => {
                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
            }
            Self::UpdateRollbackComplete => "UPDATE_ROLLBACK_COMPLETE",
        }
    }

    /// Every status, for `StackStatusFilter` checks.
    pub const ALL: [StackStatus; 17] = [
        Self::CreateInProgress,
        Self::CreateFailed,
        Self::CreateComplete,
        Self::RollbackInProgress,
        Self::RollbackFailed,
        Self::RollbackComplete,
        Self::DeleteInProgress,
        Self::DeleteFailed,
        Self::DeleteComplete,
        Self::UpdateInProgress,
        Self::UpdateCompleteCleanupInProgress,
        Self::UpdateComplete,
        Self::UpdateFailed,
        Self::UpdateRollbackInProgress,
        Self::UpdateRollbackFailed,
        Self::UpdateRollbackCompleteCleanupInProgress,
        Self::UpdateRollbackComplete,
    ];

    /// From CloudFormation's spelling.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A resource's status (`ResourceStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResourceStatus {
    /// Being created.
    CreateInProgress,
    /// Creation failed or was cancelled.
    CreateFailed,
    /// Created.
    CreateComplete,
    /// Being deleted.
    DeleteInProgress,
    /// Could not be deleted.
    DeleteFailed,
    /// Deleted.
    DeleteComplete,
    /// Left in place (`DeletionPolicy: Retain`).
    DeleteSkipped,
    /// Being updated (or replaced).
    UpdateInProgress,
    /// The update failed.
    UpdateFailed,
    /// Updated.
    UpdateComplete,
}

impl ResourceStatus {
    /// As CloudFormation spells it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CreateInProgress => "CREATE_IN_PROGRESS",
            Self::CreateFailed => "CREATE_FAILED",
            Self::CreateComplete => "CREATE_COMPLETE",
            Self::DeleteInProgress => "DELETE_IN_PROGRESS",
            Self::DeleteFailed => "DELETE_FAILED",
            Self::DeleteComplete => "DELETE_COMPLETE",
            Self::DeleteSkipped => "DELETE_SKIPPED",
            Self::UpdateInProgress => "UPDATE_IN_PROGRESS",
            Self::UpdateFailed => "UPDATE_FAILED",
            Self::UpdateComplete => "UPDATE_COMPLETE",
        }
    }
}

/// What a failed create leads to (`OnFailure`, `DisableRollback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum OnFailure {
    /// Delete what was created (`ROLLBACK`, the default).
    #[default]
    Rollback,
    /// Leave everything as it is (`DO_NOTHING`, or `DisableRollback=true`).
    DoNothing,
    /// Roll back, then delete the stack (`DELETE`).
    Delete,
}

/// One resource of a stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    /// Its logical id.
    pub logical_id: String,
    /// `AWS::Service::Type`.
    pub kind: String,
    /// The physical id, once the provider made it; also its `Ref`.
    pub physical_id: Option<String>,
    /// Current status.
    pub status: ResourceStatus,
    /// Why, when it failed.
    pub status_reason: Option<String>,
    /// When its status last changed.
    pub updated: Timestamp,
    /// The properties it was made with, intrinsics resolved.
    pub properties: Value,
    /// What `Fn::GetAtt` gives.
    pub attributes: BTreeMap<String, Value>,
    /// The resources it refers to (it is created after and deleted before them).
    pub depends_on: BTreeSet<String>,
    /// `DeletionPolicy: Retain`.
    pub retain: bool,
}

/// One output, evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// `OutputKey`.
    pub key: String,
    /// `OutputValue`.
    pub value: String,
    /// `Description`.
    pub description: Option<String>,
    /// `ExportName`.
    pub export_name: Option<String>,
}

/// One stack event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// `EventId`.
    pub id: String,
    /// When.
    pub timestamp: Timestamp,
    /// The resource's logical id, or the stack name for stack events.
    pub logical_id: String,
    /// The physical id (empty before one exists; the stack id for stack events).
    pub physical_id: String,
    /// `ResourceType` (`AWS::CloudFormation::Stack` for the stack).
    pub kind: String,
    /// `ResourceStatus` as spelled.
    pub status: String,
    /// `ResourceStatusReason`.
    pub reason: Option<String>,
    /// `ResourceProperties` (JSON) for resource events that start work.
    pub properties: Option<String>,
}

/// What a stack was before an update, to roll back to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Previous {
    /// The template body.
    pub template_body: String,
    /// The parsed template.
    pub template: Template,
    /// Parameter values.
    pub parameters: BTreeMap<String, String>,
    /// The SSM values of `AWS::SSM::Parameter::Value<…>` parameters.
    #[serde(default)]
    pub resolved_parameters: BTreeMap<String, String>,
    /// Condition values.
    pub conditions: BTreeMap<String, bool>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Imported export names.
    pub imports: BTreeSet<String>,
    /// Every resource as it was.
    pub resources: BTreeMap<String, Resource>,
}

/// A stack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stack {
    /// `arn:aws:cloudformation:<region>:<account>:stack/<name>/<uuid>`.
    pub id: String,
    /// The name.
    pub name: String,
    /// The template body as given.
    pub template_body: String,
    /// The parsed template.
    pub template: Template,
    /// Parameter values (defaults applied); for `AWS::SSM::Parameter::Value<…>` parameters, the
    /// SSM parameter's name.
    pub parameters: BTreeMap<String, String>,
    /// The values of the SSM parameters that `AWS::SSM::Parameter::Value<…>` parameters name, as
    /// fetched when the stack was created or last updated (`ResolvedValue`).
    #[serde(default)]
    pub resolved_parameters: BTreeMap<String, String>,
    /// Condition values.
    pub conditions: BTreeMap<String, bool>,
    /// Acknowledged capabilities.
    pub capabilities: Vec<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// What a failed create leads to.
    pub on_failure: OnFailure,
    /// `TimeoutInMinutes` (recorded, not enforced).
    pub timeout_in_minutes: Option<u32>,
    /// `RoleARN`.
    pub role_arn: Option<String>,
    /// `NotificationARNs`.
    pub notification_arns: Vec<String>,
    /// `EnableTerminationProtection`.
    pub termination_protection: bool,
    /// When CreateStack was accepted.
    pub creation_time: Timestamp,
    /// When the last update started.
    pub last_updated_time: Option<Timestamp>,
    /// When the delete finished.
    pub deletion_time: Option<Timestamp>,
    /// Current status.
    pub status: StackStatus,
    /// Why.
    pub status_reason: Option<String>,
    /// Resources by logical id.
    pub resources: BTreeMap<String, Resource>,
    /// Outputs, once complete.
    pub outputs: Vec<Output>,
    /// The export names it imports.
    pub imports: BTreeSet<String>,
    /// Events, oldest first.
    pub events: Vec<Event>,
    /// The operation under way.
    pub operation: Option<Operation>,
}

/// The phases of an operation (see the module diagram).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Phase {
    /// Creating every resource.
    Create,
    /// Deleting what a failed create made.
    Rollback,
    /// Deleting every resource.
    Delete,
    /// Creating, updating and replacing by diff.
    Update,
    /// Deleting removed resources and replaced physical resources.
    UpdateCleanup,
    /// Putting updated resources back.
    UpdateRollback,
    /// Deleting what the failed update made.
    UpdateRollbackCleanup,
}

/// What a job does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Action {
    /// Create the resource.
    Create,
    /// Compare with `before` and update in place, replace, or leave it.
    Modify,
    /// The in-place update decided on.
    Update {
        /// The properties before.
        old: Value,
    },
    /// The replacement decided on: a new physical resource.
    Replace,
    /// Put an updated resource back to these properties.
    Revert {
        /// The properties to go back to.
        properties: Value,
    },
    /// Delete this physical resource.
    Delete {
        /// The resource as it is to be deleted.
        target: Box<Resource>,
    },
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JobState {
    /// Waiting for the jobs it waits for.
    Waiting,
    /// Started; look again at `due`.
    Running {
        /// When to poll the provider.
        due: Timestamp,
    },
    /// Finished.
    Done,
    /// Failed (or cancelled).
    Failed,
}

/// One resource's work in a phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// What to do.
    pub action: Action,
    /// The jobs that must be done first.
    pub waits_for: BTreeSet<String>,
    /// Where it stands.
    pub state: JobState,
}

/// An operation under way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The current phase.
    pub phase: Phase,
    /// Its jobs by logical id.
    pub jobs: BTreeMap<String, Job>,
    /// Step again at this instant (a phase just began).
    pub wake: Option<Timestamp>,
    /// For updates: the stack before.
    pub previous: Option<Box<Previous>>,
    /// The resources the failed phase could not create or update (for the status reason).
    pub failed: Vec<String>,
    /// Whether the failure was of a create (`failed to create`) or an update (`failed to update`).
    pub failed_creating: bool,
    /// The reason an injected `stack` fault fails this create or delete with (see the module
    /// header); taken by the resource it fails.
    #[serde(default)]
    pub injected: Option<String>,
}

impl Operation {
    fn new(phase: Phase, jobs: BTreeMap<String, Job>, now: Timestamp) -> Self {
        Self {
            phase,
            jobs,
            wake: Some(now),
            previous: None,
            failed: Vec::new(),
            failed_creating: false,
            injected: None,
        }
    }

    /// The next instant this operation needs a step.
    #[must_use]
    pub fn next_due(&self) -> Option<Timestamp> {
        self.jobs
            .values()
            .filter_map(|j| match j.state {
                JobState::Running { due } => Some(due),
                _ => None,
            })
            .chain(self.wake)
            .min()
    }

    fn failing(&self) -> bool {
        self.jobs.values().any(|j| j.state == JobState::Failed)
    }

    fn busy(&self) -> bool {
        self.jobs
            .values()
            .any(|j| matches!(j.state, JobState::Running { .. }))
    }

    fn startable(&self) -> Vec<String> {
        self.jobs
            .iter()
            .filter(|(_, j)| j.state == JobState::Waiting)
            .filter(|(_, j)| {
                j.waits_for.iter().all(|w| {
                    self.jobs
                        .get(w)
                        .is_none_or(|other| other.state == JobState::Done)
                })
            })
            .map(|(id, _)| id.clone())
            .collect()
    }
}

/// What CreateStack asks for, decoded from the wire.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewStack {
    /// `StackName`.
    pub name: String,
    /// `TemplateBody`.
    pub template_body: String,
    /// `Parameters` (key, value).
    pub parameters: Vec<(String, String)>,
    /// `Capabilities`.
    pub capabilities: Vec<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// `OnFailure` / `DisableRollback`.
    pub on_failure: OnFailure,
    /// `TimeoutInMinutes`.
    pub timeout_in_minutes: Option<u32>,
    /// `RoleARN`.
    pub role_arn: Option<String>,
    /// `NotificationARNs`.
    pub notification_arns: Vec<String>,
    /// `EnableTerminationProtection`.
    pub termination_protection: bool,
}

/// What UpdateStack asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StackUpdate {
    /// `StackName` (name or id).
    pub stack: String,
    /// `TemplateBody`, or `None` with `UsePreviousTemplate`.
    pub template_body: Option<String>,
    /// `Parameters` with values.
    pub parameters: Vec<(String, String)>,
    /// `Parameters` with `UsePreviousValue=true`.
    pub use_previous: Vec<String>,
    /// `Capabilities`.
    pub capabilities: Vec<String>,
    /// `Tags`, or `None` to keep them.
    pub tags: Option<Vec<(String, String)>>,
}

/// Checks a stack name: CloudFormation's pattern and length.
pub fn validate_stack_name(name: &str) -> Result<(), CfnError> {
    let mut chars = name.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !ok {
        return Err(CfnError::InvalidStackName(name.to_owned()));
    }
    if name.len() > 128 {
        return Err(CfnError::StackNameTooLong(name.to_owned()));
    }
    Ok(())
}

/// Resolves refs and attributes from a stack's resources and imports from the region's exports.
struct StackResolver<'a> {
    resources: &'a BTreeMap<String, Resource>,
    exports: &'a BTreeMap<String, Export>,
    kinds: &'a Template,
}

impl Resolver for StackResolver<'_> {
    fn resource_ref(&self, logical_id: &str) -> Result<Value, TemplateError> {
        self.resources
            .get(logical_id)
            .and_then(|r| r.physical_id.clone())
            .map(Value::String)
            .ok_or_else(|| TemplateError::UnresolvedDependencies {
                names: vec![logical_id.to_owned()],
                block: "Resources",
            })
    }

    fn resource_att(&self, logical_id: &str, attribute: &str) -> Result<Value, TemplateError> {
        if let Some(v) = self
            .resources
            .get(logical_id)
            .and_then(|r| r.attributes.get(attribute))
        {
            return Ok(v.clone());
        }
        let kind = self
            .kinds
            .resources
            .get(logical_id)
            .map(|r| r.kind.as_str())
            .unwrap_or_default();
        match resources::provider(kind) {
            Some(p) if !p.attributes().contains(&attribute) => {
                Err(TemplateError::GetAttUnsupported {
                    resource: logical_id.to_owned(),
                    attribute: attribute.to_owned(),
                })
            }
            _ => Err(TemplateError::GetAttUnavailable {
                resource: logical_id.to_owned(),
                attribute: attribute.to_owned(),
            }),
        }
    }

    fn import(&self, name: &str) -> Result<String, TemplateError> {
        self.exports
            .get(name)
            .map(|e| e.value.clone())
            .ok_or_else(|| TemplateError::NoExport(name.to_owned()))
    }
}

/// Resolves imports only: for checking `Fn::ImportValue` names before anything is created.
struct ImportsOnly<'a>(&'a BTreeMap<String, Export>);

impl Resolver for ImportsOnly<'_> {
    fn resource_ref(&self, logical_id: &str) -> Result<Value, TemplateError> {
        Err(TemplateError::UnresolvedDependencies {
            names: vec![logical_id.to_owned()],
            block: "Resources",
        })
    }

    fn resource_att(&self, logical_id: &str, _attribute: &str) -> Result<Value, TemplateError> {
        self.resource_ref(logical_id)
    }

    fn import(&self, name: &str) -> Result<String, TemplateError> {
        self.0
            .get(name)
            .map(|e| e.value.clone())
            .ok_or_else(|| TemplateError::NoExport(name.to_owned()))
    }
}

/// A template checked against one stack's parameters and the region: everything a create or an
/// update needs before it starts.
struct Checked {
    template: Template,
    parameters: BTreeMap<String, String>,
    resolved_parameters: BTreeMap<String, String>,
    conditions: BTreeMap<String, bool>,
    graph: BTreeMap<String, BTreeSet<String>>,
    imports: BTreeSet<String>,
}

/// The values of the SSM parameters named by `AWS::SSM::Parameter::Value<…>` parameters, fetched from
/// AWS's public parameters in `region`; names that are not parameters fail as in CloudFormation.
fn fetch_ssm_parameters(
    template: &Template,
    parameters: &BTreeMap<String, String>,
    region: &str,
) -> Result<BTreeMap<String, String>, TemplateError> {
    let mut resolved = BTreeMap::new();
    let mut missing = Vec::new();
    for (key, decl) in &template.parameters {
        let Some(name) = parameters.get(key).filter(|_| decl.is_ssm()) else {
            continue;
        };
        match crate::ssm::model::public_parameter(region, name) {
            Some(p) => {
                resolved.insert(key.clone(), p.value);
            }
            None => missing.push(name.clone()),
        }
    }
    if missing.is_empty() {
        Ok(resolved)
    } else {
        Err(TemplateError::UnfetchableParameters(missing))
    }
}

/// The values `Ref` gives: the parameters, with SSM-typed ones replaced by what they resolved to.
fn effective_parameters(
    parameters: &BTreeMap<String, String>,
    resolved: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut effective = parameters.clone();
    effective.extend(resolved.iter().map(|(k, v)| (k.clone(), v.clone())));
    effective
}

fn check_template(
    body: &str,
    pseudo: &Pseudo,
    given: &[(String, String)],
    use_previous: &[String],
    previous: &BTreeMap<String, String>,
    capabilities: &[String],
    exports: &BTreeMap<String, Export>,
) -> Result<Checked, CfnError> {
    let template = Template::parse(body)?;
    let parameters = template.resolve_parameters(given, use_previous, previous)?;
    let resolved_parameters = fetch_ssm_parameters(&template, &parameters, &pseudo.region)?;
    let effective = effective_parameters(&parameters, &resolved_parameters);
    let conditions = template.evaluate_conditions(pseudo, &effective)?;
    let graph = template.dependencies(&conditions)?;
    for (res, attr) in template.get_atts() {
        let kind = template.resources.get(&res).map(|r| r.kind.as_str());
        if let Some(p) = kind.and_then(resources::provider) {
            if !p.attributes().contains(&attr.as_str()) {
                return Err(TemplateError::GetAttUnsupported {
                    resource: res,
                    attribute: attr,
                }
                .into());
            }
        }
    }
    if let Some((capability, _)) = resources::required_capability(&template) {
        let acknowledged = capabilities.iter().any(|c| c == capability)
            || (capability == "CAPABILITY_IAM"
                && capabilities.iter().any(|c| c == "CAPABILITY_NAMED_IAM"));
        if !acknowledged {
            return Err(CfnError::InsufficientCapabilities(capability));
        }
    }
    let mut imports = BTreeSet::new();
    let resolver = ImportsOnly(exports);
    let eval = Evaluator {
        template: &template,
        pseudo,
        parameters: &effective,
        conditions: &conditions,
        resolver: &resolver,
    };
    for arg in template.imports() {
        match eval.eval_value(&arg) {
            Ok(Value::String(name)) => {
                if !exports.contains_key(&name) {
                    return Err(TemplateError::NoExport(name).into());
                }
                imports.insert(name);
            }
            Err(TemplateError::UnresolvedDependencies { .. }) => {}
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Checked {
        template,
        parameters,
        resolved_parameters,
        conditions,
        graph,
        imports,
    })
}

fn forward_jobs(
    graph: &BTreeMap<String, BTreeSet<String>>,
    action: impl Fn(&str) -> Action,
) -> BTreeMap<String, Job> {
    graph
        .iter()
        .map(|(id, deps)| {
            (
                id.clone(),
                Job {
                    action: action(id),
                    waits_for: deps.clone(),
                    state: JobState::Waiting,
                },
            )
        })
        .collect()
}

/// Delete jobs for `targets`: each waits for the targets that depend on it.
fn delete_jobs(targets: Vec<Resource>) -> BTreeMap<String, Job> {
    let ids: BTreeSet<String> = targets.iter().map(|r| r.logical_id.clone()).collect();
    let dependents = |id: &str| -> BTreeSet<String> {
        targets
            .iter()
            .filter(|r| r.depends_on.contains(id) && ids.contains(&r.logical_id))
            .map(|r| r.logical_id.clone())
            .collect()
    };
    targets
        .iter()
        .map(|r| {
            (
                r.logical_id.clone(),
                Job {
                    action: Action::Delete {
                        target: Box::new(r.clone()),
                    },
                    waits_for: dependents(&r.logical_id),
                    state: JobState::Waiting,
                },
            )
        })
        .collect()
}

impl CfnRegion {
    /// The live stack called `name` (or any stack, deleted ones too, with this id).
    #[must_use]
    pub fn find(&self, name_or_id: &str) -> Option<&Stack> {
        self.position(name_or_id).map(|i| &self.stacks[i])
    }

    fn position(&self, name_or_id: &str) -> Option<usize> {
        if name_or_id.starts_with("arn:") {
            self.stacks.iter().position(|s| s.id == name_or_id)
        } else {
            self.stacks
                .iter()
                .rposition(|s| s.name == name_or_id && s.status != StackStatus::DeleteComplete)
        }
    }

    /// The stack, or `Stack with id X does not exist`.
    pub fn stack(&self, name_or_id: &str) -> Result<&Stack, CfnError> {
        self.find(name_or_id)
            .ok_or_else(|| CfnError::StackNotFound(name_or_id.to_owned()))
    }

    /// `CreateStack`: checks the request and the template, records the stack `CREATE_IN_PROGRESS`
    /// and schedules its resources (to fail, when a `stack` fault names it).
    pub fn create_stack(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        faults: &mut Faults,
        new: NewStack,
    ) -> Result<&Stack, CfnError> {
        validate_stack_name(&new.name)?;
        if self.position(&new.name).is_some() {
            return Err(CfnError::AlreadyExists(new.name));
        }
        let id = format!(
            "arn:aws:cloudformation:{}:{}:stack/{}/{}",
            env.region,
            env.account,
            new.name,
            ids.uuid_v4()
        );
        let pseudo = Pseudo {
            stack_name: new.name.clone(),
            stack_id: id.clone(),
            region: env.region.to_owned(),
            account: env.account.to_owned(),
        };
        let checked = check_template(
            &new.template_body,
            &pseudo,
            &new.parameters,
            &[],
            &BTreeMap::new(),
            &new.capabilities,
            &self.exports,
        )?;
        let jobs = forward_jobs(&checked.graph, |_| Action::Create);
        let mut operation = Operation::new(Phase::Create, jobs, env.now);
        operation.injected = injected_failure(faults, &new.name, crate::faults::Phase::Create);
        let mut stack = Stack {
            id,
            name: new.name,
            template_body: new.template_body,
            template: checked.template,
            parameters: checked.parameters,
            resolved_parameters: checked.resolved_parameters,
            conditions: checked.conditions,
            capabilities: new.capabilities,
            tags: new.tags,
            on_failure: new.on_failure,
            timeout_in_minutes: new.timeout_in_minutes,
            role_arn: new.role_arn,
            notification_arns: new.notification_arns,
            termination_protection: new.termination_protection,
            creation_time: env.now,
            last_updated_time: None,
            deletion_time: None,
            status: StackStatus::CreateInProgress,
            status_reason: Some("User Initiated".into()),
            resources: BTreeMap::new(),
            outputs: Vec::new(),
            imports: checked.imports,
            events: Vec::new(),
            operation: Some(operation),
        };
        stack.stack_event(
            ids,
            env.now,
            StackStatus::CreateInProgress,
            Some("User Initiated"),
        );
        self.stacks.push(stack);
        Ok(self.stacks.last().expect("just pushed"))
    }

    /// `UpdateStack`: diffs the new template and parameters against the stack and schedules the
    /// additions, updates, replacements and removals.
    pub fn update_stack(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        update: StackUpdate,
    ) -> Result<&Stack, CfnError> {
        let index = self
            .position(&update.stack)
            .ok_or_else(|| CfnError::StackNotFound(update.stack.clone()))?;
        let stack = &self.stacks[index];
        if !matches!(
            stack.status,
            StackStatus::CreateComplete
                | StackStatus::UpdateComplete
                | StackStatus::UpdateRollbackComplete
        ) {
            return Err(CfnError::NotUpdatable {
                id: stack.id.clone(),
                status: stack.status.as_str(),
            });
        }
        let body = update
            .template_body
            .clone()
            .unwrap_or_else(|| stack.template_body.clone());
        let pseudo = stack.pseudo(env.region, env.account);
        // A stack may import its own exports' names only from other stacks.
        let others: BTreeMap<String, Export> = self
            .exports
            .iter()
            .filter(|(_, e)| e.stack_id != stack.id)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let checked = check_template(
            &body,
            &pseudo,
            &update.parameters,
            &update.use_previous,
            &stack.parameters,
            &update.capabilities,
            &others,
        )?;
        let tags = update.tags.clone().unwrap_or_else(|| stack.tags.clone());
        if checked.template.root == stack.template.root
            && checked.parameters == stack.parameters
            && checked.resolved_parameters == stack.resolved_parameters
            && tags == stack.tags
        {
            return Err(CfnError::NoUpdates);
        }
        let stack = &mut self.stacks[index];
        let previous = Previous {
            template_body: std::mem::replace(&mut stack.template_body, body),
            template: std::mem::replace(&mut stack.template, checked.template),
            parameters: std::mem::replace(&mut stack.parameters, checked.parameters),
            resolved_parameters: std::mem::replace(
                &mut stack.resolved_parameters,
                checked.resolved_parameters,
            ),
            conditions: std::mem::replace(&mut stack.conditions, checked.conditions),
            tags: std::mem::replace(&mut stack.tags, tags),
            imports: std::mem::replace(&mut stack.imports, checked.imports),
            resources: stack.resources.clone(),
        };
        let existing: BTreeSet<String> = stack.resources.keys().cloned().collect();
        let jobs = forward_jobs(&checked.graph, |id| {
            if existing.contains(id) {
                Action::Modify
            } else {
                Action::Create
            }
        });
        let mut op = Operation::new(Phase::Update, jobs, env.now);
        op.previous = Some(Box::new(previous));
        stack.operation = Some(op);
        stack.capabilities = update.capabilities;
        stack.last_updated_time = Some(env.now);
        stack.status = StackStatus::UpdateInProgress;
        stack.status_reason = Some("User Initiated".into());
        stack.stack_event(
            ids,
            env.now,
            StackStatus::UpdateInProgress,
            Some("User Initiated"),
        );
        Ok(&self.stacks[index])
    }

    /// `DeleteStack`: protected stacks are refused; a stack whose exports others import keeps its
    /// status with CloudFormation's `Delete canceled` reason; a missing or deleted stack is a
    /// success, as in CloudFormation. A `DELETE_FAILED` `stack` fault fails the deletion.
    pub fn delete_stack(
        &mut self,
        env: &Env<'_>,
        ids: &mut IdGen,
        faults: &mut Faults,
        name_or_id: &str,
    ) -> Result<(), CfnError> {
        let Some(index) = self.position(name_or_id) else {
            return Ok(());
        };
        let stack = &self.stacks[index];
        if matches!(
            stack.status,
            StackStatus::DeleteComplete | StackStatus::DeleteInProgress
        ) {
            return Ok(());
        }
        if stack.termination_protection {
            return Err(CfnError::TerminationProtected(stack.name.clone()));
        }
        let in_use: Vec<(String, Vec<String>)> = self
            .exports
            .iter()
            .filter(|(_, e)| e.stack_id == stack.id)
            .filter_map(|(name, _)| {
                let importers: Vec<String> = self
                    .stacks
                    .iter()
                    .filter(|s| s.id != stack.id && s.status != StackStatus::DeleteComplete)
                    .filter(|s| s.imports.contains(name))
                    .map(|s| s.name.clone())
                    .collect();
                (!importers.is_empty()).then(|| (name.clone(), importers))
            })
            .collect();
        let stack = &mut self.stacks[index];
        if let Some((export, importers)) = in_use.first() {
            let before = stack.status;
            stack.stack_event(
                ids,
                env.now,
                StackStatus::DeleteInProgress,
                Some("User Initiated"),
            );
            let reason = format!(
                "Delete canceled. Cannot delete export {export} as it is in use by {}.",
                and_list(importers)
            );
            stack.stack_event(ids, env.now, before, Some(&reason));
            stack.status_reason = Some(reason);
            return Ok(());
        }
        // A create or update under way is cancelled first.
        if let Some(op) = stack.operation.take() {
            let running = op
                .jobs
                .iter()
                .filter(|(_, j)| matches!(j.state, JobState::Running { .. }))
                .map(|(id, _)| id);
            for id in running {
                stack.cancel(ids, env.now, id);
            }
        }
        stack.status = StackStatus::DeleteInProgress;
        stack.status_reason = Some("User Initiated".into());
        stack.stack_event(
            ids,
            env.now,
            StackStatus::DeleteInProgress,
            Some("User Initiated"),
        );
        // What a rollback already deleted stays deleted (its name may belong to another by now).
        let targets = stack
            .resources
            .values()
            .filter(|r| {
                !matches!(
                    r.status,
                    ResourceStatus::DeleteComplete | ResourceStatus::DeleteSkipped
                )
            })
            .cloned()
            .collect();
        let targets: Vec<Resource> = targets;
        // A rule is used up only by a delete it can fail: one with something left to delete.
        let deletable = targets.iter().any(|r| !r.retain && r.physical_id.is_some());
        let mut operation = Operation::new(Phase::Delete, delete_jobs(targets), env.now);
        if deletable {
            operation.injected =
                injected_failure(faults, &stack.name, crate::faults::Phase::Delete);
        }
        stack.operation = Some(operation);
        Ok(())
    }

    /// `UpdateTerminationProtection`.
    pub fn set_termination_protection(
        &mut self,
        name_or_id: &str,
        enabled: bool,
    ) -> Result<&Stack, CfnError> {
        let index = self
            .position(name_or_id)
            .filter(|i| self.stacks[*i].status != StackStatus::DeleteComplete)
            .ok_or_else(|| CfnError::StackNotFound(name_or_id.to_owned()))?;
        self.stacks[index].termination_protection = enabled;
        Ok(&self.stacks[index])
    }

    /// The names of the live stacks that import `export`.
    #[must_use]
    pub fn importers(&self, export: &str) -> Vec<String> {
        self.stacks
            .iter()
            .filter(|s| s.status != StackStatus::DeleteComplete && s.imports.contains(export))
            .map(|s| s.name.clone())
            .collect()
    }

    /// The earliest instant a stack operation needs a step.
    #[must_use]
    pub fn next_due(&self) -> Option<Timestamp> {
        self.stacks
            .iter()
            .filter_map(|s| s.operation.as_ref().and_then(Operation::next_due))
            .min()
    }

    /// Runs every stack operation up to `now`, step by step in time order, advancing the
    /// provisioned services to each step's instant first so that every event carries the time it
    /// would have on AWS.
    pub fn drive(&mut self, svc: &mut Services<'_>, now: Timestamp) {
        // A generous bound: every step finishes or starts at least one job.
        for _ in 0..100_000 {
            let Some(at) = self.next_due().filter(|at| *at <= now) else {
                return;
            };
            svc.advance(at);
            let Self { stacks, exports } = self;
            for index in 0..stacks.len() {
                let due = stacks[index]
                    .operation
                    .as_ref()
                    .and_then(Operation::next_due)
                    .is_some_and(|d| d <= at);
                if due {
                    step(stacks, index, exports, svc, at);
                }
            }
        }
        tracing::error!("CloudFormation stopped stepping stacks after 100000 steps");
    }
}

/// The status reason an injected `stack` fault gives the stack `name` at `phase`, if one applies:
/// the rule's health issue message.
fn injected_failure(
    faults: &mut Faults,
    name: &str,
    phase: crate::faults::Phase,
) -> Option<String> {
    faults
        .resource_failure(crate::wire::Service::CloudFormation, "stack", name, phase)
        .map(|hit| hit.health_issue.message)
}

fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

impl Stack {
    fn pseudo(&self, region: &str, account: &str) -> Pseudo {
        Pseudo {
            stack_name: self.name.clone(),
            stack_id: self.id.clone(),
            region: region.to_owned(),
            account: account.to_owned(),
        }
    }

    /// Parameters as DescribeStacks shows them: key, value (`****` for `NoEcho`) and, for SSM-typed
    /// parameters, the `ResolvedValue`.
    #[must_use]
    pub fn shown_parameters(&self) -> Vec<(String, String, Option<String>)> {
        self.parameters
            .iter()
            .map(|(k, v)| {
                let hidden = self.template.parameters.get(k).is_some_and(|d| d.no_echo);
                (
                    k.clone(),
                    if hidden { "****".into() } else { v.clone() },
                    self.resolved_parameters.get(k).cloned(),
                )
            })
            .collect()
    }

    fn stack_event(
        &mut self,
        ids: &mut IdGen,
        at: Timestamp,
        status: StackStatus,
        reason: Option<&str>,
    ) {
        let event = Event {
            id: ids.uuid_v4(),
            timestamp: at,
            logical_id: self.name.clone(),
            physical_id: self.id.clone(),
            kind: "AWS::CloudFormation::Stack".into(),
            status: status.as_str().into(),
            reason: reason.map(str::to_owned),
            properties: None,
        };
        self.events.push(event);
    }

    fn set_status(
        &mut self,
        ids: &mut IdGen,
        at: Timestamp,
        status: StackStatus,
        reason: Option<String>,
    ) {
        self.status = status;
        self.stack_event(ids, at, status, reason.as_deref());
        self.status_reason = reason;
    }

    /// Records a resource's new status and its event.
    fn resource_event(
        &mut self,
        ids: &mut IdGen,
        at: Timestamp,
        logical_id: &str,
        status: ResourceStatus,
        reason: Option<String>,
        with_properties: bool,
    ) {
        let Some(res) = self.resources.get_mut(logical_id) else {
            return;
        };
        res.status = status;
        res.status_reason.clone_from(&reason);
        res.updated = at;
        let physical_id = res.physical_id.clone().unwrap_or_default();
        let kind = res.kind.clone();
        let properties = with_properties.then(|| res.properties.to_string());
        self.push_resource_event(
            ids,
            at,
            logical_id,
            &physical_id,
            &kind,
            status,
            reason,
            properties,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn push_resource_event(
        &mut self,
        ids: &mut IdGen,
        at: Timestamp,
        logical_id: &str,
        physical_id: &str,
        kind: &str,
        status: ResourceStatus,
        reason: Option<String>,
        properties: Option<String>,
    ) {
        let mut id = format!("{logical_id}-{}-{}", status.as_str(), at.iso8601_millis());
        if self.events.iter().any(|e| e.id == id) {
            id = ids.uuid_v4();
        }
        self.events.push(Event {
            id,
            timestamp: at,
            logical_id: logical_id.to_owned(),
            physical_id: physical_id.to_owned(),
            kind: kind.to_owned(),
            status: status.as_str().into(),
            reason,
            properties,
        });
    }

    /// A running create or update stopped because the operation failed elsewhere.
    fn cancel(&mut self, ids: &mut IdGen, at: Timestamp, logical_id: &str) {
        let creating = self
            .resources
            .get(logical_id)
            .is_some_and(|r| r.status == ResourceStatus::CreateInProgress);
        let (status, reason) = if creating {
            (ResourceStatus::CreateFailed, "Resource creation cancelled")
        } else {
            (ResourceStatus::UpdateFailed, "Resource update cancelled")
        };
        self.resource_event(ids, at, logical_id, status, Some(reason.into()), false);
    }

    fn evaluate_properties(
        &self,
        logical_id: &str,
        exports: &BTreeMap<String, Export>,
        region: &str,
        account: &str,
    ) -> Result<Value, TemplateError> {
        let pseudo = self.pseudo(region, account);
        let resolver = StackResolver {
            resources: &self.resources,
            exports,
            kinds: &self.template,
        };
        let parameters = effective_parameters(&self.parameters, &self.resolved_parameters);
        let eval = Evaluator {
            template: &self.template,
            pseudo: &pseudo,
            parameters: &parameters,
            conditions: &self.conditions,
            resolver: &resolver,
        };
        let decl = &self.template.resources[logical_id];
        eval.eval_value(&decl.properties)
    }

    fn evaluate_outputs(
        &self,
        exports: &BTreeMap<String, Export>,
        region: &str,
        account: &str,
    ) -> Result<Vec<Output>, TemplateError> {
        let pseudo = self.pseudo(region, account);
        let resolver = StackResolver {
            resources: &self.resources,
            exports,
            kinds: &self.template,
        };
        let parameters = effective_parameters(&self.parameters, &self.resolved_parameters);
        let eval = Evaluator {
            template: &self.template,
            pseudo: &pseudo,
            parameters: &parameters,
            conditions: &self.conditions,
            resolver: &resolver,
        };
        let text = |v: Value| match v {
            Value::String(s) => s,
            Value::Array(items) => items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        let mut outputs = Vec::new();
        for (key, decl) in &self.template.outputs {
            if decl
                .condition
                .as_ref()
                .is_some_and(|c| !self.conditions.get(c).copied().unwrap_or(false))
            {
                continue;
            }
            outputs.push(Output {
                key: key.clone(),
                value: text(eval.eval_value(&decl.value)?),
                description: decl
                    .description
                    .as_ref()
                    .map(|d| eval.eval_value(d).map(text))
                    .transpose()?,
                export_name: decl
                    .export_name
                    .as_ref()
                    .map(|d| eval.eval_value(d).map(text))
                    .transpose()?,
            });
        }
        Ok(outputs)
    }

    fn request<'a>(&'a self, logical_id: &'a str, properties: &'a Value) -> Request<'a> {
        Request {
            stack_name: &self.name,
            stack_id: &self.id,
            logical_id,
            properties,
            tags: &self.tags,
        }
    }
}

/// One step of stack `index` at `at`: polls the jobs that are due, starts those whose turn has
/// come, and moves to the next phase when the current one is over.
fn step(
    stacks: &mut [Stack],
    index: usize,
    exports: &mut BTreeMap<String, Export>,
    svc: &mut Services<'_>,
    at: Timestamp,
) {
    let stack = &mut stacks[index];
    let Some(mut op) = stack.operation.take() else {
        return;
    };
    op.wake = None;
    let due: Vec<String> = op
        .jobs
        .iter()
        .filter(|(_, j)| matches!(j.state, JobState::Running { due } if due <= at))
        .map(|(id, _)| id.clone())
        .collect();
    for id in due {
        poll(stack, &mut op, &id, svc, at);
    }
    if !op.failing() {
        for id in op.startable() {
            start(stack, &mut op, &id, exports, svc, at);
        }
    }
    let finished = !op.busy() && (op.failing() || op.startable().is_empty());
    if !finished && !op.failing() && !op.startable().is_empty() {
        // A job finished at once (an unchanged resource): its dependents start at this instant.
        op.wake = Some(at);
    }
    if finished {
        // Cancel nothing further: a failed forward phase leaves waiting jobs unstarted.
        let next = finish_phase(stacks, index, op, exports, svc, at);
        stacks[index].operation = next;
    } else {
        stack.operation = Some(op);
    }
}

fn timing_due(timing: Timing, at: Timestamp) -> Timestamp {
    at.after(timing.duration(Transition::StackResource))
}

/// Starts one job.
fn start(
    stack: &mut Stack,
    op: &mut Operation,
    id: &str,
    exports: &BTreeMap<String, Export>,
    svc: &mut Services<'_>,
    at: Timestamp,
) {
    let action = op.jobs[id].action.clone();
    let region = svc.env.region;
    let account = svc.env.account;
    let outcome = match action {
        Action::Create | Action::Replace => start_create(
            stack,
            op,
            id,
            exports,
            svc,
            at,
            matches!(action, Action::Replace),
        ),
        Action::Modify => {
            let props = match stack.evaluate_properties(id, exports, region, account) {
                Ok(p) => p,
                Err(e) => {
                    stack.resource_event(
                        svc.ids,
                        at,
                        id,
                        ResourceStatus::UpdateFailed,
                        Some(e.to_string()),
                        false,
                    );
                    op.failed.push(id.to_owned());
                    op.jobs.get_mut(id).expect("job").state = JobState::Failed;
                    return;
                }
            };
            let old = stack.resources[id].clone();
            let decl_kind = stack.template.resources[id].kind.clone();
            if old.kind == decl_kind && old.properties == props {
                op.jobs.get_mut(id).expect("job").state = JobState::Done;
                return;
            }
            let provider = resources::provider(&decl_kind);
            let create_only = provider.map_or(&[][..], |p| p.create_only());
            let changed = resources::changed_properties(&old.properties, &props);
            let replace = old.kind != decl_kind
                || old.physical_id.is_none()
                || changed.iter().any(|c| create_only.contains(&c.as_str()));
            if replace {
                op.jobs.get_mut(id).expect("job").action = Action::Replace;
                return start(stack, op, id, exports, svc, at);
            }
            op.jobs.get_mut(id).expect("job").action = Action::Update {
                old: old.properties.clone(),
            };
            let res = stack.resources.get_mut(id).expect("exists");
            res.properties = props.clone();
            stack.resource_event(
                svc.ids,
                at,
                id,
                ResourceStatus::UpdateInProgress,
                None,
                true,
            );
            let physical = old.physical_id.clone().unwrap_or_default();
            let result = match provider {
                Some(p) => p.update(svc, &stack.request(id, &props), &physical, &old.properties),
                None => Err(resources::unsupported_reason(&decl_kind)),
            };
            result.map(|()| timing_due(svc.env.timing, at))
        }
        Action::Revert { properties } => {
            let res = stack.resources[id].clone();
            let physical = res.physical_id.clone().unwrap_or_default();
            stack.resources.get_mut(id).expect("exists").properties = properties.clone();
            stack.resource_event(
                svc.ids,
                at,
                id,
                ResourceStatus::UpdateInProgress,
                None,
                true,
            );
            let result = match resources::provider(&res.kind) {
                Some(p) => p.update(
                    svc,
                    &stack.request(id, &properties),
                    &physical,
                    &res.properties,
                ),
                None => Ok(()),
            };
            result.map(|()| timing_due(svc.env.timing, at))
        }
        Action::Update { .. } => return,
        Action::Delete { target } => {
            let mut injected = if op.phase == Phase::Delete {
                op.injected.take()
            } else {
                None
            };
            let started = start_delete(stack, &target, svc, at, &mut injected);
            op.injected = op.injected.take().or(injected);
            started
        }
    };
    match outcome {
        Ok(due) => op.jobs.get_mut(id).expect("job").state = JobState::Running { due },
        Err(reason) => fail_job(stack, op, id, svc.ids, at, reason),
    }
}

/// Starts creating (or, for a replacement, creating the new physical resource of) `id`.
fn start_create(
    stack: &mut Stack,
    op: &mut Operation,
    id: &str,
    exports: &BTreeMap<String, Export>,
    svc: &mut Services<'_>,
    at: Timestamp,
    replacement: bool,
) -> Result<Timestamp, String> {
    let decl = stack.template.resources[id].clone();
    let graph_deps = op.jobs[id].waits_for.clone();
    let props = stack.evaluate_properties(id, exports, svc.env.region, svc.env.account);
    let in_progress = if replacement {
        ResourceStatus::UpdateInProgress
    } else {
        ResourceStatus::CreateInProgress
    };
    let resource = Resource {
        logical_id: id.to_owned(),
        kind: decl.kind.clone(),
        physical_id: None,
        status: in_progress,
        status_reason: None,
        updated: at,
        properties: props.clone().unwrap_or(Value::Null),
        attributes: BTreeMap::new(),
        depends_on: graph_deps.clone(),
        retain: decl.deletion_policy.as_deref() == Some("Retain"),
    };
    let old_physical = stack
        .resources
        .insert(id.to_owned(), resource)
        .and_then(|r| r.physical_id);
    if replacement {
        // The event still names the physical resource being replaced.
        if let Some(res) = stack.resources.get_mut(id) {
            res.physical_id.clone_from(&old_physical);
        }
        stack.resource_event(
            svc.ids,
            at,
            id,
            ResourceStatus::UpdateInProgress,
            Some("Requested update requires the creation of a new physical resource; hence creating one.".into()),
            true,
        );
        if let Some(res) = stack.resources.get_mut(id) {
            res.physical_id = None;
        }
    } else {
        stack.resource_event(svc.ids, at, id, in_progress, None, true);
    }
    let props = props.map_err(|e| e.to_string())?;
    let provider =
        resources::provider(&decl.kind).ok_or_else(|| resources::unsupported_reason(&decl.kind))?;
    let physical = provider.create(svc, &stack.request(id, &props))?;
    stack.resources.get_mut(id).expect("inserted").physical_id = Some(physical);
    stack.resource_event(
        svc.ids,
        at,
        id,
        in_progress,
        Some("Resource creation Initiated".into()),
        false,
    );
    Ok(timing_due(svc.env.timing, at))
}

/// Starts deleting `target`; when `injected` holds a reason (and there is something to delete),
/// fails with it instead, leaving the resource untouched.
fn start_delete(
    stack: &mut Stack,
    target: &Resource,
    svc: &mut Services<'_>,
    at: Timestamp,
    injected: &mut Option<String>,
) -> Result<Timestamp, String> {
    let current = stack
        .resources
        .get(&target.logical_id)
        .is_some_and(|r| r.physical_id == target.physical_id);
    let event = |stack: &mut Stack, ids: &mut IdGen, status, reason: Option<String>| {
        if current {
            stack.resource_event(ids, at, &target.logical_id, status, reason, false);
        } else {
            let physical = target.physical_id.clone().unwrap_or_default();
            stack.push_resource_event(
                ids,
                at,
                &target.logical_id,
                &physical,
                &target.kind,
                status,
                reason,
                None,
            );
        }
    };
    if target.retain {
        event(stack, svc.ids, ResourceStatus::DeleteSkipped, None);
        return Ok(at);
    }
    event(stack, svc.ids, ResourceStatus::DeleteInProgress, None);
    let (Some(physical), Some(provider)) = (
        target.physical_id.as_deref(),
        resources::provider(&target.kind),
    ) else {
        // Nothing was made, or nothing can have been: it is deleted at once.
        return Ok(at);
    };
    if let Some(reason) = injected.take() {
        return Err(reason);
    }
    provider.delete(svc, physical, &target.properties)?;
    Ok(timing_due(svc.env.timing, at))
}

fn fail_job(
    stack: &mut Stack,
    op: &mut Operation,
    id: &str,
    ids: &mut IdGen,
    at: Timestamp,
    reason: String,
) {
    op.jobs.get_mut(id).expect("job").state = JobState::Failed;
    let status = match &op.jobs[id].action {
        Action::Create => ResourceStatus::CreateFailed,
        Action::Delete { .. } => ResourceStatus::DeleteFailed,
        _ => ResourceStatus::UpdateFailed,
    };
    if matches!(op.jobs[id].action, Action::Create) {
        op.failed_creating = true;
    }
    op.failed.push(id.to_owned());
    if let Action::Delete { target } = &op.jobs[id].action {
        let target = target.clone();
        let current = stack
            .resources
            .get(id)
            .is_some_and(|r| r.physical_id == target.physical_id);
        if !current {
            let physical = target.physical_id.clone().unwrap_or_default();
            stack.push_resource_event(
                ids,
                at,
                id,
                &physical,
                &target.kind,
                status,
                Some(reason),
                None,
            );
            return;
        }
    }
    stack.resource_event(ids, at, id, status, Some(reason), false);
    // Everything else still running is cancelled, as CloudFormation does.
    if matches!(op.phase, Phase::Create | Phase::Update) {
        let running: Vec<String> = op
            .jobs
            .iter()
            .filter(|(_, j)| matches!(j.state, JobState::Running { .. }))
            .map(|(id, _)| id.clone())
            .collect();
        for other in running {
            op.jobs.get_mut(&other).expect("job").state = JobState::Failed;
            stack.cancel(ids, at, &other);
            op.failed.push(other);
        }
    }
}

/// Polls one running job.
fn poll(stack: &mut Stack, op: &mut Operation, id: &str, svc: &mut Services<'_>, at: Timestamp) {
    let action = op.jobs[id].action.clone();
    let (kind, physical) = match &action {
        Action::Delete { target } => (target.kind.clone(), target.physical_id.clone()),
        _ => {
            let res = &stack.resources[id];
            (res.kind.clone(), res.physical_id.clone())
        }
    };
    let provider = resources::provider(&kind);
    let retained = matches!(&action, Action::Delete { target } if target.retain);
    let progress = match (provider, physical.as_deref()) {
        _ if retained => Progress::Done(BTreeMap::new()),
        (Some(p), Some(physical)) => match &action {
            Action::Delete { .. } => p.check_delete(svc, physical),
            Action::Update { .. } | Action::Revert { .. } => p.check_update(svc, physical),
            _ => p.check_create(svc, physical),
        },
        _ => Progress::Done(BTreeMap::new()),
    };
    let injectable = op.phase == Phase::Create && matches!(action, Action::Create);
    let progress = match progress {
        Progress::Done(attributes) if injectable => match op.injected.take() {
            Some(reason) => Progress::Failed(reason),
            None => Progress::Done(attributes),
        },
        other => other,
    };
    match progress {
        Progress::Wait(next) => {
            // Never poll twice at one instant: a provider that names the past is asked again
            // a millisecond later.
            let due = if next > at {
                next
            } else {
                at.after(std::time::Duration::from_millis(1))
            };
            op.jobs.get_mut(id).expect("job").state = JobState::Running { due };
        }
        Progress::Failed(reason) => fail_job(stack, op, id, svc.ids, at, reason),
        Progress::Done(attributes) => {
            op.jobs.get_mut(id).expect("job").state = JobState::Done;
            match &action {
                Action::Delete { target } => {
                    let status = if target.retain {
                        ResourceStatus::DeleteSkipped
                    } else {
                        ResourceStatus::DeleteComplete
                    };
                    let current = stack
                        .resources
                        .get(id)
                        .is_some_and(|r| r.physical_id == target.physical_id);
                    if target.retain {
                        // The skip was recorded when the job started.
                    } else if current {
                        stack.resource_event(svc.ids, at, id, status, None, false);
                    } else {
                        let physical = target.physical_id.clone().unwrap_or_default();
                        stack.push_resource_event(
                            svc.ids,
                            at,
                            id,
                            &physical,
                            &target.kind,
                            status,
                            None,
                            None,
                        );
                    }
                }
                Action::Create => {
                    stack.resources.get_mut(id).expect("exists").attributes = attributes;
                    stack.resource_event(
                        svc.ids,
                        at,
                        id,
                        ResourceStatus::CreateComplete,
                        None,
                        false,
                    );
                }
                _ => {
                    let res = stack.resources.get_mut(id).expect("exists");
                    if !attributes.is_empty() {
                        res.attributes = attributes;
                    }
                    stack.resource_event(
                        svc.ids,
                        at,
                        id,
                        ResourceStatus::UpdateComplete,
                        None,
                        false,
                    );
                }
            }
        }
    }
}

fn failed_reason(op: &Operation, verb: &str) -> String {
    let names: BTreeSet<&String> = op.failed.iter().collect();
    let names: Vec<&str> = names.into_iter().map(String::as_str).collect();
    format!(
        "The following resource(s) failed to {verb}: [{}]. ",
        names.join(", ")
    )
}

/// Ends a phase: decides the stack's next status and phase. Returns the operation that goes on,
/// if any.
fn finish_phase(
    stacks: &mut [Stack],
    index: usize,
    op: Operation,
    exports: &mut BTreeMap<String, Export>,
    svc: &mut Services<'_>,
    at: Timestamp,
) -> Option<Operation> {
    let region = svc.env.region;
    let account = svc.env.account;
    let failed = op.failing();
    match op.phase {
        Phase::Create => {
            let mut op = op;
            let mut outcome = Err(String::new());
            if !failed {
                outcome = stacks[index]
                    .evaluate_outputs(exports, region, account)
                    .map_err(|e| e.to_string())
                    .and_then(|outputs| {
                        claim_exports(
                            &stacks_except(stacks, index),
                            exports,
                            &stacks[index],
                            &outputs,
                        )
                        .map(|()| outputs)
                    });
            }
            let stack = &mut stacks[index];
            match outcome {
                Ok(outputs) => {
                    publish_exports(exports, stack, &outputs);
                    stack.outputs = outputs;
                    stack.set_status(svc.ids, at, StackStatus::CreateComplete, None);
                    None
                }
                Err(reason) => {
                    let reason = if op.failed.is_empty() {
                        reason
                    } else {
                        failed_reason(&op, "create")
                    };
                    match stack.on_failure {
                        OnFailure::DoNothing => {
                            stack.set_status(svc.ids, at, StackStatus::CreateFailed, Some(reason));
                            None
                        }
                        OnFailure::Rollback | OnFailure::Delete => {
                            stack.set_status(
                                svc.ids,
                                at,
                                StackStatus::RollbackInProgress,
                                Some(if reason.ends_with(' ') {
                                    format!("{reason}Rollback requested by user.")
                                } else {
                                    format!("{reason}. Rollback requested by user.")
                                }),
                            );
                            let targets = stack.resources.values().cloned().collect();
                            op = Operation::new(Phase::Rollback, delete_jobs(targets), at);
                            Some(op)
                        }
                    }
                }
            }
        }
        Phase::Rollback => {
            let stack = &mut stacks[index];
            if failed {
                let reason = failed_reason(&op, "delete");
                stack.set_status(svc.ids, at, StackStatus::RollbackFailed, Some(reason));
                return None;
            }
            stack.set_status(svc.ids, at, StackStatus::RollbackComplete, None);
            if stack.on_failure == OnFailure::Delete {
                stack.set_status(
                    svc.ids,
                    at,
                    StackStatus::DeleteInProgress,
                    Some("User Initiated".into()),
                );
                stack.set_status(svc.ids, at, StackStatus::DeleteComplete, None);
                stack.deletion_time = Some(at);
            }
            None
        }
        Phase::Delete => {
            let stack = &mut stacks[index];
            if failed {
                let reason = failed_reason(&op, "delete");
                stack.set_status(svc.ids, at, StackStatus::DeleteFailed, Some(reason));
                return None;
            }
            exports.retain(|_, e| e.stack_id != stack.id);
            stack.imports.clear();
            stack.deletion_time = Some(at);
            stack.set_status(svc.ids, at, StackStatus::DeleteComplete, None);
            None
        }
        Phase::Update => {
            let mut op = op;
            let mut outcome = Err(String::new());
            if !failed {
                outcome = stacks[index]
                    .evaluate_outputs(exports, region, account)
                    .map_err(|e| e.to_string())
                    .and_then(|outputs| {
                        let others = stacks_except(stacks, index);
                        check_export_changes(&others, exports, &stacks[index], &outputs)?;
                        claim_exports(&others, exports, &stacks[index], &outputs)?;
                        Ok(outputs)
                    });
            }
            let stack = &mut stacks[index];
            match outcome {
                Ok(outputs) => {
                    publish_exports(exports, stack, &outputs);
                    stack.outputs = outputs;
                    stack.set_status(
                        svc.ids,
                        at,
                        StackStatus::UpdateCompleteCleanupInProgress,
                        None,
                    );
                    let previous = op
                        .previous
                        .as_ref()
                        .expect("an update keeps what was before");
                    let active = stack.template.active_resources(&stack.conditions);
                    let targets: Vec<Resource> = previous
                        .resources
                        .values()
                        .filter(|old| {
                            stack
                                .resources
                                .get(&old.logical_id)
                                .is_none_or(|now| now.physical_id != old.physical_id)
                                || !active.contains(&old.logical_id)
                        })
                        .cloned()
                        .collect();
                    let mut next = Operation::new(Phase::UpdateCleanup, delete_jobs(targets), at);
                    next.previous = op.previous.take();
                    Some(next)
                }
                Err(reason) => {
                    let reason = if op.failed.is_empty() {
                        reason
                    } else {
                        failed_reason(
                            &op,
                            if op.failed_creating {
                                "create"
                            } else {
                                "update"
                            },
                        )
                    };
                    stack.set_status(
                        svc.ids,
                        at,
                        StackStatus::UpdateRollbackInProgress,
                        Some(reason),
                    );
                    let previous = op
                        .previous
                        .as_ref()
                        .expect("an update keeps what was before");
                    // In-place updates that happened (or were under way) are put back.
                    let jobs: BTreeMap<String, Job> = op
                        .jobs
                        .iter()
                        .filter_map(|(id, job)| match &job.action {
                            Action::Update { old } => Some((
                                id.clone(),
                                Job {
                                    action: Action::Revert {
                                        properties: old.clone(),
                                    },
                                    waits_for: BTreeSet::new(),
                                    state: JobState::Waiting,
                                },
                            )),
                            _ => None,
                        })
                        .filter(|(id, _)| previous.resources.contains_key(id))
                        .collect();
                    let mut next = Operation::new(Phase::UpdateRollback, jobs, at);
                    next.previous = op.previous.take();
                    Some(next)
                }
            }
        }
        Phase::UpdateCleanup => {
            let stack = &mut stacks[index];
            // Removed resources leave the stack; cleanup failures do not fail the update.
            let active = stack.template.active_resources(&stack.conditions);
            stack.resources.retain(|id, _| active.contains(id));
            stack.set_status(svc.ids, at, StackStatus::UpdateComplete, None);
            None
        }
        Phase::UpdateRollback => {
            let stack = &mut stacks[index];
            if failed {
                let reason = failed_reason(&op, "update");
                stack.set_status(svc.ids, at, StackStatus::UpdateRollbackFailed, Some(reason));
                return None;
            }
            stack.set_status(
                svc.ids,
                at,
                StackStatus::UpdateRollbackCompleteCleanupInProgress,
                None,
            );
            let previous = op
                .previous
                .as_ref()
                .expect("an update keeps what was before");
            // What the failed update made: added resources and new physical resources.
            let targets: Vec<Resource> = stack
                .resources
                .values()
                .filter(|now| {
                    now.physical_id.is_some()
                        && previous
                            .resources
                            .get(&now.logical_id)
                            .is_none_or(|old| old.physical_id != now.physical_id)
                })
                .cloned()
                .collect();
            let mut next = Operation::new(Phase::UpdateRollbackCleanup, delete_jobs(targets), at);
            next.previous = op.previous;
            Some(next)
        }
        Phase::UpdateRollbackCleanup => {
            let stack = &mut stacks[index];
            if let Some(previous) = op.previous {
                let previous = *previous;
                stack.template_body = previous.template_body;
                stack.template = previous.template;
                stack.parameters = previous.parameters;
                stack.resolved_parameters = previous.resolved_parameters;
                stack.conditions = previous.conditions;
                stack.tags = previous.tags;
                stack.imports = previous.imports;
                let mut restored = previous.resources;
                for (id, res) in &mut restored {
                    if let Some(now) = stack.resources.get(id) {
                        if now.physical_id == res.physical_id {
                            res.status = now.status;
                            res.updated = now.updated;
                        }
                    }
                }
                stack.resources = restored;
            }
            stack.set_status(svc.ids, at, StackStatus::UpdateRollbackComplete, None);
            None
        }
    }
}

/// (name, id, imports) of every other live stack.
fn stacks_except(stacks: &[Stack], index: usize) -> Vec<(String, String, BTreeSet<String>)> {
    stacks
        .iter()
        .enumerate()
        .filter(|(i, s)| *i != index && s.status != StackStatus::DeleteComplete)
        .map(|(_, s)| (s.name.clone(), s.id.clone(), s.imports.clone()))
        .collect()
}

/// Refuses export names another stack already exports.
fn claim_exports(
    others: &[(String, String, BTreeSet<String>)],
    exports: &BTreeMap<String, Export>,
    stack: &Stack,
    outputs: &[Output],
) -> Result<(), String> {
    for name in outputs.iter().filter_map(|o| o.export_name.as_ref()) {
        if let Some(existing) = exports.get(name).filter(|e| e.stack_id != stack.id) {
            let owner = others
                .iter()
                .find(|(_, id, _)| *id == existing.stack_id)
                .map_or(existing.stack_id.as_str(), |(n, _, _)| n.as_str());
            return Err(CfnError::ExportTaken {
                name: name.clone(),
                stack: owner.to_owned(),
            }
            .to_string());
        }
    }
    Ok(())
}

/// Refuses to drop or change an export another stack imports.
fn check_export_changes(
    others: &[(String, String, BTreeSet<String>)],
    exports: &BTreeMap<String, Export>,
    stack: &Stack,
    outputs: &[Output],
) -> Result<(), String> {
    for (name, export) in exports.iter().filter(|(_, e)| e.stack_id == stack.id) {
        let importers: Vec<String> = others
            .iter()
            .filter(|(_, _, imports)| imports.contains(name))
            .map(|(n, _, _)| n.clone())
            .collect();
        if importers.is_empty() {
            continue;
        }
        let kept = outputs
            .iter()
            .find(|o| o.export_name.as_deref() == Some(name.as_str()));
        match kept {
            None => {
                return Err(format!(
                    "Export {name} cannot be deleted as it is in use by {}",
                    and_list(&importers)
                ))
            }
            Some(o) if o.value != export.value => {
                return Err(format!(
                    "Export {name} cannot be updated as it is in use by {}",
                    and_list(&importers)
                ))
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn publish_exports(exports: &mut BTreeMap<String, Export>, stack: &Stack, outputs: &[Output]) {
    exports.retain(|_, e| e.stack_id != stack.id);
    for o in outputs {
        if let Some(name) = &o.export_name {
            exports.insert(
                name.clone(),
                Export {
                    stack_id: stack.id.clone(),
                    value: o.value.clone(),
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudformation::resources::Site;
    use crate::ec2::model::Ec2Region;
    use crate::eks::model::EksRegion;
    use crate::iam::model::{IamAccount, NewRole};
    use serde_json::json;
    use std::time::Duration;

    const T0: Timestamp = Timestamp(1_767_225_600_000);

    /// One region of one account and a clock, driven like `World::advance` drives them.
    struct Harness {
        cfn: CfnRegion,
        ids: IdGen,
        iam: IamAccount,
        eks: EksRegion,
        ec2: Ec2Region,
        autoscaling: crate::autoscaling::model::AutoScalingRegion,
        faults: crate::faults::Faults,
        now: Timestamp,
        /// Two default subnets in two zones, for clusters.
        subnets: Vec<String>,
    }

    impl Harness {
        /// A region with its default VPC and an account with the role `eks` trusting EKS: what a
        /// cluster needs.
        fn new() -> Self {
            let mut h = Self {
                cfn: CfnRegion::default(),
                ids: IdGen::new(0),
                iam: IamAccount::default(),
                eks: EksRegion::default(),
                ec2: Ec2Region::default(),
                autoscaling: Default::default(),
                faults: crate::faults::Faults::new(0),
                now: T0,
                subnets: Vec::new(),
            };
            let env = h.env();
            h.ec2.ensure_default_vpc(&mut h.ids, env.region);
            h.subnets = h.ec2.subnets.keys().take(2).cloned().collect();
            h.iam
                .create_role(
                    &env,
                    &mut h.ids,
                    NewRole {
                        name: "eks".into(),
                        assume_role_policy: r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into(),
                        ..NewRole::default()
                    },
                )
                .expect("the role is valid");
            h
        }

        fn env(&self) -> Env<'static> {
            Env {
                now: self.now,
                timing: Timing::Realistic,
                account: "123456789012",
                region: "us-west-2",
            }
        }

        /// Moves the clock by `secs` and applies everything due.
        fn run(&mut self, secs: u64) {
            self.now = self.now.after(Duration::from_secs(secs));
            let mut svc = Services {
                env: self.env(),
                site: Site {
                    kube: std::net::SocketAddr::from(([127, 0, 0, 1], 4567)),
                    ca_data: "Q0E=",
                },
                ids: &mut self.ids,
                iam: &mut self.iam,
                eks: &mut self.eks,
                ec2: &mut self.ec2,
                autoscaling: &mut self.autoscaling,
                faults: &mut self.faults,
            };
            self.cfn.drive(&mut svc, self.now);
            crate::state::advance_services(&mut self.eks, &mut self.ec2, self.now);
        }

        fn create(
            &mut self,
            name: &str,
            template: &Value,
            on_failure: OnFailure,
        ) -> Result<(), CfnError> {
            let env = self.env();
            self.cfn
                .create_stack(
                    &env,
                    &mut self.ids,
                    &mut self.faults,
                    NewStack {
                        name: name.into(),
                        template_body: template.to_string(),
                        on_failure,
                        ..NewStack::default()
                    },
                )
                .map(|_| ())
        }

        fn update(&mut self, name: &str, template: &Value) -> Result<(), CfnError> {
            let env = self.env();
            self.cfn
                .update_stack(
                    &env,
                    &mut self.ids,
                    StackUpdate {
                        stack: name.into(),
                        template_body: Some(template.to_string()),
                        ..StackUpdate::default()
                    },
                )
                .map(|_| ())
        }

        fn delete(&mut self, name: &str) -> Result<(), CfnError> {
            let env = self.env();
            self.cfn
                .delete_stack(&env, &mut self.ids, &mut self.faults, name)
        }

        fn stack(&self, name: &str) -> &Stack {
            self.cfn.find(name).expect("stack exists")
        }

        /// Events oldest first as `(seconds since T0, logical id, status, reason)`.
        fn events(&self, name: &str) -> Vec<(u64, String, String, String)> {
            self.stack(name)
                .events
                .iter()
                .map(|e| {
                    (
                        e.timestamp.since(T0).as_secs(),
                        e.logical_id.clone(),
                        e.status.clone(),
                        e.reason.clone().unwrap_or_default(),
                    )
                })
                .collect()
        }
    }

    fn ev(t: u64, id: &str, status: &str, reason: &str) -> (u64, String, String, String) {
        (t, id.into(), status.into(), reason.into())
    }

    impl Harness {
        fn cluster_template(&self, name: &str, extra: Value) -> Value {
            cluster_template(name, &self.subnets, extra)
        }
    }

    fn cluster_template(name: &str, subnets: &[String], extra: Value) -> Value {
        let mut resources = json!({
            "Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
            "ControlPlane": {"Type": "AWS::EKS::Cluster", "Properties": {
                "Name": name,
                "RoleArn": "arn:aws:iam::123456789012:role/eks",
                "ResourcesVpcConfig": {"SubnetIds": subnets},
                "Tags": [{"Key": "handle", "Value": {"Ref": "Handle"}}]
            }}
        });
        if let (Value::Object(r), Value::Object(extra)) = (&mut resources, extra) {
            r.extend(extra);
        }
        json!({
            "Resources": resources,
            "Outputs": {
                "Endpoint": {"Value": {"Fn::GetAtt": ["ControlPlane", "Endpoint"]},
                             "Export": {"Name": {"Fn::Sub": "${AWS::StackName}::Endpoint"}}},
                "ARN": {"Value": {"Fn::GetAtt": "ControlPlane.Arn"}}
            }
        })
    }

    #[test]
    fn a_stack_creates_in_dependency_order_waits_for_active_and_publishes_outputs() {
        let mut h = Harness::new();
        h.create(
            "demo",
            &h.cluster_template("c1", json!({})),
            OnFailure::Rollback,
        )
        .unwrap();
        assert_eq!(h.stack("demo").status, StackStatus::CreateInProgress);
        h.run(0);
        h.run(6);
        assert_eq!(h.eks.cluster("c1").unwrap().status, ClusterStatus::Creating);
        h.run(599);
        assert_eq!(h.stack("demo").status, StackStatus::CreateInProgress);
        h.run(1);
        let stack = h.stack("demo");
        assert_eq!(stack.status, StackStatus::CreateComplete);
        assert_eq!(
            h.events("demo"),
            vec![
                ev(0, "demo", "CREATE_IN_PROGRESS", "User Initiated"),
                ev(0, "Handle", "CREATE_IN_PROGRESS", ""),
                ev(
                    0,
                    "Handle",
                    "CREATE_IN_PROGRESS",
                    "Resource creation Initiated"
                ),
                ev(6, "Handle", "CREATE_COMPLETE", ""),
                ev(6, "ControlPlane", "CREATE_IN_PROGRESS", ""),
                ev(
                    6,
                    "ControlPlane",
                    "CREATE_IN_PROGRESS",
                    "Resource creation Initiated"
                ),
                ev(606, "ControlPlane", "CREATE_COMPLETE", ""),
                ev(606, "demo", "CREATE_COMPLETE", ""),
            ]
        );
        let outputs: BTreeMap<&str, &str> = stack
            .outputs
            .iter()
            .map(|o| (o.key.as_str(), o.value.as_str()))
            .collect();
        assert_eq!(
            outputs["ARN"],
            "arn:aws:eks:us-west-2:123456789012:cluster/c1"
        );
        assert_eq!(
            outputs["Endpoint"],
            "https://127.0.0.1:4567/k8s/us-west-2/c1"
        );
        assert_eq!(h.cfn.exports["demo::Endpoint"].value, outputs["Endpoint"]);
        let handle = stack.resources["Handle"].physical_id.clone().unwrap();
        assert_eq!(h.eks.cluster("c1").unwrap().tags["handle"], handle);
        assert_eq!(
            stack.resources["ControlPlane"].depends_on,
            BTreeSet::from(["Handle".to_owned()])
        );
    }

    #[test]
    fn a_jump_of_the_clock_replays_every_step_at_its_own_time() {
        let mut h = Harness::new();
        h.create(
            "demo",
            &h.cluster_template("c1", json!({})),
            OnFailure::Rollback,
        )
        .unwrap();
        h.run(3600);
        let times: Vec<u64> = h.events("demo").iter().map(|e| e.0).collect();
        assert_eq!(times, [0, 0, 0, 6, 6, 6, 606, 606]);
    }

    #[test]
    fn a_stack_mid_operation_survives_a_state_round_trip() {
        let mut h = Harness::new();
        h.create(
            "demo",
            &h.cluster_template("c1", json!({})),
            OnFailure::Rollback,
        )
        .unwrap();
        h.run(6);
        let dumped = serde_json::to_string(&h.cfn).unwrap();
        let restored: CfnRegion = serde_json::from_str(&dumped).unwrap();
        assert_eq!(restored.stacks, h.cfn.stacks);
        h.cfn = restored;
        h.run(600);
        assert_eq!(h.stack("demo").status, StackStatus::CreateComplete);
    }

    #[test]
    fn an_injected_stack_fault_fails_the_first_resource_and_rolls_back_or_fails_the_delete() {
        let mut h = Harness::new();
        for fail in ["CREATE_FAILED", "DELETE_FAILED"] {
            let spec = serde_json::from_value(json!({"service":"cloudformation",
                "resource":"stack","name":"demo","fail":fail,"count":1,
                "healthIssue":{"code":"InternalFailure","message":format!("injected {fail}")}}))
            .unwrap();
            h.faults.add(spec).unwrap();
        }
        h.create(
            "demo",
            &h.cluster_template("c1", json!({})),
            OnFailure::Rollback,
        )
        .unwrap();
        h.run(0);
        h.run(6);
        h.run(0);
        let events = h.events("demo");
        assert!(
            events.contains(&ev(6, "Handle", "CREATE_FAILED", "injected CREATE_FAILED")),
            "{events:?}"
        );
        assert!(events.contains(&ev(
            6,
            "demo",
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [Handle]. Rollback requested by user."
        )));
        h.run(6);
        assert_eq!(h.stack("demo").status, StackStatus::RollbackComplete);
        assert!(h.eks.cluster("c1").is_err(), "nothing after it started");
        assert!(h
            .events("demo")
            .contains(&ev(12, "Handle", "DELETE_COMPLETE", "")));

        h.delete("demo").unwrap();
        h.run(0);
        assert!(
            h.cfn.find("demo").is_none(),
            "deleted: nothing was left to fail"
        );
        assert_eq!(h.faults.rules()[1].fired, 0);
        h.create(
            "demo",
            &h.cluster_template("c1", json!({})),
            OnFailure::Rollback,
        )
        .unwrap();
        h.run(0);
        h.run(6);
        h.run(600);
        assert_eq!(
            h.stack("demo").status,
            StackStatus::CreateComplete,
            "count 1"
        );
        h.delete("demo").unwrap();
        h.run(0);
        let stack = h.stack("demo");
        assert_eq!(stack.status, StackStatus::DeleteFailed);
        assert_eq!(
            stack.status_reason.as_deref(),
            Some("The following resource(s) failed to delete: [ControlPlane]. ")
        );
        assert!(h
            .events("demo")
            .iter()
            .any(|e| (e.1.as_str(), e.2.as_str(), e.3.as_str())
                == ("ControlPlane", "DELETE_FAILED", "injected DELETE_FAILED")));
        assert_eq!(
            h.eks.cluster("c1").unwrap().status,
            ClusterStatus::Active,
            "left untouched"
        );
        h.delete("demo").unwrap();
        h.run(0);
        h.run(300);
        h.run(6);
        assert!(h.cfn.find("demo").is_none(), "a retry deletes it");
        assert!(h.eks.cluster("c1").is_err());
    }

    #[test]
    fn a_failing_resource_cancels_the_others_and_rolls_back() {
        let mut h = Harness::new();
        let template = h.cluster_template(
            "c1",
            json!({"Queue": {"Type": "AWS::SQS::Queue", "DependsOn": "Handle"}}),
        );
        h.create("demo", &template, OnFailure::Rollback).unwrap();
        h.run(0);
        h.run(6);
        h.run(0);
        h.run(0);
        let events = h.events("demo");
        assert!(events.contains(&ev(
            6,
            "Queue",
            "CREATE_FAILED",
            "Resource type AWS::SQS::Queue is not supported by this emulator"
        )));
        assert!(events.contains(&ev(
            6,
            "ControlPlane",
            "CREATE_FAILED",
            "Resource creation cancelled"
        )));
        assert!(events.contains(&ev(
            6,
            "demo",
            "ROLLBACK_IN_PROGRESS",
            "The following resource(s) failed to create: [ControlPlane, Queue]. Rollback requested by user."
        )));
        assert_eq!(h.eks.cluster("c1").unwrap().status, ClusterStatus::Deleting);
        h.run(300);
        h.run(6);
        assert_eq!(h.stack("demo").status, StackStatus::RollbackComplete);
        assert!(h.eks.cluster("c1").is_err());
        let tail: Vec<_> = h
            .events("demo")
            .into_iter()
            .skip_while(|e| e.2 != "ROLLBACK_IN_PROGRESS")
            .collect();
        let order: Vec<(String, String)> =
            tail.iter().map(|e| (e.1.clone(), e.2.clone())).collect();
        let pos = |id: &str, status: &str| {
            order
                .iter()
                .position(|o| o.0 == id && o.1 == status)
                .unwrap()
        };
        // The cluster (which refers to the handle) goes first; the handle after it.
        assert!(pos("ControlPlane", "DELETE_COMPLETE") < pos("Handle", "DELETE_IN_PROGRESS"));
        assert!(pos("Queue", "DELETE_COMPLETE") < pos("demo", "ROLLBACK_COMPLETE"));
        assert_eq!(
            order.last().unwrap(),
            &("demo".to_owned(), "ROLLBACK_COMPLETE".to_owned())
        );
        assert!(h.stack("demo").outputs.is_empty());
        assert!(h.cfn.exports.is_empty());
        // Deleting the rolled-back stack deletes nothing twice.
        let before = h.stack("demo").events.len();
        let id = h.stack("demo").id.clone();
        h.delete("demo").unwrap();
        h.run(0);
        let stack = h.cfn.find(&id).unwrap();
        assert_eq!(stack.status, StackStatus::DeleteComplete);
        let after: Vec<&str> = stack.events[before..]
            .iter()
            .map(|e| e.logical_id.as_str())
            .collect();
        assert_eq!(after, ["demo", "demo"]);
    }

    #[test]
    fn eks_refusals_fail_the_resource_with_the_handler_message() {
        let mut h = Harness::new();
        let mut template = h.cluster_template("c1", json!({}));
        template["Resources"]["ControlPlane"]["Properties"]["Version"] = json!("1.10");
        h.create("demo", &template, OnFailure::DoNothing).unwrap();
        h.run(0);
        h.run(6);
        let stack = h.stack("demo");
        assert_eq!(stack.status, StackStatus::CreateFailed);
        assert_eq!(
            stack.status_reason.as_deref(),
            Some("The following resource(s) failed to create: [ControlPlane]. ")
        );
        let reason = stack.resources["ControlPlane"]
            .status_reason
            .clone()
            .unwrap();
        assert!(reason.starts_with("Resource handler returned message: \"unsupported Kubernetes version (Service: Eks, Status Code: 400"), "{reason}");
        assert_eq!(
            stack.resources["Handle"].status,
            ResourceStatus::CreateComplete
        );
    }

    #[test]
    fn on_failure_delete_rolls_back_then_deletes_the_stack() {
        let mut h = Harness::new();
        let template = json!({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}});
        h.create("demo", &template, OnFailure::Delete).unwrap();
        h.run(0);
        h.run(0);
        h.run(0);
        let stack = h.cfn.stacks.last().unwrap();
        assert_eq!(stack.status, StackStatus::DeleteComplete);
        assert!(h.cfn.find("demo").is_none());
        assert!(h.cfn.find(&stack.id.clone()).is_some());
    }

    #[test]
    fn delete_goes_in_reverse_order_and_waits_for_the_cluster_to_go() {
        let mut h = Harness::new();
        h.create(
            "demo",
            &h.cluster_template("c1", json!({})),
            OnFailure::Rollback,
        )
        .unwrap();
        h.run(700);
        let id = h.stack("demo").id.clone();
        h.delete("demo").unwrap();
        h.run(0);
        h.run(299);
        assert_eq!(
            h.cfn.find(&id).unwrap().status,
            StackStatus::DeleteInProgress
        );
        h.run(1);
        h.run(6);
        let stack = h.cfn.find(&id).unwrap();
        assert_eq!(stack.status, StackStatus::DeleteComplete);
        assert!(h.cfn.find("demo").is_none());
        assert!(h.cfn.exports.is_empty());
        let tail: Vec<_> = stack
            .events
            .iter()
            .skip_while(|e| e.status != "DELETE_IN_PROGRESS")
            .map(|e| {
                (
                    e.timestamp.since(T0).as_secs() - 700,
                    e.logical_id.as_str(),
                    e.status.as_str(),
                )
            })
            .collect();
        assert_eq!(
            tail,
            [
                (0, "demo", "DELETE_IN_PROGRESS"),
                (0, "ControlPlane", "DELETE_IN_PROGRESS"),
                (300, "ControlPlane", "DELETE_COMPLETE"),
                (300, "Handle", "DELETE_IN_PROGRESS"),
                (306, "Handle", "DELETE_COMPLETE"),
                (306, "demo", "DELETE_COMPLETE"),
            ]
        );
        assert!(stack
            .resources
            .values()
            .all(|r| r.status == ResourceStatus::DeleteComplete));
    }

    #[test]
    fn update_adds_replaces_updates_in_place_and_removes_by_diff() {
        let mut h = Harness::new();
        let v1 = h.cluster_template(
            "c1",
            json!({"Old": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}),
        );
        h.create("demo", &v1, OnFailure::Rollback).unwrap();
        h.run(700);
        assert_eq!(h.update("demo", &v1).unwrap_err(), CfnError::NoUpdates);
        // Tags change in place.
        let mut v2 = v1.clone();
        v2["Resources"]["ControlPlane"]["Properties"]["Tags"] =
            json!([{"Key": "team", "Value": "b"}]);
        h.update("demo", &v2).unwrap();
        h.run(0);
        h.run(6);
        h.run(0);
        assert_eq!(h.stack("demo").status, StackStatus::UpdateComplete);
        assert_eq!(h.eks.cluster("c1").unwrap().tags["team"], "b");
        assert!(!h.eks.cluster("c1").unwrap().tags.contains_key("handle"));
        // A new name replaces the cluster; `Old` goes, `New` comes.
        let mut v3 = h.cluster_template(
            "c2",
            json!({"New": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}),
        );
        v3["Outputs"]["Added"] = json!({"Value": {"Ref": "New"}});
        h.update("demo", &v3).unwrap();
        h.run(0);
        h.run(6);
        assert_eq!(h.eks.cluster("c2").unwrap().status, ClusterStatus::Creating);
        assert_eq!(h.eks.cluster("c1").unwrap().status, ClusterStatus::Active);
        h.run(600);
        assert_eq!(
            h.stack("demo").status,
            StackStatus::UpdateCompleteCleanupInProgress
        );
        assert_eq!(h.eks.cluster("c1").unwrap().status, ClusterStatus::Deleting);
        h.run(300);
        h.run(6);
        let stack = h.stack("demo");
        assert_eq!(stack.status, StackStatus::UpdateComplete);
        assert!(h.eks.cluster("c1").is_err());
        assert_eq!(
            stack.resources.keys().collect::<Vec<_>>(),
            ["ControlPlane", "Handle", "New"]
        );
        assert_eq!(
            stack.resources["ControlPlane"].physical_id.as_deref(),
            Some("c2")
        );
        assert!(stack.outputs.iter().any(|o| o.key == "Added"));
        assert_eq!(
            h.cfn.exports["demo::Endpoint"].value,
            "https://127.0.0.1:4567/k8s/us-west-2/c2"
        );
        let second_update = stack
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.logical_id == "demo" && e.status == "UPDATE_IN_PROGRESS")
            .nth(1)
            .map(|(i, _)| i)
            .unwrap();
        let replace_events: Vec<(String, String)> = stack.events[second_update..]
            .iter()
            .filter(|e| e.logical_id == "ControlPlane")
            .map(|e| (e.status.clone(), e.reason.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            replace_events,
            [
                ("UPDATE_IN_PROGRESS".into(), "Requested update requires the creation of a new physical resource; hence creating one.".into()),
                ("UPDATE_IN_PROGRESS".into(), "Resource creation Initiated".into()),
                ("UPDATE_COMPLETE".into(), String::new()),
                ("DELETE_IN_PROGRESS".into(), String::new()),
                ("DELETE_COMPLETE".into(), String::new()),
            ]
        );
    }

    #[test]
    fn a_failed_update_rolls_back_to_what_was_there() {
        let mut h = Harness::new();
        let v1 = h.cluster_template("c1", json!({}));
        h.create("demo", &v1, OnFailure::Rollback).unwrap();
        h.run(700);
        let v2 = h.cluster_template(
            "c1",
            json!({
                "Added": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
                "Queue": {"Type": "AWS::SQS::Queue", "DependsOn": "Added"}
            }),
        );
        h.update("demo", &v2).unwrap();
        for _ in 0..6 {
            h.run(6);
        }
        let stack = h.stack("demo");
        assert_eq!(stack.status, StackStatus::UpdateRollbackComplete);
        assert_eq!(
            stack.resources.keys().collect::<Vec<_>>(),
            ["ControlPlane", "Handle"]
        );
        assert_eq!(stack.template.resources.len(), 2);
        let statuses: Vec<&str> = stack
            .events
            .iter()
            .filter(|e| e.kind == "AWS::CloudFormation::Stack")
            .map(|e| e.status.as_str())
            .collect();
        assert_eq!(
            statuses,
            [
                "CREATE_IN_PROGRESS",
                "CREATE_COMPLETE",
                "UPDATE_IN_PROGRESS",
                "UPDATE_ROLLBACK_IN_PROGRESS",
                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                "UPDATE_ROLLBACK_COMPLETE"
            ]
        );
        let reason = stack
            .events
            .iter()
            .find(|e| e.status == "UPDATE_ROLLBACK_IN_PROGRESS")
            .and_then(|e| e.reason.clone());
        assert_eq!(
            reason.as_deref(),
            Some("The following resource(s) failed to create: [Queue]. ")
        );
        assert!(stack
            .events
            .iter()
            .any(|e| e.logical_id == "Added" && e.status == "DELETE_COMPLETE"));
        assert_eq!(h.eks.cluster("c1").unwrap().status, ClusterStatus::Active);
    }

    #[test]
    fn exports_are_unique_imports_must_exist_and_imported_exports_block_deletion() {
        let mut h = Harness::new();
        let exporter = json!({
            "Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {"Url": {"Value": {"Ref": "H"}, "Export": {"Name": "shared-url"}}}
        });
        h.create("a", &exporter, OnFailure::Rollback).unwrap();
        h.run(10);
        assert_eq!(h.stack("a").status, StackStatus::CreateComplete);
        h.create("b", &exporter, OnFailure::Rollback).unwrap();
        h.run(20);
        assert_eq!(h.stack("b").status, StackStatus::RollbackComplete);
        assert!(h
            .events("b")
            .iter()
            .any(|e| e.3 == "Export with name shared-url is already exported by stack a. Rollback requested by user."));
        let importer = json!({
            "Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {"Got": {"Value": {"Fn::ImportValue": "shared-url"}}}
        });
        let missing = json!({
            "Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {"Got": {"Value": {"Fn::ImportValue": {"Fn::Sub": "${AWS::Region}-nothing"}}}}
        });
        assert_eq!(
            h.create("c", &missing, OnFailure::Rollback)
                .unwrap_err()
                .to_string(),
            "No export named us-west-2-nothing found"
        );
        h.create("c", &importer, OnFailure::Rollback).unwrap();
        h.run(10);
        assert_eq!(
            h.stack("c").outputs[0].value,
            h.cfn.exports["shared-url"].value
        );
        assert_eq!(h.cfn.importers("shared-url"), ["c"]);
        h.delete("a").unwrap();
        h.run(10);
        let a = h.stack("a");
        assert_eq!(a.status, StackStatus::CreateComplete);
        assert_eq!(
            a.status_reason.as_deref(),
            Some("Delete canceled. Cannot delete export shared-url as it is in use by c.")
        );
        h.delete("c").unwrap();
        h.run(10);
        h.delete("a").unwrap();
        h.run(10);
        assert!(h.cfn.find("a").is_none());
    }

    #[test]
    fn ssm_parameter_types_resolve_to_the_parameter_value_and_unknown_names_fail() {
        const AL2023: &str = "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id";
        const AL2: &str = "/aws/service/eks/optimized-ami/1.33/amazon-linux-2/recommended/image_id";
        let mut h = Harness::new();
        let template = |default: &str| {
            json!({
                "Parameters": {"AmiId": {
                    "Type": "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
                    "Default": default
                }},
                "Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
                "Outputs": {"Ami": {"Value": {"Ref": "AmiId"}}}
            })
        };
        let ami = crate::ssm::model::image_id("us-west-2", AL2023);
        h.create("ami", &template(AL2023), OnFailure::Rollback)
            .unwrap();
        h.run(10);
        let stack = h.stack("ami");
        assert_eq!(stack.status, StackStatus::CreateComplete);
        assert_eq!(stack.outputs[0].value, ami);
        assert_eq!(
            stack.shown_parameters(),
            [("AmiId".to_owned(), AL2023.to_owned(), Some(ami.clone()))]
        );

        // UsePreviousValue keeps the name, and the value is fetched again.
        let env = h.env();
        let err = h
            .cfn
            .update_stack(
                &env,
                &mut h.ids,
                StackUpdate {
                    stack: "ami".into(),
                    use_previous: vec!["AmiId".into()],
                    ..StackUpdate::default()
                },
            )
            .unwrap_err();
        assert_eq!(err, CfnError::NoUpdates);
        let env = h.env();
        h.cfn
            .update_stack(
                &env,
                &mut h.ids,
                StackUpdate {
                    stack: "ami".into(),
                    parameters: vec![("AmiId".into(), AL2.into())],
                    ..StackUpdate::default()
                },
            )
            .unwrap();
        h.run(10);
        let stack = h.stack("ami");
        assert_eq!(stack.status, StackStatus::UpdateComplete);
        assert_eq!(
            stack.outputs[0].value,
            crate::ssm::model::image_id("us-west-2", AL2)
        );

        let err = h
            .create("nope", &template("/no/such/parameter"), OnFailure::Rollback)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Unable to fetch parameters [/no/such/parameter] from parameter store for this account."
        );
        assert_eq!(
            crate::wire::error::AwsError::from(err).code,
            "ValidationError"
        );
        assert!(h.cfn.find("nope").is_none());
    }

    #[test]
    fn creates_are_checked_before_anything_starts() {
        let mut h = Harness::new();
        let ok = json!({"Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}});
        h.create("demo", &ok, OnFailure::Rollback).unwrap();
        assert_eq!(
            h.create("demo", &ok, OnFailure::Rollback)
                .unwrap_err()
                .to_string(),
            "Stack [demo] already exists"
        );
        assert_eq!(
            h.create("1bad", &ok, OnFailure::Rollback).unwrap_err(),
            CfnError::InvalidStackName("1bad".into())
        );
        let role = json!({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {"RoleName": "x"}}}});
        assert_eq!(
            h.create("iam", &role, OnFailure::Rollback)
                .unwrap_err()
                .to_string(),
            "Requires capabilities : [CAPABILITY_NAMED_IAM]"
        );
        let bad_att = json!({
            "Resources": {"H": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
            "Outputs": {"O": {"Value": {"Fn::GetAtt": ["H", "Arn"]}}}
        });
        assert_eq!(
            h.create("att", &bad_att, OnFailure::Rollback)
                .unwrap_err()
                .to_string(),
            "Template error: resource H does not support attribute type Arn in Fn::GetAtt"
        );
        h.run(10);
        h.cfn.set_termination_protection("demo", true).unwrap();
        assert_eq!(
            h.delete("demo").unwrap_err().to_string(),
            "Stack [demo] cannot be deleted while TerminationProtection is enabled"
        );
        assert_eq!(h.delete("never-was"), Ok(()));
        h.create(
            "busy",
            &h.cluster_template("c9", json!({})),
            OnFailure::Rollback,
        )
        .unwrap();
        let err = h.update("busy", &ok).unwrap_err().to_string();
        assert!(
            err.ends_with(" is in CREATE_IN_PROGRESS state and can not be updated."),
            "{err}"
        );
    }

    #[test]
    fn the_eksctl_cluster_stack_builds_its_network_roles_and_cluster_and_deletes_them_all() {
        let mut h = Harness::new();
        let env = h.env();
        let before = (h.ec2.vpcs.len(), h.ec2.subnets.len(), h.iam.roles.len());
        h.cfn
            .create_stack(
                &env,
                &mut h.ids,
                &mut h.faults,
                NewStack {
                    name: "eksctl-fargate-demo-cluster".into(),
                    template_body: include_str!("../../../tests/fixtures/eksctl/cluster.yaml")
                        .into(),
                    capabilities: vec!["CAPABILITY_IAM".into()],
                    ..NewStack::default()
                },
            )
            .unwrap();
        for _ in 0..30 {
            h.run(60);
        }
        let stack = h.stack("eksctl-fargate-demo-cluster");
        assert_eq!(
            stack.status,
            StackStatus::CreateComplete,
            "{:?}",
            stack.status_reason
        );
        assert!(stack
            .resources
            .values()
            .all(|r| r.status == ResourceStatus::CreateComplete));
        let output = |key: &str| {
            stack
                .outputs
                .iter()
                .find(|o| o.key == key)
                .map(|o| o.value.clone())
                .unwrap_or_default()
        };
        let private: Vec<String> = output("SubnetsPrivate")
            .split(',')
            .map(str::to_owned)
            .collect();
        assert_eq!(private.len(), 3);
        for id in &private {
            assert!(h.ec2.is_private(&h.ec2.subnets[id]), "{id} is private");
        }
        for id in output("SubnetsPublic").split(',') {
            assert!(!h.ec2.is_private(&h.ec2.subnets[id]), "{id} is public");
        }
        let cluster = h.eks.cluster("fargate-demo").unwrap();
        assert_eq!(cluster.status, ClusterStatus::Active);
        assert_eq!(cluster.vpc.vpc_id, output("VPC"));
        assert_eq!(cluster.vpc.security_group_ids, [output("SecurityGroup")]);
        assert_eq!(
            cluster.vpc.cluster_security_group_id,
            output("ClusterSecurityGroupId")
        );
        let pods_role = output("FargatePodExecutionRoleARN");
        let role = h.iam.role_by_arn(&pods_role).unwrap();
        assert_eq!(role.trusted_services(), ["eks-fargate-pods.amazonaws.com"]);
        // CloudFormation shortens the stack name, not the logical id, to fit IAM's 64 characters.
        assert!(
            role.name
                .starts_with("eksctl-fargate-demo-cluste-FargatePodExecutionRole-")
                && role.name.len() == 64,
            "{}",
            role.name
        );
        // The NAT gateway took its 90 seconds; the control plane its 10 minutes, after the
        // network and the service role.
        let took = |id: &str| {
            let events: Vec<&Event> = stack.events.iter().filter(|e| e.logical_id == id).collect();
            events
                .last()
                .unwrap()
                .timestamp
                .since(events[0].timestamp)
                .as_secs()
        };
        assert_eq!(took("NATGateway"), 90);
        assert_eq!(took("ControlPlane"), 600);
        assert_eq!(took("VPC"), 6);

        h.delete("eksctl-fargate-demo-cluster").unwrap();
        for _ in 0..30 {
            h.run(60);
        }
        let stack = h.cfn.stacks.last().unwrap();
        assert_eq!(
            stack.status,
            StackStatus::DeleteComplete,
            "{:?}",
            stack.status_reason
        );
        assert!(h.eks.clusters.is_empty());
        assert_eq!(
            (h.ec2.vpcs.len(), h.ec2.subnets.len(), h.iam.roles.len()),
            before,
            "only the default VPC and the role `eks` are left"
        );
        assert!(h.ec2.addresses.is_empty());
        assert!(h.cfn.exports.is_empty());
    }
}
