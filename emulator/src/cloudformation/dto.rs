//! CloudFormation wire shapes (awsQuery): request parameters decoded into the model's inputs, and
//! the model's stacks, events and resources written as the XML elements the API reference names.
//! Times are ISO 8601 with milliseconds; absent members are left out.

use super::error::CfnError;
use super::model::{Event, Export, NewStack, OnFailure, Resource, Stack, StackUpdate};
use crate::wire::query::QueryRequest;
use crate::wire::xml::Writer;

/// How many items one page of a paginated list holds.
pub const PAGE_SIZE: usize = 100;

/// A required scalar parameter.
pub fn required<'a>(req: &'a QueryRequest, name: &'static str) -> Result<&'a str, CfnError> {
    req.get(name).ok_or(CfnError::Missing(lower_first(name)))
}

/// The member name as the validation message spells it (`stackName`).
fn lower_first(name: &'static str) -> &'static str {
    match name {
        "StackName" => "stackName",
        "LogicalResourceId" => "logicalResourceId",
        "EnableTerminationProtection" => "enableTerminationProtection",
        "ExportName" => "exportName",
        other => other,
    }
}

/// The template body of a Create/Update/ValidateTemplate request.
pub fn template_body(req: &QueryRequest) -> Result<Option<String>, CfnError> {
    match (req.get("TemplateBody"), req.get("TemplateURL")) {
        (Some(_), Some(_)) => Err(CfnError::BothTemplates),
        (Some(body), None) => Ok(Some(body.to_owned())),
        (None, Some(_)) => Err(CfnError::TemplateUrl),
        (None, None) => Ok(None),
    }
}

fn parameters(req: &QueryRequest) -> (Vec<(String, String)>, Vec<String>) {
    let mut given = Vec::new();
    let mut previous = Vec::new();
    for mut p in req.structs("Parameters.member") {
        let Some(key) = p.remove("ParameterKey") else {
            continue;
        };
        if p.get("UsePreviousValue").is_some_and(|v| v == "true") {
            previous.push(key);
        } else {
            given.push((key, p.remove("ParameterValue").unwrap_or_default()));
        }
    }
    (given, previous)
}

/// `CreateStack` input.
pub fn new_stack(req: &QueryRequest) -> Result<NewStack, CfnError> {
    let name = required(req, "StackName")?.to_owned();
    let template_body = template_body(req)?.ok_or(CfnError::NoTemplate)?;
    let on_failure = match (req.get("OnFailure"), req.get_bool("DisableRollback")) {
        (Some(_), Some(_)) => return Err(CfnError::RollbackAndOnFailure),
        (Some("ROLLBACK"), None) | (None, None | Some(false)) => OnFailure::Rollback,
        (Some("DO_NOTHING"), None) | (None, Some(true)) => OnFailure::DoNothing,
        (Some("DELETE"), None) => OnFailure::Delete,
        (Some(other), None) => {
            return Err(CfnError::NotInEnum {
                value: other.to_owned(),
                field: "onFailure",
                allowed: "DO_NOTHING, ROLLBACK, DELETE",
            })
        }
    };
    let (parameters, _) = parameters(req);
    Ok(NewStack {
        name,
        template_body,
        parameters,
        capabilities: req.list("Capabilities.member"),
        tags: req.key_values("Tags.member", "Key", "Value"),
        on_failure,
        timeout_in_minutes: req.get("TimeoutInMinutes").and_then(|t| t.parse().ok()),
        role_arn: req.get("RoleARN").map(str::to_owned),
        notification_arns: req.list("NotificationARNs.member"),
        termination_protection: req.get_bool("EnableTerminationProtection").unwrap_or(false),
    })
}

/// `UpdateStack` input.
pub fn stack_update(req: &QueryRequest) -> Result<StackUpdate, CfnError> {
    let stack = required(req, "StackName")?.to_owned();
    let body = template_body(req)?;
    let use_previous = req.get_bool("UsePreviousTemplate").unwrap_or(false);
    if body.is_none() && !use_previous {
        return Err(CfnError::NoTemplate);
    }
    let (parameters, previous) = parameters(req);
    let tags = req
        .params
        .keys()
        .any(|k| k.starts_with("Tags."))
        .then(|| req.key_values("Tags.member", "Key", "Value"));
    Ok(StackUpdate {
        stack,
        template_body: body,
        parameters,
        use_previous: previous,
        capabilities: req.list("Capabilities.member"),
        tags,
    })
}

/// The page of `items` a `NextToken` asks for, and the token of the next page.
pub fn page<T>(items: Vec<T>, token: Option<&str>) -> Result<(Vec<T>, Option<String>), CfnError> {
    let start = match token {
        None => 0,
        Some(t) => t
            .strip_prefix("page-")
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| *n <= items.len())
            .ok_or_else(|| CfnError::InvalidNextToken(t.to_owned()))?,
    };
    let end = (start + PAGE_SIZE).min(items.len());
    let next = (end < items.len()).then(|| format!("page-{end}"));
    Ok((
        items.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}

fn drift(w: &mut Writer, element: &str) {
    w.open("DriftInformation");
    w.leaf(element, "NOT_CHECKED");
    w.close("DriftInformation");
}

/// One `Stack` member.
pub fn stack(w: &mut Writer, s: &Stack) {
    w.leaf("StackId", &s.id);
    w.leaf("StackName", &s.name);
    w.opt_leaf("Description", s.template.description.as_deref());
    w.members("Parameters", s.shown_parameters(), |w, (k, v, resolved)| {
        w.leaf("ParameterKey", &k);
        w.leaf("ParameterValue", &v);
        w.opt_leaf("ResolvedValue", resolved.as_deref());
    });
    w.leaf("CreationTime", &s.creation_time.iso8601_millis());
    w.opt_leaf(
        "LastUpdatedTime",
        s.last_updated_time.map(|t| t.iso8601_millis()).as_deref(),
    );
    w.opt_leaf(
        "DeletionTime",
        s.deletion_time.map(|t| t.iso8601_millis()).as_deref(),
    );
    w.leaf("StackStatus", s.status.as_str());
    w.opt_leaf("StackStatusReason", s.status_reason.as_deref());
    w.leaf(
        "DisableRollback",
        if s.on_failure == OnFailure::DoNothing {
            "true"
        } else {
            "false"
        },
    );
    w.members("NotificationARNs", &s.notification_arns, |w, a| {
        w.raw(&escape(a))
    });
    w.opt_leaf(
        "TimeoutInMinutes",
        s.timeout_in_minutes.map(|t| t.to_string()).as_deref(),
    );
    w.members("Capabilities", &s.capabilities, |w, c| w.raw(&escape(c)));
    w.members("Outputs", &s.outputs, |w, o| {
        w.leaf("OutputKey", &o.key);
        w.leaf("OutputValue", &o.value);
        w.opt_leaf("Description", o.description.as_deref());
        w.opt_leaf("ExportName", o.export_name.as_deref());
    });
    w.opt_leaf("RoleARN", s.role_arn.as_deref());
    w.members("Tags", &s.tags, |w, (k, v)| {
        w.leaf("Key", k);
        w.leaf("Value", v);
    });
    w.leaf(
        "EnableTerminationProtection",
        if s.termination_protection {
            "true"
        } else {
            "false"
        },
    );
    drift(w, "StackDriftStatus");
}

/// Text escaped for XML (for list members written without an element of their own).
fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// One `StackSummary` member.
pub fn stack_summary(w: &mut Writer, s: &Stack) {
    w.leaf("StackId", &s.id);
    w.leaf("StackName", &s.name);
    w.opt_leaf("TemplateDescription", s.template.description.as_deref());
    w.leaf("CreationTime", &s.creation_time.iso8601_millis());
    w.opt_leaf(
        "LastUpdatedTime",
        s.last_updated_time.map(|t| t.iso8601_millis()).as_deref(),
    );
    w.opt_leaf(
        "DeletionTime",
        s.deletion_time.map(|t| t.iso8601_millis()).as_deref(),
    );
    w.leaf("StackStatus", s.status.as_str());
    w.opt_leaf("StackStatusReason", s.status_reason.as_deref());
    drift(w, "StackDriftStatus");
}

/// One `StackEvent` member.
pub fn event(w: &mut Writer, s: &Stack, e: &Event) {
    w.leaf("StackId", &s.id);
    w.leaf("EventId", &e.id);
    w.leaf("StackName", &s.name);
    w.leaf("LogicalResourceId", &e.logical_id);
    w.leaf("PhysicalResourceId", &e.physical_id);
    w.leaf("ResourceType", &e.kind);
    w.leaf("Timestamp", &e.timestamp.iso8601_millis());
    w.leaf("ResourceStatus", &e.status);
    w.opt_leaf("ResourceStatusReason", e.reason.as_deref());
    w.opt_leaf("ResourceProperties", e.properties.as_deref());
}

/// One `StackResource` member (DescribeStackResources).
pub fn stack_resource(w: &mut Writer, s: &Stack, r: &Resource) {
    w.leaf("StackName", &s.name);
    w.leaf("StackId", &s.id);
    w.leaf("LogicalResourceId", &r.logical_id);
    w.opt_leaf("PhysicalResourceId", r.physical_id.as_deref());
    w.leaf("ResourceType", &r.kind);
    w.leaf("Timestamp", &r.updated.iso8601_millis());
    w.leaf("ResourceStatus", r.status.as_str());
    w.opt_leaf("ResourceStatusReason", r.status_reason.as_deref());
    drift(w, "StackResourceDriftStatus");
}

/// The `StackResourceDetail` of DescribeStackResource.
pub fn stack_resource_detail(w: &mut Writer, s: &Stack, r: &Resource) {
    w.leaf("StackName", &s.name);
    w.leaf("StackId", &s.id);
    w.leaf("LogicalResourceId", &r.logical_id);
    w.opt_leaf("PhysicalResourceId", r.physical_id.as_deref());
    w.leaf("ResourceType", &r.kind);
    w.leaf("LastUpdatedTimestamp", &r.updated.iso8601_millis());
    w.leaf("ResourceStatus", r.status.as_str());
    w.opt_leaf("ResourceStatusReason", r.status_reason.as_deref());
    drift(w, "StackResourceDriftStatus");
}

/// One `StackResourceSummary` member (ListStackResources).
pub fn stack_resource_summary(w: &mut Writer, r: &Resource) {
    w.leaf("LogicalResourceId", &r.logical_id);
    w.opt_leaf("PhysicalResourceId", r.physical_id.as_deref());
    w.leaf("ResourceType", &r.kind);
    w.leaf("LastUpdatedTimestamp", &r.updated.iso8601_millis());
    w.leaf("ResourceStatus", r.status.as_str());
    w.opt_leaf("ResourceStatusReason", r.status_reason.as_deref());
    drift(w, "StackResourceDriftStatus");
}

/// One `Export` member.
pub fn export(w: &mut Writer, name: &str, e: &Export) {
    w.leaf("ExportingStackId", &e.stack_id);
    w.leaf("Name", name);
    w.leaf("Value", &e.value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(form: &str) -> QueryRequest {
        QueryRequest::from_form(form.as_bytes())
    }

    #[test]
    fn create_stack_input_decodes_parameters_tags_and_failure_mode() {
        let new = new_stack(&req(
            "StackName=s&TemplateBody=x&Parameters.member.1.ParameterKey=A&Parameters.member.1.ParameterValue=1\
             &Tags.member.1.Key=k&Tags.member.1.Value=v&Capabilities.member.1=CAPABILITY_IAM&DisableRollback=true\
             &EnableTerminationProtection=true",
        ))
        .unwrap();
        assert_eq!(new.parameters, [("A".to_owned(), "1".to_owned())]);
        assert_eq!(new.tags, [("k".to_owned(), "v".to_owned())]);
        assert_eq!(new.capabilities, ["CAPABILITY_IAM"]);
        assert_eq!(new.on_failure, OnFailure::DoNothing);
        assert!(new.termination_protection);
        assert_eq!(
            new_stack(&req("StackName=s&TemplateBody=x&OnFailure=DELETE"))
                .unwrap()
                .on_failure,
            OnFailure::Delete
        );
        assert_eq!(
            new_stack(&req("StackName=s")).unwrap_err(),
            CfnError::NoTemplate
        );
        assert_eq!(
            new_stack(&req("TemplateBody=x")).unwrap_err().to_string(),
            "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must not be null"
        );
        assert_eq!(
            new_stack(&req(
                "StackName=s&TemplateBody=x&OnFailure=DELETE&DisableRollback=true"
            ))
            .unwrap_err(),
            CfnError::RollbackAndOnFailure
        );
        assert_eq!(
            new_stack(&req("StackName=s&TemplateBody=x&OnFailure=NOPE"))
                .unwrap_err()
                .to_string(),
            "1 validation error detected: Value 'NOPE' at 'onFailure' failed to satisfy constraint: Member must satisfy enum value set: [DO_NOTHING, ROLLBACK, DELETE]"
        );
        assert_eq!(
            new_stack(&req("StackName=s&TemplateURL=https://x")).unwrap_err(),
            CfnError::TemplateUrl
        );
    }

    #[test]
    fn update_input_keeps_previous_values_and_tags_unless_given() {
        let u = stack_update(&req(
            "StackName=s&UsePreviousTemplate=true&Parameters.member.1.ParameterKey=A&Parameters.member.1.UsePreviousValue=true",
        ))
        .unwrap();
        assert_eq!(u.template_body, None);
        assert_eq!(u.use_previous, ["A"]);
        assert_eq!(u.tags, None);
        assert_eq!(
            stack_update(&req("StackName=s")).unwrap_err(),
            CfnError::NoTemplate
        );
    }

    #[test]
    fn pages_hand_out_tokens_until_the_end() {
        let items: Vec<u32> = (0..250).collect();
        let (first, token) = page(items.clone(), None).unwrap();
        assert_eq!(first.len(), 100);
        assert_eq!(token.as_deref(), Some("page-100"));
        let (_, token) = page(items.clone(), token.as_deref()).unwrap();
        let (last, token) = page(items.clone(), token.as_deref()).unwrap();
        assert_eq!(last, (200..250).collect::<Vec<_>>());
        assert_eq!(token, None);
        assert_eq!(
            page(items, Some("bogus")).unwrap_err(),
            CfnError::InvalidNextToken("bogus".into())
        );
    }
}
