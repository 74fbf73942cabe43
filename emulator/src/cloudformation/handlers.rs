//! CloudFormation handlers: query parameters in, model call under the world lock, XML out. Thin by
//! design; the rules live in `model.rs` and `template.rs`. API reference:
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/>.

use std::collections::{BTreeMap, BTreeSet};

use super::dto;
use super::error::CfnError;
use super::model::{CfnRegion, StackStatus};
use super::resources;
use super::template::Template;
use crate::clock::Timestamp;
use crate::faults::Faults;
use crate::state::{Emulator, Env};
use crate::wire::query::QueryRequest;
use crate::wire::xml::Writer;
use crate::wire::{QueryResult, RequestContext};

/// One request's inputs.
pub struct Req<'a> {
    pub emu: &'a Emulator,
    pub ctx: &'a RequestContext,
    pub query: &'a QueryRequest,
}

impl Req<'_> {
    fn env(&self, now: Timestamp) -> Env<'_> {
        Env {
            now,
            timing: self.emu.timing(),
            account: &self.ctx.account,
            region: &self.ctx.region,
        }
    }

    /// Runs `f` on this region's CloudFormation store.
    fn cfn<R>(&self, f: impl FnOnce(&mut CfnRegion, &mut crate::ids::IdGen, Env<'_>) -> R) -> R {
        self.emu.with_world(|world, now| {
            let (ids, region) = world.region(&self.ctx.account, &self.ctx.region);
            f(&mut region.cloudformation, ids, self.env(now))
        })
    }

    /// Runs `f` on this region's CloudFormation store with the injected faults (for the
    /// operations that start a create or a delete).
    fn cfn_with_faults<R>(
        &self,
        f: impl FnOnce(&mut CfnRegion, &mut crate::ids::IdGen, &mut Faults, Env<'_>) -> R,
    ) -> R {
        self.emu.with_world(|world, now| {
            let scope = world.scope(&self.ctx.account, &self.ctx.region);
            f(
                &mut scope.region.cloudformation,
                scope.ids,
                scope.faults,
                self.env(now),
            )
        })
    }
}

fn xml(write: impl FnOnce(&mut Writer)) -> QueryResult {
    let mut w = Writer::new();
    write(&mut w);
    Ok(Some(w.finish()))
}

/// [CreateStack](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html)
pub fn create_stack(req: &Req<'_>) -> QueryResult {
    let new = dto::new_stack(req.query)?;
    let id = req.cfn_with_faults(|cfn, ids, faults, env| {
        cfn.create_stack(&env, ids, faults, new)
            .map(|s| s.id.clone())
    })?;
    xml(|w| w.leaf("StackId", &id))
}

/// [UpdateStack](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateStack.html)
pub fn update_stack(req: &Req<'_>) -> QueryResult {
    let update = dto::stack_update(req.query)?;
    let id = req.cfn(|cfn, ids, env| cfn.update_stack(&env, ids, update).map(|s| s.id.clone()))?;
    xml(|w| w.leaf("StackId", &id))
}

/// [DeleteStack](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DeleteStack.html)
pub fn delete_stack(req: &Req<'_>) -> QueryResult {
    let name = dto::required(req.query, "StackName")?;
    req.cfn_with_faults(|cfn, ids, faults, env| cfn.delete_stack(&env, ids, faults, name))?;
    Ok(None)
}

/// [DescribeStacks](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html)
pub fn describe_stacks(req: &Req<'_>) -> QueryResult {
    let name = req.query.get("StackName");
    req.cfn(|cfn, _, _| {
        let stacks: Vec<_> = match name {
            Some(name) => vec![cfn.stack(name)?],
            None => cfn
                .stacks
                .iter()
                .rev()
                .filter(|s| s.status != StackStatus::DeleteComplete)
                .collect(),
        };
        let (stacks, next) = dto::page(stacks, req.query.get("NextToken"))?;
        xml(|w| {
            w.members("Stacks", stacks, dto::stack);
            w.opt_leaf("NextToken", next.as_deref());
        })
    })
}

/// [ListStacks](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStacks.html)
pub fn list_stacks(req: &Req<'_>) -> QueryResult {
    // Every value the API accepts, including statuses this emulator never produces (REVIEW_IN_PROGRESS,
    // IMPORT_*): those are valid filters that simply match nothing.
    const STACK_STATUS_FILTER_VALUES: &str = "CREATE_IN_PROGRESS, CREATE_FAILED, CREATE_COMPLETE, ROLLBACK_IN_PROGRESS, ROLLBACK_FAILED, ROLLBACK_COMPLETE, DELETE_IN_PROGRESS, DELETE_FAILED, DELETE_COMPLETE, UPDATE_IN_PROGRESS, UPDATE_COMPLETE_CLEANUP_IN_PROGRESS, UPDATE_COMPLETE, UPDATE_FAILED, UPDATE_ROLLBACK_IN_PROGRESS, UPDATE_ROLLBACK_FAILED, UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS, UPDATE_ROLLBACK_COMPLETE, REVIEW_IN_PROGRESS, IMPORT_IN_PROGRESS, IMPORT_COMPLETE, IMPORT_ROLLBACK_IN_PROGRESS, IMPORT_ROLLBACK_FAILED, IMPORT_ROLLBACK_COMPLETE";
    let mut filter = BTreeSet::new();
    for value in req.query.list("StackStatusFilter.member") {
        if !STACK_STATUS_FILTER_VALUES
            .split(", ")
            .any(|allowed| allowed == value)
        {
            return Err(CfnError::NotInEnum {
                value,
                field: "stackStatusFilter",
                allowed: STACK_STATUS_FILTER_VALUES,
            }
            .into());
        }
        filter.insert(value);
    }
    req.cfn(|cfn, _, _| {
        let stacks: Vec<_> = cfn
            .stacks
            .iter()
            .rev()
            .filter(|s| filter.is_empty() || filter.contains(s.status.as_str()))
            .collect();
        let (stacks, next) = dto::page(stacks, req.query.get("NextToken"))?;
        xml(|w| {
            w.members("StackSummaries", stacks, dto::stack_summary);
            w.opt_leaf("NextToken", next.as_deref());
        })
    })
}

/// [DescribeStackEvents](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackEvents.html):
/// newest first.
pub fn describe_stack_events(req: &Req<'_>) -> QueryResult {
    let name = dto::required(req.query, "StackName")?;
    req.cfn(|cfn, _, _| {
        let stack = cfn
            .find(name)
            .ok_or_else(|| CfnError::StackEventsNotFound(name.to_owned()))?;
        let events: Vec<_> = stack.events.iter().rev().collect();
        let (events, next) = dto::page(events, req.query.get("NextToken"))?;
        xml(|w| {
            w.members("StackEvents", events, |w, e| dto::event(w, stack, e));
            w.opt_leaf("NextToken", next.as_deref());
        })
    })
}

/// [DescribeStackResources](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResources.html)
pub fn describe_stack_resources(req: &Req<'_>) -> QueryResult {
    let logical = req.query.get("LogicalResourceId");
    req.cfn(|cfn, _, _| {
        let stack = match (
            req.query.get("StackName"),
            req.query.get("PhysicalResourceId"),
        ) {
            (Some(name), _) => cfn.stack(name)?,
            (None, Some(physical)) => cfn
                .stacks
                .iter()
                .rev()
                .find(|s| {
                    s.resources
                        .values()
                        .any(|r| r.physical_id.as_deref() == Some(physical))
                })
                .ok_or_else(|| CfnError::PhysicalIdNotFound(physical.to_owned()))?,
            (None, None) => return Err(CfnError::NoStackOrPhysicalId.into()),
        };
        let resources = stack
            .resources
            .values()
            .filter(|r| logical.is_none_or(|l| r.logical_id == l));
        xml(|w| {
            w.members("StackResources", resources, |w, r| {
                dto::stack_resource(w, stack, r)
            })
        })
    })
}

/// [DescribeStackResource](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStackResource.html)
pub fn describe_stack_resource(req: &Req<'_>) -> QueryResult {
    let name = dto::required(req.query, "StackName")?;
    let logical = dto::required(req.query, "LogicalResourceId")?;
    req.cfn(|cfn, _, _| {
        let stack = cfn.stack(name)?;
        let resource = stack
            .resources
            .get(logical)
            .ok_or_else(|| CfnError::ResourceNotFound {
                logical_id: logical.to_owned(),
                stack: name.to_owned(),
            })?;
        xml(|w| {
            w.open("StackResourceDetail");
            dto::stack_resource_detail(w, stack, resource);
            w.close("StackResourceDetail");
        })
    })
}

/// [ListStackResources](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListStackResources.html)
pub fn list_stack_resources(req: &Req<'_>) -> QueryResult {
    let name = dto::required(req.query, "StackName")?;
    req.cfn(|cfn, _, _| {
        let stack = cfn.stack(name)?;
        let resources: Vec<_> = stack.resources.values().collect();
        let (resources, next) = dto::page(resources, req.query.get("NextToken"))?;
        xml(|w| {
            w.members(
                "StackResourceSummaries",
                resources,
                dto::stack_resource_summary,
            );
            w.opt_leaf("NextToken", next.as_deref());
        })
    })
}

/// [GetTemplate](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html)
pub fn get_template(req: &Req<'_>) -> QueryResult {
    let name = dto::required(req.query, "StackName")?;
    req.cfn(|cfn, _, _| {
        let stack = cfn.stack(name)?;
        xml(|w| {
            w.leaf("TemplateBody", &stack.template_body);
            w.members("StagesAvailable", ["Original", "Processed"], |w, s| {
                w.raw(s);
            });
        })
    })
}

/// [ValidateTemplate](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ValidateTemplate.html):
/// structure, references and cycles (every conditional resource counted), and the capabilities
/// the IAM resources need.
pub fn validate_template(req: &Req<'_>) -> QueryResult {
    let body = dto::template_body(req.query)?.ok_or(CfnError::NoTemplate)?;
    let template = Template::parse(&body).map_err(CfnError::from)?;
    let all_true: BTreeMap<String, bool> = template
        .conditions
        .keys()
        .map(|k| (k.clone(), true))
        .collect();
    template.dependencies(&all_true).map_err(CfnError::from)?;
    let capability = resources::required_capability(&template);
    xml(|w| {
        w.members("Parameters", &template.parameters, |w, (name, decl)| {
            w.leaf("ParameterKey", name);
            w.opt_leaf("DefaultValue", decl.default.as_deref());
            w.leaf("NoEcho", if decl.no_echo { "true" } else { "false" });
            w.opt_leaf("Description", decl.description.as_deref());
        });
        w.opt_leaf("Description", template.description.as_deref());
        w.members("Capabilities", capability.iter(), |w, (c, _)| w.raw(c));
        if let Some((_, types)) = &capability {
            w.leaf(
                "CapabilitiesReason",
                &format!(
                    "The following resource(s) require capabilities: [{}]",
                    types.join(", ")
                ),
            );
        }
        w.members("DeclaredTransforms", std::iter::empty::<&str>(), |w, t| {
            w.raw(t)
        });
    })
}

/// [ListExports](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListExports.html)
pub fn list_exports(req: &Req<'_>) -> QueryResult {
    req.cfn(|cfn, _, _| {
        let exports: Vec<_> = cfn.exports.iter().collect();
        let (exports, next) = dto::page(exports, req.query.get("NextToken"))?;
        xml(|w| {
            w.members("Exports", exports, |w, (name, e)| dto::export(w, name, e));
            w.opt_leaf("NextToken", next.as_deref());
        })
    })
}

/// [ListImports](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_ListImports.html)
pub fn list_imports(req: &Req<'_>) -> QueryResult {
    let export = dto::required(req.query, "ExportName")?;
    req.cfn(|cfn, _, _| {
        let importers = cfn.importers(export);
        if importers.is_empty() {
            return Err(CfnError::NotImported(export.to_owned()).into());
        }
        let (importers, next) = dto::page(importers, req.query.get("NextToken"))?;
        xml(|w| {
            w.members("Imports", importers, |w, name| {
                w.raw(&quick_xml::escape::escape(name.as_str()));
            });
            w.opt_leaf("NextToken", next.as_deref());
        })
    })
}

/// [UpdateTerminationProtection](https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_UpdateTerminationProtection.html)
pub fn update_termination_protection(req: &Req<'_>) -> QueryResult {
    let name = dto::required(req.query, "StackName")?;
    let enabled = req
        .query
        .get_bool("EnableTerminationProtection")
        .ok_or(CfnError::Missing("enableTerminationProtection"))?;
    let id = req.cfn(|cfn, _, _| {
        cfn.set_termination_protection(name, enabled)
            .map(|s| s.id.clone())
    })?;
    xml(|w| w.leaf("StackId", &id))
}
