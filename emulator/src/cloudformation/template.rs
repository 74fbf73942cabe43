//! The template engine: parsing a body (JSON, or YAML with the short forms `!Ref`, `!GetAtt a.b`,
//! `!Sub`, …) into one JSON tree, checking its structure the way CloudFormation does, resolving
//! parameters, conditions and every intrinsic function, and working out the order resources must be
//! created in (refs, `Fn::GetAtt`, `Fn::Sub` variables, `DependsOn`; cycles refused).
//!
//! Templates are JSON documents, so this module (unlike the models) works on `serde_json::Value`.
//! It knows nothing of stacks, resource types or the wire: what a resource's `Ref` or attribute is
//! comes through [`Resolver`], and exports through the same trait.

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A template that CloudFormation would refuse, or an intrinsic that cannot be evaluated. Each
/// message is CloudFormation's own where it is known (AWS docs, real `ValidationError` outputs);
/// the few marked "chosen here" have no documented wording.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The body is neither JSON nor YAML.
    #[error("Template format error: {format} not well-formed. (line {line}, column {column})")]
    NotWellFormed {
        format: &'static str,
        line: usize,
        column: usize,
    },
    /// The body parses but is not a mapping.
    #[error("Template format error: unsupported structure.")]
    UnsupportedStructure,
    /// A top-level key CloudFormation does not know.
    #[error("Template format error: Invalid template property or properties [{}]", .0.join(", "))]
    InvalidSections(Vec<String>),
    /// No (or empty) `Resources`.
    #[error("Template format error: At least one Resources member must be defined.")]
    NoResources,
    /// A resource without `Type`.
    #[error("Template format error: [/Resources/{0}] Every Resources object must contain a Type member.")]
    ResourceWithoutType(String),
    /// A resource attribute CloudFormation does not know (`Propertie`).
    #[error("Template format error: Invalid template resource property '{0}'")]
    InvalidResourceAttribute(String),
    /// A type that cannot be an AWS resource type.
    #[error("Template format error: Unrecognized resource types: [{}]", .0.join(", "))]
    UnrecognizedTypes(Vec<String>),
    /// A parameter without `Type`.
    #[error("Template format error: Every Parameters object must contain a Type member.")]
    ParameterWithoutType,
    /// A parameter type CloudFormation does not know.
    #[error("Template format error: Unrecognized parameter type: {0}")]
    UnrecognizedParameterType(String),
    /// A parameter attribute CloudFormation does not know.
    #[error("Template format error: Invalid template parameter property '{0}'")]
    InvalidParameterAttribute(String),
    /// An output without `Value`.
    #[error("Template format error: Every Outputs member must contain a Value object")]
    OutputWithoutValue,
    /// `Ref`/`Fn::Sub`/`DependsOn` naming nothing in the template (or a resource excluded by its
    /// condition).
    #[error("Template format error: Unresolved resource dependencies [{}] in the {block} block of the template", .names.join(", "))]
    UnresolvedDependencies {
        names: Vec<String>,
        block: &'static str,
    },
    /// A condition that refers to a resource.
    #[error("Template format error: Unresolved dependencies [{}]. Cannot reference resources in the Conditions block of the template", .0.join(", "))]
    ResourceInConditions(Vec<String>),
    /// A condition name that is not declared.
    #[error("Template format error: Unresolved condition dependencies [{}] in the {block} block of the template", .names.join(", "))]
    UnresolvedConditions {
        names: Vec<String>,
        block: &'static str,
    },
    /// Conditions that refer to each other in a loop (wording chosen here after the resources one).
    #[error("Circular dependency between conditions: [{}]", .0.join(", "))]
    CircularConditions(Vec<String>),
    /// Resources that depend on each other in a loop.
    #[error("Circular dependency between resources: [{}]", .0.join(", "))]
    CircularDependency(Vec<String>),
    /// `Fn::GetAtt` on a resource not in the template.
    #[error("Template error: instance of Fn::GetAtt references undefined resource {0}")]
    GetAttUndefined(String),
    /// `Fn::GetAtt` on an attribute the resource type does not have.
    #[error("Template error: resource {resource} does not support attribute type {attribute} in Fn::GetAtt")]
    GetAttUnsupported { resource: String, attribute: String },
    /// An attribute that exists but has no value (yet) on this resource (wording chosen here).
    #[error("Template error: attribute {attribute} of resource {resource} has no value")]
    GetAttUnavailable { resource: String, attribute: String },
    /// `Fn::If` naming an undeclared condition.
    #[error("Template error: unresolved condition dependency {0} in Fn::If")]
    UnresolvedIfCondition(String),
    /// A malformed intrinsic function: CloudFormation's "every Fn::X object requires …" texts.
    #[error("Template error: {0}")]
    BadFunction(String),
    /// `Fn::FindInMap` keys that are not in the mapping.
    #[error("Template error: Unable to get mapping for {0}")]
    MappingNotFound(String),
    /// `Fn::Select` past the end of its list.
    #[error("Template error: Fn::Select cannot select nonexistent value at index {0}")]
    SelectOutOfRange(i64),
    /// `Fn::ImportValue` of a name no stack in the region exports.
    #[error("No export named {0} found")]
    NoExport(String),
    /// Parameter values given for names the template does not declare.
    #[error("Parameters: [{}] do not exist in the template", .0.join(", "))]
    UnknownParameters(Vec<String>),
    /// Parameters without a value or a default.
    #[error("Parameters: [{}] must have values", .0.join(", "))]
    MissingParameters(Vec<String>),
    /// A value outside `AllowedValues`.
    #[error("Parameter '{0}' must be one of AllowedValues")]
    NotAllowed(String),
    /// A `Number` parameter whose value is not a number.
    #[error("Parameter '{0}' must be a number")]
    NotANumber(String),
    /// `AWS::SSM::Parameter::Value<…>` parameters naming no SSM parameter (real CloudFormation text).
    #[error("Unable to fetch parameters [{}] from parameter store for this account.", .0.join(","))]
    UnfetchableParameters(Vec<String>),
    /// A value outside `MinLength`/`MaxLength`/`MinValue`/`MaxValue`.
    #[error("Parameter '{name}' {constraint}")]
    Constraint { name: String, constraint: String },
    /// `Transform` (SAM, macros) is out of scope (wording chosen here).
    #[error("Template format error: Transforms are not supported by this emulator: {0}")]
    Transform(String),
}

/// The values every template may `Ref` without declaring them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pseudo {
    /// `AWS::StackName`.
    pub stack_name: String,
    /// `AWS::StackId`.
    pub stack_id: String,
    /// `AWS::Region`.
    pub region: String,
    /// `AWS::AccountId`.
    pub account: String,
}

impl Pseudo {
    /// `AWS::Partition`: `aws`, `aws-cn` or `aws-us-gov` by region.
    #[must_use]
    pub fn partition(&self) -> &'static str {
        partition_of(&self.region)
    }

    /// `AWS::URLSuffix`.
    #[must_use]
    pub fn url_suffix(&self) -> &'static str {
        if self.region.starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        }
    }

    /// The value of a pseudo parameter, `None` for names that are not one (and for `AWS::NoValue`,
    /// which the evaluator handles).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<Value> {
        Some(match name {
            "AWS::StackName" => Value::String(self.stack_name.clone()),
            "AWS::StackId" => Value::String(self.stack_id.clone()),
            "AWS::Region" => Value::String(self.region.clone()),
            "AWS::AccountId" => Value::String(self.account.clone()),
            "AWS::Partition" => Value::String(self.partition().to_owned()),
            "AWS::URLSuffix" => Value::String(self.url_suffix().to_owned()),
            "AWS::NotificationARNs" => Value::Array(Vec::new()),
            _ => return None,
        })
    }
}

/// The partition a region belongs to.
#[must_use]
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn is_pseudo(name: &str) -> bool {
    matches!(
        name,
        "AWS::StackName"
            | "AWS::StackId"
            | "AWS::Region"
            | "AWS::AccountId"
            | "AWS::Partition"
            | "AWS::URLSuffix"
            | "AWS::NotificationARNs"
            | "AWS::NoValue"
    )
}

/// The availability zones `Fn::GetAZs` lists for a region (those an account typically sees).
#[must_use]
pub fn availability_zones(region: &str) -> Vec<String> {
    let letters: &[&str] = match region {
        "us-east-1" => &["a", "b", "c", "d", "e", "f"],
        "us-west-1" => &["a", "c"],
        "ap-northeast-1" => &["a", "c", "d"],
        _ => &["a", "b", "c"],
    };
    letters.iter().map(|l| format!("{region}{l}")).collect()
}

/// One declared parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterDecl {
    /// `Type` (`String`, `Number`, `CommaDelimitedList`, `List<AWS::EC2::Subnet::Id>`, …).
    pub kind: String,
    /// `Default`, as a string.
    pub default: Option<String>,
    /// `AllowedValues`.
    pub allowed_values: Vec<String>,
    /// `NoEcho`: shown as `****`.
    pub no_echo: bool,
    /// `Description`.
    pub description: Option<String>,
    /// `MinLength`.
    pub min_length: Option<u64>,
    /// `MaxLength`.
    pub max_length: Option<u64>,
    /// `MinValue`.
    pub min_value: Option<f64>,
    /// `MaxValue`.
    pub max_value: Option<f64>,
}

impl ParameterDecl {
    /// Whether the value is the name of an SSM parameter whose value `Ref` gives
    /// (`AWS::SSM::Parameter::Value<…>`).
    #[must_use]
    pub fn is_ssm(&self) -> bool {
        self.kind.starts_with("AWS::SSM::Parameter::Value<")
    }

    /// Whether `Ref` gives a list (`CommaDelimitedList`, `List<…>`).
    #[must_use]
    pub fn is_list(&self) -> bool {
        self.kind == "CommaDelimitedList" || self.kind.starts_with("List<")
    }

    /// Checks a value against the declared type and constraints.
    fn check(&self, name: &str, value: &str) -> Result<(), TemplateError> {
        if !self.allowed_values.is_empty() && !self.allowed_values.iter().any(|a| a == value) {
            return Err(TemplateError::NotAllowed(name.to_owned()));
        }
        let constraint = |c: String| TemplateError::Constraint {
            name: name.to_owned(),
            constraint: c,
        };
        let len = value.chars().count() as u64;
        if let Some(min) = self.min_length.filter(|m| len < *m) {
            return Err(constraint(format!(
                "must contain at least {min} characters"
            )));
        }
        if let Some(max) = self.max_length.filter(|m| len > *m) {
            return Err(constraint(format!("cannot exceed {max} characters")));
        }
        let numbers: Vec<&str> = match self.kind.as_str() {
            "Number" => vec![value],
            "List<Number>" => value.split(',').map(str::trim).collect(),
            _ => return Ok(()),
        };
        for n in numbers {
            let n: f64 = n
                .parse()
                .map_err(|_| TemplateError::NotANumber(name.to_owned()))?;
            if let Some(min) = self.min_value.filter(|m| n < *m) {
                return Err(constraint(format!("must be a number not less than {min}")));
            }
            if let Some(max) = self.max_value.filter(|m| n > *m) {
                return Err(constraint(format!(
                    "must be a number not greater than {max}"
                )));
            }
        }
        Ok(())
    }
}

/// One declared resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceDecl {
    /// `Type`.
    pub kind: String,
    /// `Properties` as written (intrinsics unresolved); `{}` when absent.
    pub properties: Value,
    /// `DependsOn`.
    pub depends_on: Vec<String>,
    /// `Condition`.
    pub condition: Option<String>,
    /// `DeletionPolicy` (`Delete`, `Retain`, `Snapshot`).
    pub deletion_policy: Option<String>,
}

/// One declared output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputDecl {
    /// `Value`.
    pub value: Value,
    /// `Description`.
    pub description: Option<Value>,
    /// `Export.Name`.
    pub export_name: Option<Value>,
    /// `Condition`.
    pub condition: Option<String>,
}

/// A parsed and structurally valid template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Template {
    /// The whole document, short forms expanded.
    pub root: Value,
    /// `Description`.
    pub description: Option<String>,
    /// `Parameters`, by name.
    pub parameters: BTreeMap<String, ParameterDecl>,
    /// `Mappings`.
    pub mappings: Map<String, Value>,
    /// `Conditions`, by name.
    pub conditions: BTreeMap<String, Value>,
    /// `Resources`, by logical id.
    pub resources: BTreeMap<String, ResourceDecl>,
    /// `Outputs`, by name.
    pub outputs: BTreeMap<String, OutputDecl>,
}

const SECTIONS: &[&str] = &[
    "AWSTemplateFormatVersion",
    "Description",
    "Metadata",
    "Parameters",
    "Rules",
    "Mappings",
    "Conditions",
    "Transform",
    "Resources",
    "Outputs",
    "Hooks",
];

const RESOURCE_ATTRIBUTES: &[&str] = &[
    "Type",
    "Properties",
    "DependsOn",
    "Condition",
    "DeletionPolicy",
    "UpdateReplacePolicy",
    "Metadata",
    "CreationPolicy",
    "UpdatePolicy",
    "Description",
];

const PARAMETER_ATTRIBUTES: &[&str] = &[
    "Type",
    "Default",
    "AllowedValues",
    "AllowedPattern",
    "ConstraintDescription",
    "Description",
    "MaxLength",
    "MaxValue",
    "MinLength",
    "MinValue",
    "NoEcho",
];

/// Parses a template body: JSON when it starts with `{`, YAML otherwise, with YAML's short-form
/// tags turned into their JSON long forms (`!GetAtt a.b` → `{"Fn::GetAtt": ["a", "b"]}`).
pub fn parse_body(body: &str) -> Result<Value, TemplateError> {
    if body.trim_start().starts_with('{') {
        return serde_json::from_str(body).map_err(|e| TemplateError::NotWellFormed {
            format: "JSON",
            line: e.line(),
            column: e.column(),
        });
    }
    let yaml: yaml_serde::Value = yaml_serde::from_str(body).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        TemplateError::NotWellFormed {
            format: "YAML",
            line,
            column,
        }
    })?;
    yaml_to_json(yaml)
}

fn yaml_to_json(value: yaml_serde::Value) -> Result<Value, TemplateError> {
    use yaml_serde::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(yaml_to_json)
                .collect::<Result<_, _>>()?,
        ),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Bool(b) => b.to_string(),
                    Y::Number(n) => n.to_string(),
                    Y::Null => "null".to_owned(),
                    _ => return Err(TemplateError::UnsupportedStructure),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let inner = yaml_to_json(tagged.value)?;
            let (key, arg) = match name {
                "Ref" => ("Ref".to_owned(), inner),
                "Condition" => ("Condition".to_owned(), inner),
                "GetAtt" => {
                    let arg = match inner {
                        Value::String(s) => match s.split_once('.') {
                            Some((res, attr)) => Value::Array(vec![res.into(), attr.into()]),
                            None => Value::String(s),
                        },
                        other => other,
                    };
                    ("Fn::GetAtt".to_owned(), arg)
                }
                "Sub" | "Join" | "Split" | "Select" | "FindInMap" | "ImportValue" | "GetAZs"
                | "Cidr" | "If" | "Equals" | "And" | "Or" | "Not" | "Base64" => {
                    (format!("Fn::{name}"), inner)
                }
                _ => {
                    return Err(TemplateError::BadFunction(format!(
                        "unknown YAML tag !{name}"
                    )))
                }
            };
            let mut out = Map::new();
            out.insert(key, arg);
            Value::Object(out)
        }
    })
}

fn string_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(string_of).collect(),
        Some(other) => string_of(other).into_iter().collect(),
        None => Vec::new(),
    }
}

fn is_valid_type_name(kind: &str) -> bool {
    let parts: Vec<&str> = kind.split("::").collect();
    let well_formed = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
    match parts.first() {
        Some(&"Custom") => parts.len() == 2 && !parts[1].is_empty(),
        Some(_) => parts.len() == 3 && parts.iter().all(well_formed),
        None => false,
    }
}

impl Template {
    /// Parses and checks a body.
    pub fn parse(body: &str) -> Result<Self, TemplateError> {
        Self::from_value(parse_body(body)?)
    }

    /// Checks a parsed document's structure and references.
    pub fn from_value(root: Value) -> Result<Self, TemplateError> {
        let Value::Object(top) = &root else {
            return Err(TemplateError::UnsupportedStructure);
        };
        let unknown: Vec<String> = top
            .keys()
            .filter(|k| !SECTIONS.contains(&k.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(TemplateError::InvalidSections(unknown));
        }
        if let Some(transform) = top.get("Transform") {
            return Err(TemplateError::Transform(
                string_of(transform).unwrap_or_else(|| transform.to_string()),
            ));
        }
        let parameters = parse_parameters(top.get("Parameters"))?;
        let resources = parse_resources(top.get("Resources"))?;
        let outputs = parse_outputs(top.get("Outputs"))?;
        let conditions: BTreeMap<String, Value> = match top.get("Conditions") {
            Some(Value::Object(c)) => c.clone().into_iter().collect(),
            _ => BTreeMap::new(),
        };
        let mappings = match top.get("Mappings") {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        };
        let template = Self {
            description: top.get("Description").and_then(string_of),
            root,
            parameters,
            mappings,
            conditions,
            resources,
            outputs,
        };
        template.check_references()?;
        Ok(template)
    }

    fn check_references(&self) -> Result<(), TemplateError> {
        // Conditions: they may name parameters, pseudo parameters and other conditions only.
        let mut in_conditions = BTreeSet::new();
        for cond in self.conditions.values() {
            let mut refs = References::default();
            refs.collect(cond);
            in_conditions.extend(
                refs.refs
                    .into_iter()
                    .filter(|r| !is_pseudo(r) && !self.parameters.contains_key(r.as_str())),
            );
            self.check_condition_names(&refs.conditions, "Conditions")?;
        }
        if !in_conditions.is_empty() {
            return Err(TemplateError::ResourceInConditions(
                in_conditions.into_iter().collect(),
            ));
        }
        let mut missing = BTreeSet::new();
        for (id, res) in &self.resources {
            let mut refs = References::default();
            refs.collect(&res.properties);
            for dep in &res.depends_on {
                if !self.resources.contains_key(dep) {
                    missing.insert(dep.clone());
                }
            }
            for name in refs.refs.iter().chain(refs.sub_names.iter()) {
                if !self.is_ref_target(name) {
                    missing.insert(name.clone());
                }
            }
            for (target, _) in &refs.get_atts {
                if !self.resources.contains_key(target) {
                    return Err(TemplateError::GetAttUndefined(target.clone()));
                }
            }
            self.check_condition_names(&refs.if_conditions, "Resources")?;
            if let Some(c) = &res.condition {
                self.check_condition_names(&BTreeSet::from([c.clone()]), "Resources")?;
            }
            let _ = id;
        }
        if !missing.is_empty() {
            return Err(TemplateError::UnresolvedDependencies {
                names: missing.into_iter().collect(),
                block: "Resources",
            });
        }
        for out in self.outputs.values() {
            let mut refs = References::default();
            refs.collect(&out.value);
            if let Some(name) = &out.export_name {
                refs.collect(name);
            }
            let missing: Vec<String> = refs
                .refs
                .iter()
                .chain(refs.sub_names.iter())
                .filter(|n| !self.is_ref_target(n))
                .cloned()
                .collect();
            if !missing.is_empty() {
                return Err(TemplateError::UnresolvedDependencies {
                    names: missing,
                    block: "Outputs",
                });
            }
            for (target, _) in &refs.get_atts {
                if !self.resources.contains_key(target) {
                    return Err(TemplateError::GetAttUndefined(target.clone()));
                }
            }
            self.check_condition_names(&refs.if_conditions, "Outputs")?;
            if let Some(c) = &out.condition {
                self.check_condition_names(&BTreeSet::from([c.clone()]), "Outputs")?;
            }
        }
        Ok(())
    }

    fn check_condition_names(
        &self,
        names: &BTreeSet<String>,
        block: &'static str,
    ) -> Result<(), TemplateError> {
        let missing: Vec<String> = names
            .iter()
            .filter(|n| !self.conditions.contains_key(n.as_str()))
            .cloned()
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(TemplateError::UnresolvedConditions {
                names: missing,
                block,
            })
        }
    }

    fn is_ref_target(&self, name: &str) -> bool {
        is_pseudo(name) || self.parameters.contains_key(name) || self.resources.contains_key(name)
    }

    /// The value of every parameter: `given` (name, value) pairs, else `previous` values for names
    /// in `use_previous`, else defaults. Checks unknown and missing names, types and constraints.
    pub fn resolve_parameters(
        &self,
        given: &[(String, String)],
        use_previous: &[String],
        previous: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, String>, TemplateError> {
        let unknown: Vec<String> = given
            .iter()
            .map(|(k, _)| k)
            .chain(use_previous.iter())
            .filter(|k| !self.parameters.contains_key(k.as_str()))
            .cloned()
            .collect();
        if !unknown.is_empty() {
            return Err(TemplateError::UnknownParameters(unknown));
        }
        let mut values = BTreeMap::new();
        let mut missing = Vec::new();
        for (name, decl) in &self.parameters {
            let value = given
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| {
                    use_previous
                        .contains(name)
                        .then(|| previous.get(name).cloned())
                        .flatten()
                })
                .or_else(|| decl.default.clone());
            match value {
                Some(v) => {
                    decl.check(name, &v)?;
                    values.insert(name.clone(), v);
                }
                None => missing.push(name.clone()),
            }
        }
        if !missing.is_empty() {
            return Err(TemplateError::MissingParameters(missing));
        }
        Ok(values)
    }

    /// Evaluates every condition.
    pub fn evaluate_conditions(
        &self,
        pseudo: &Pseudo,
        parameters: &BTreeMap<String, String>,
    ) -> Result<BTreeMap<String, bool>, TemplateError> {
        let mut done = BTreeMap::new();
        for name in self.conditions.keys() {
            let mut visiting = Vec::new();
            self.condition_value(name, pseudo, parameters, &mut done, &mut visiting)?;
        }
        Ok(done)
    }

    fn condition_value(
        &self,
        name: &str,
        pseudo: &Pseudo,
        parameters: &BTreeMap<String, String>,
        done: &mut BTreeMap<String, bool>,
        visiting: &mut Vec<String>,
    ) -> Result<bool, TemplateError> {
        if let Some(v) = done.get(name) {
            return Ok(*v);
        }
        if visiting.iter().any(|v| v == name) {
            let mut cycle = visiting.clone();
            cycle.sort();
            return Err(TemplateError::CircularConditions(cycle));
        }
        let expr =
            self.conditions
                .get(name)
                .ok_or_else(|| TemplateError::UnresolvedConditions {
                    names: vec![name.to_owned()],
                    block: "Conditions",
                })?;
        // Evaluate nested `Condition` references first, so that the evaluator finds them done.
        let mut refs = References::default();
        refs.collect(expr);
        visiting.push(name.to_owned());
        for nested in &refs.conditions {
            self.condition_value(nested, pseudo, parameters, done, visiting)?;
        }
        visiting.pop();
        let eval = Evaluator {
            template: self,
            pseudo,
            parameters,
            conditions: done,
            resolver: &NoResources,
        };
        let value = eval.condition(expr)?;
        done.insert(name.to_owned(), value);
        Ok(value)
    }

    /// The resources whose `Condition` holds (all of them when they have none).
    #[must_use]
    pub fn active_resources(&self, conditions: &BTreeMap<String, bool>) -> BTreeSet<String> {
        self.resources
            .iter()
            .filter(|(_, r)| {
                r.condition
                    .as_ref()
                    .is_none_or(|c| conditions.get(c).copied().unwrap_or(false))
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// What each active resource waits for: the active resources it refers to (`Ref`,
    /// `Fn::GetAtt`, `Fn::Sub` variables, `DependsOn`). Refers to an inactive resource only through
    /// an unconditional reference is an error, as in CloudFormation; a cycle is refused.
    pub fn dependencies(
        &self,
        conditions: &BTreeMap<String, bool>,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, TemplateError> {
        let active = self.active_resources(conditions);
        let mut graph = BTreeMap::new();
        let mut unresolved = BTreeSet::new();
        for id in &active {
            let res = &self.resources[id];
            let mut refs = References::with_conditions(conditions);
            refs.collect(&res.properties);
            let mut deps = BTreeSet::new();
            let named = refs
                .refs
                .iter()
                .chain(refs.sub_names.iter())
                .chain(refs.get_atts.iter().map(|(r, _)| r))
                .chain(res.depends_on.iter());
            for name in named {
                if active.contains(name) {
                    deps.insert(name.clone());
                } else if self.resources.contains_key(name) {
                    unresolved.insert(name.clone());
                }
            }
            graph.insert(id.clone(), deps);
        }
        if !unresolved.is_empty() {
            return Err(TemplateError::UnresolvedDependencies {
                names: unresolved.into_iter().collect(),
                block: "Resources",
            });
        }
        let cycle = cycle_members(&graph);
        if !cycle.is_empty() {
            return Err(TemplateError::CircularDependency(cycle));
        }
        Ok(graph)
    }

    /// Every `Fn::GetAtt` (resource, attribute) pair written in the template, for checking
    /// attribute names against the resource types.
    #[must_use]
    pub fn get_atts(&self) -> BTreeSet<(String, String)> {
        let mut refs = References::default();
        for res in self.resources.values() {
            refs.collect(&res.properties);
        }
        for out in self.outputs.values() {
            refs.collect(&out.value);
        }
        refs.get_atts
    }

    /// The `Fn::ImportValue` arguments written anywhere in the resources and outputs.
    #[must_use]
    pub fn imports(&self) -> Vec<Value> {
        let mut refs = References::default();
        for res in self.resources.values() {
            refs.collect(&res.properties);
        }
        for out in self.outputs.values() {
            refs.collect(&out.value);
        }
        refs.imports
    }
}

fn parse_parameters(
    section: Option<&Value>,
) -> Result<BTreeMap<String, ParameterDecl>, TemplateError> {
    let mut out = BTreeMap::new();
    let Some(Value::Object(params)) = section else {
        return Ok(out);
    };
    for (name, decl) in params {
        let Value::Object(decl) = decl else {
            return Err(TemplateError::ParameterWithoutType);
        };
        if let Some(bad) = decl
            .keys()
            .find(|k| !PARAMETER_ATTRIBUTES.contains(&k.as_str()))
        {
            return Err(TemplateError::InvalidParameterAttribute(bad.clone()));
        }
        let kind = decl
            .get("Type")
            .and_then(string_of)
            .ok_or(TemplateError::ParameterWithoutType)?;
        let known = matches!(
            kind.as_str(),
            "String" | "Number" | "List<Number>" | "CommaDelimitedList"
        ) || kind.starts_with("AWS::")
            || kind.starts_with("List<AWS::");
        if !known {
            return Err(TemplateError::UnrecognizedParameterType(kind));
        }
        let number = |k: &str| decl.get(k).and_then(string_of).and_then(|s| s.parse().ok());
        out.insert(
            name.clone(),
            ParameterDecl {
                kind,
                default: decl.get("Default").and_then(|d| match d {
                    Value::Array(items) => Some(
                        items
                            .iter()
                            .filter_map(string_of)
                            .collect::<Vec<_>>()
                            .join(","),
                    ),
                    other => string_of(other),
                }),
                allowed_values: strings_of(decl.get("AllowedValues")),
                no_echo: decl
                    .get("NoEcho")
                    .and_then(string_of)
                    .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                description: decl.get("Description").and_then(string_of),
                min_length: number("MinLength").map(|n: f64| n as u64),
                max_length: number("MaxLength").map(|n: f64| n as u64),
                min_value: number("MinValue"),
                max_value: number("MaxValue"),
            },
        );
    }
    Ok(out)
}

fn parse_resources(
    section: Option<&Value>,
) -> Result<BTreeMap<String, ResourceDecl>, TemplateError> {
    let Some(Value::Object(resources)) = section else {
        return Err(TemplateError::NoResources);
    };
    if resources.is_empty() {
        return Err(TemplateError::NoResources);
    }
    let mut out = BTreeMap::new();
    let mut unrecognized = Vec::new();
    for (id, decl) in resources {
        let Value::Object(decl) = decl else {
            return Err(TemplateError::ResourceWithoutType(id.clone()));
        };
        if let Some(bad) = decl
            .keys()
            .find(|k| !RESOURCE_ATTRIBUTES.contains(&k.as_str()))
        {
            return Err(TemplateError::InvalidResourceAttribute(bad.clone()));
        }
        let kind = decl
            .get("Type")
            .and_then(|t| t.as_str())
            .ok_or_else(|| TemplateError::ResourceWithoutType(id.clone()))?
            .to_owned();
        if !is_valid_type_name(&kind) {
            unrecognized.push(kind.clone());
        }
        out.insert(
            id.clone(),
            ResourceDecl {
                kind,
                properties: decl
                    .get("Properties")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new())),
                depends_on: strings_of(decl.get("DependsOn")),
                condition: decl.get("Condition").and_then(string_of),
                deletion_policy: decl.get("DeletionPolicy").and_then(string_of),
            },
        );
    }
    if !unrecognized.is_empty() {
        return Err(TemplateError::UnrecognizedTypes(unrecognized));
    }
    Ok(out)
}

fn parse_outputs(section: Option<&Value>) -> Result<BTreeMap<String, OutputDecl>, TemplateError> {
    let mut out = BTreeMap::new();
    let Some(Value::Object(outputs)) = section else {
        return Ok(out);
    };
    for (name, decl) in outputs {
        let value = decl
            .get("Value")
            .cloned()
            .ok_or(TemplateError::OutputWithoutValue)?;
        out.insert(
            name.clone(),
            OutputDecl {
                value,
                description: decl.get("Description").cloned(),
                export_name: decl.get("Export").and_then(|e| e.get("Name")).cloned(),
                condition: decl.get("Condition").and_then(string_of),
            },
        );
    }
    Ok(out)
}

/// The members of dependency cycles: what is left after repeatedly trimming resources that
/// nothing left depends on or that depend on nothing left. Sorted, as the error lists them.
fn cycle_members(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    let mut left: BTreeSet<&String> = graph.keys().collect();
    loop {
        let trimmed: Vec<&String> = left
            .iter()
            .copied()
            .filter(|id| {
                let depends = graph[*id].iter().any(|d| left.contains(d));
                let depended = left.iter().any(|other| graph[*other].contains(*id));
                !depends || !depended
            })
            .collect();
        if trimmed.is_empty() {
            break;
        }
        for id in trimmed {
            left.remove(id);
        }
    }
    left.into_iter().cloned().collect()
}

/// Everything an expression refers to, found without evaluating it.
#[derive(Debug, Default)]
struct References<'c> {
    refs: BTreeSet<String>,
    get_atts: BTreeSet<(String, String)>,
    /// `Fn::Sub` variables that are not defined in its own variable map.
    sub_names: BTreeSet<String>,
    /// `Condition` names used inside conditions.
    conditions: BTreeSet<String>,
    /// Conditions used by `Fn::If`.
    if_conditions: BTreeSet<String>,
    imports: Vec<Value>,
    /// When known, `Fn::If` only follows the branch its condition selects.
    known: Option<&'c BTreeMap<String, bool>>,
}

impl<'c> References<'c> {
    fn with_conditions(known: &'c BTreeMap<String, bool>) -> Self {
        Self {
            known: Some(known),
            ..Self::default()
        }
    }

    fn collect(&mut self, value: &Value) {
        match value {
            Value::Array(items) => items.iter().for_each(|v| self.collect(v)),
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().expect("one entry");
                match key.as_str() {
                    "Ref" => {
                        if let Some(name) = arg.as_str() {
                            self.refs.insert(name.to_owned());
                        }
                    }
                    "Condition" => {
                        if let Some(name) = arg.as_str() {
                            self.conditions.insert(name.to_owned());
                        }
                    }
                    "Fn::GetAtt" => {
                        if let Some((res, attr)) = get_att_parts(arg) {
                            self.get_atts.insert((res, attr));
                        }
                    }
                    "Fn::Sub" => self.collect_sub(arg),
                    "Fn::ImportValue" => {
                        self.imports.push(arg.clone());
                        self.collect(arg);
                    }
                    "Fn::If" => {
                        if let Some([cond, yes, no]) = arg.as_array().map(Vec::as_slice) {
                            if let Some(name) = cond.as_str() {
                                self.if_conditions.insert(name.to_owned());
                                match self.known.and_then(|k| k.get(name)) {
                                    Some(true) => self.collect(yes),
                                    Some(false) => self.collect(no),
                                    None => {
                                        self.collect(yes);
                                        self.collect(no);
                                    }
                                }
                                return;
                            }
                        }
                        self.collect(arg);
                    }
                    _ => self.collect(arg),
                }
            }
            Value::Object(map) => map.values().for_each(|v| self.collect(v)),
            _ => {}
        }
    }

    fn collect_sub(&mut self, arg: &Value) {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), None),
            Value::Array(items) if items.len() == 2 => match (&items[0], &items[1]) {
                (Value::String(s), Value::Object(vars)) => {
                    self.collect(&items[1]);
                    (s.as_str(), Some(vars))
                }
                _ => return self.collect(arg),
            },
            other => return self.collect(other),
        };
        for var in sub_variables(text) {
            if vars.is_some_and(|v| v.contains_key(&var)) {
                continue;
            }
            match var.split_once('.') {
                Some((res, attr)) => {
                    self.get_atts.insert((res.to_owned(), attr.to_owned()));
                }
                None => {
                    self.sub_names.insert(var);
                }
            }
        }
    }
}

fn get_att_parts(arg: &Value) -> Option<(String, String)> {
    match arg {
        Value::String(s) => s.split_once('.').map(|(r, a)| (r.to_owned(), a.to_owned())),
        Value::Array(items) if items.len() == 2 => {
            Some((items[0].as_str()?.to_owned(), items[1].as_str()?.to_owned()))
        }
        _ => None,
    }
}

/// The pieces of an `Fn::Sub` string: literal text and `${Var}` names (`${!X}` is literal `${X}`).
#[derive(Debug, PartialEq, Eq)]
enum SubPart {
    Text(String),
    Var(String),
}

fn sub_parts(text: &str) -> Vec<SubPart> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        literal.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        if let Some(stripped) = after.strip_prefix('!') {
            literal.push_str("${");
            rest = stripped;
            continue;
        }
        match after.find('}') {
            Some(end) => {
                if !literal.is_empty() {
                    parts.push(SubPart::Text(std::mem::take(&mut literal)));
                }
                parts.push(SubPart::Var(after[..end].trim().to_owned()));
                rest = &after[end + 1..];
            }
            None => {
                literal.push_str("${");
                rest = after;
            }
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(SubPart::Text(literal));
    }
    parts
}

fn sub_variables(text: &str) -> Vec<String> {
    sub_parts(text)
        .into_iter()
        .filter_map(|p| match p {
            SubPart::Var(v) => Some(v),
            SubPart::Text(_) => None,
        })
        .collect()
}

/// What the evaluator asks about resources and exports: the stack engine answers from its
/// resources' physical ids and attributes and from the region's exports.
pub trait Resolver {
    /// `Ref` of a resource.
    fn resource_ref(&self, logical_id: &str) -> Result<Value, TemplateError>;
    /// `Fn::GetAtt` of a resource.
    fn resource_att(&self, logical_id: &str, attribute: &str) -> Result<Value, TemplateError>;
    /// `Fn::ImportValue`.
    fn import(&self, name: &str) -> Result<String, TemplateError>;
}

/// A resolver for contexts where resources cannot be named (conditions): every resource lookup
/// is an unresolved dependency and there are no exports.
pub struct NoResources;

impl Resolver for NoResources {
    fn resource_ref(&self, logical_id: &str) -> Result<Value, TemplateError> {
        Err(TemplateError::ResourceInConditions(vec![
            logical_id.to_owned()
        ]))
    }

    fn resource_att(&self, logical_id: &str, _attribute: &str) -> Result<Value, TemplateError> {
        Err(TemplateError::ResourceInConditions(vec![
            logical_id.to_owned()
        ]))
    }

    fn import(&self, name: &str) -> Result<String, TemplateError> {
        Err(TemplateError::NoExport(name.to_owned()))
    }
}

/// Evaluates expressions of one template for one stack.
pub struct Evaluator<'a> {
    /// The template (mappings, parameter declarations).
    pub template: &'a Template,
    /// Pseudo parameters.
    pub pseudo: &'a Pseudo,
    /// Parameter values.
    pub parameters: &'a BTreeMap<String, String>,
    /// Condition values.
    pub conditions: &'a BTreeMap<String, bool>,
    /// Resources and exports.
    pub resolver: &'a dyn Resolver,
}

fn bad(message: &str) -> TemplateError {
    TemplateError::BadFunction(message.to_owned())
}

const JOIN_USAGE: &str = "every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.";
const SPLIT_USAGE: &str = "every Fn::Split object requires two parameters, (1) a string delimiter and (2) a string to be split or a function that returns a string to be split.";
const SELECT_USAGE: &str =
    "Fn::Select requires a list argument with two elements: an integer index and a list";
const FIND_IN_MAP_USAGE: &str =
    "every Fn::FindInMap object requires three parameters, the map name, map key and the attribute for return value";
const SUB_USAGE: &str = "One or more Fn::Sub intrinsic functions don't specify expected arguments. Specify a string as first argument, and an optional second argument to specify a mapping of values to replace in the string";
const GET_ATT_USAGE: &str = "every Fn::GetAtt object requires two non-empty parameters, the resource name and the resource attribute";
const IF_USAGE: &str = "every Fn::If object requires three parameters, the condition, the value if true and the value if false";
const EQUALS_USAGE: &str = "every Fn::Equals object requires a list of 2 string parameters.";
const NOT_USAGE: &str = "every Fn::Not object requires a list of 1 boolean parameter.";
const CIDR_USAGE: &str = "Fn::Cidr requires three parameters: an address block in CIDR notation, the number of subnets (1 to 256) and the number of subnet bits";
const IMPORT_USAGE: &str =
    "The value of parameter ImportValue under transform Fn::ImportValue must resolve to a string";
const BASE64_USAGE: &str = "every Fn::Base64 object requires a string parameter";

impl Evaluator<'_> {
    /// Evaluates `value`; `None` is `AWS::NoValue` (the property is left out).
    pub fn eval(&self, value: &Value) -> Result<Option<Value>, TemplateError> {
        match value {
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(v) = self.eval(item)? {
                        out.push(v);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().expect("one entry");
                if key == "Ref" || key.starts_with("Fn::") {
                    self.function(key, arg)
                } else {
                    self.object(map)
                }
            }
            Value::Object(map) => self.object(map),
            other => Ok(Some(other.clone())),
        }
    }

    /// Evaluates `value`, which must not be `AWS::NoValue`.
    pub fn eval_value(&self, value: &Value) -> Result<Value, TemplateError> {
        Ok(self.eval(value)?.unwrap_or(Value::Null))
    }

    fn object(&self, map: &Map<String, Value>) -> Result<Option<Value>, TemplateError> {
        let mut out = Map::new();
        for (k, v) in map {
            if let Some(v) = self.eval(v)? {
                out.insert(k.clone(), v);
            }
        }
        Ok(Some(Value::Object(out)))
    }

    fn string(&self, value: &Value, usage: &str) -> Result<String, TemplateError> {
        string_of(&self.eval_value(value)?).ok_or_else(|| bad(usage))
    }

    fn list(&self, value: &Value, usage: &str) -> Result<Vec<Value>, TemplateError> {
        match self.eval_value(value)? {
            Value::Array(items) => Ok(items),
            _ => Err(bad(usage)),
        }
    }

    fn function(&self, name: &str, arg: &Value) -> Result<Option<Value>, TemplateError> {
        let value = match name {
            "Ref" => return self.reference(arg),
            "Fn::GetAtt" => self.get_att(arg)?,
            "Fn::Sub" => Value::String(self.sub(arg)?),
            "Fn::Join" => self.join(arg)?,
            "Fn::Split" => self.split(arg)?,
            "Fn::Select" => self.select(arg)?,
            "Fn::FindInMap" => self.find_in_map(arg)?,
            "Fn::ImportValue" => {
                let name = self.string(arg, IMPORT_USAGE)?;
                Value::String(self.resolver.import(&name)?)
            }
            "Fn::GetAZs" => {
                let region = match self.eval_value(arg)? {
                    Value::String(s) if !s.is_empty() => s,
                    Value::String(_) | Value::Null => self.pseudo.region.clone(),
                    _ => return Err(bad("Fn::GetAZs requires a region name or an empty string")),
                };
                Value::Array(
                    availability_zones(&region)
                        .into_iter()
                        .map(Value::String)
                        .collect(),
                )
            }
            "Fn::Cidr" => self.cidr(arg)?,
            "Fn::If" => return self.if_(arg),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => {
                let mut map = Map::new();
                map.insert(name.to_owned(), arg.clone());
                Value::Bool(self.condition(&Value::Object(map))?)
            }
            "Fn::Base64" => Value::String(
                base64::engine::general_purpose::STANDARD.encode(self.string(arg, BASE64_USAGE)?),
            ),
            other => {
                return Err(TemplateError::BadFunction(format!(
                    "Encountered unsupported function: {other}"
                )))
            }
        };
        Ok(Some(value))
    }

    fn reference(&self, arg: &Value) -> Result<Option<Value>, TemplateError> {
        let name = arg
            .as_str()
            .ok_or_else(|| bad("every Ref object requires a single string parameter."))?;
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if let Some(v) = self.pseudo.get(name) {
            return Ok(Some(v));
        }
        if let Some(decl) = self.template.parameters.get(name) {
            let value = self.parameters.get(name).cloned().unwrap_or_default();
            return Ok(Some(if decl.is_list() {
                Value::Array(
                    value
                        .split(',')
                        .map(|s| Value::String(s.trim().to_owned()))
                        .collect(),
                )
            } else {
                Value::String(value)
            }));
        }
        if self.template.resources.contains_key(name) {
            return self.resolver.resource_ref(name).map(Some);
        }
        Err(TemplateError::UnresolvedDependencies {
            names: vec![name.to_owned()],
            block: "Resources",
        })
    }

    fn get_att(&self, arg: &Value) -> Result<Value, TemplateError> {
        let (res, attr) = match arg {
            Value::Array(items) if items.len() == 2 => {
                let res = items[0].as_str().ok_or_else(|| bad(GET_ATT_USAGE))?;
                let attr = self.string(&items[1], GET_ATT_USAGE)?;
                (res.to_owned(), attr)
            }
            Value::String(s) => {
                let (r, a) = s.split_once('.').ok_or_else(|| bad(GET_ATT_USAGE))?;
                (r.to_owned(), a.to_owned())
            }
            _ => return Err(bad(GET_ATT_USAGE)),
        };
        if res.is_empty() || attr.is_empty() {
            return Err(bad(GET_ATT_USAGE));
        }
        if !self.template.resources.contains_key(&res) {
            return Err(TemplateError::GetAttUndefined(res));
        }
        self.resolver.resource_att(&res, &attr)
    }

    fn sub(&self, arg: &Value) -> Result<String, TemplateError> {
        let (text, vars) = match arg {
            Value::String(s) => (s.as_str(), Map::new()),
            Value::Array(items) if items.len() == 2 => {
                let text = items[0].as_str().ok_or_else(|| bad(SUB_USAGE))?;
                let Some(Value::Object(vars)) = self.eval(&items[1])? else {
                    return Err(bad(SUB_USAGE));
                };
                (text, vars)
            }
            _ => return Err(bad(SUB_USAGE)),
        };
        let mut out = String::new();
        for part in sub_parts(text) {
            match part {
                SubPart::Text(t) => out.push_str(&t),
                SubPart::Var(var) => {
                    let value = if let Some(v) = vars.get(&var) {
                        v.clone()
                    } else if let Some((res, attr)) =
                        var.split_once('.').filter(|_| !var.starts_with("AWS::"))
                    {
                        if !self.template.resources.contains_key(res) {
                            return Err(TemplateError::UnresolvedDependencies {
                                names: vec![res.to_owned()],
                                block: "Resources",
                            });
                        }
                        self.resolver.resource_att(res, attr)?
                    } else {
                        self.reference(&Value::String(var.clone()))?
                            .unwrap_or(Value::String(String::new()))
                    };
                    let text = string_of(&value).ok_or_else(|| {
                        TemplateError::BadFunction(format!(
                            "variable {var} in Fn::Sub expression does not resolve to a string"
                        ))
                    })?;
                    out.push_str(&text);
                }
            }
        }
        Ok(out)
    }

    fn join(&self, arg: &Value) -> Result<Value, TemplateError> {
        let Some([delim, list]) = arg.as_array().map(Vec::as_slice) else {
            return Err(bad(JOIN_USAGE));
        };
        let delim = delim.as_str().ok_or_else(|| bad(JOIN_USAGE))?;
        let items = self.list(list, JOIN_USAGE)?;
        let parts: Option<Vec<String>> = items.iter().map(string_of).collect();
        Ok(Value::String(
            parts.ok_or_else(|| bad(JOIN_USAGE))?.join(delim),
        ))
    }

    fn split(&self, arg: &Value) -> Result<Value, TemplateError> {
        let Some([delim, text]) = arg.as_array().map(Vec::as_slice) else {
            return Err(bad(SPLIT_USAGE));
        };
        let delim = delim
            .as_str()
            .filter(|d| !d.is_empty())
            .ok_or_else(|| bad(SPLIT_USAGE))?;
        let text = self.string(text, SPLIT_USAGE)?;
        Ok(Value::Array(
            text.split(delim)
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ))
    }

    fn select(&self, arg: &Value) -> Result<Value, TemplateError> {
        let Some([index, list]) = arg.as_array().map(Vec::as_slice) else {
            return Err(bad(SELECT_USAGE));
        };
        let index: i64 = string_of(&self.eval_value(index)?)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(SELECT_USAGE))?;
        let items = self.list(list, SELECT_USAGE)?;
        usize::try_from(index)
            .ok()
            .and_then(|i| items.get(i).cloned())
            .ok_or(TemplateError::SelectOutOfRange(index))
    }

    fn find_in_map(&self, arg: &Value) -> Result<Value, TemplateError> {
        let Some([map, top, second]) = arg.as_array().map(Vec::as_slice) else {
            return Err(bad(FIND_IN_MAP_USAGE));
        };
        let map = self.string(map, FIND_IN_MAP_USAGE)?;
        let top = self.string(top, FIND_IN_MAP_USAGE)?;
        let second = self.string(second, FIND_IN_MAP_USAGE)?;
        self.template
            .mappings
            .get(&map)
            .and_then(|m| m.get(&top))
            .and_then(|m| m.get(&second))
            .cloned()
            .ok_or_else(|| TemplateError::MappingNotFound(format!("{map}::{top}::{second}")))
    }

    fn cidr(&self, arg: &Value) -> Result<Value, TemplateError> {
        let Some([block, count, bits]) = arg.as_array().map(Vec::as_slice) else {
            return Err(bad(CIDR_USAGE));
        };
        let block = self.string(block, CIDR_USAGE)?;
        let count: u32 = self
            .string(count, CIDR_USAGE)?
            .parse()
            .ok()
            .filter(|c| (1..=256).contains(c))
            .ok_or_else(|| bad(CIDR_USAGE))?;
        let bits: u32 = self
            .string(bits, CIDR_USAGE)?
            .parse()
            .map_err(|_| bad(CIDR_USAGE))?;
        cidr_subnets(&block, count, bits)
            .map(|subnets| Value::Array(subnets.into_iter().map(Value::String).collect()))
            .ok_or_else(|| bad(CIDR_USAGE))
    }

    fn if_(&self, arg: &Value) -> Result<Option<Value>, TemplateError> {
        let Some([cond, yes, no]) = arg.as_array().map(Vec::as_slice) else {
            return Err(bad(IF_USAGE));
        };
        let name = cond.as_str().ok_or_else(|| bad(IF_USAGE))?;
        let holds = *self
            .conditions
            .get(name)
            .ok_or_else(|| TemplateError::UnresolvedIfCondition(name.to_owned()))?;
        self.eval(if holds { yes } else { no })
    }

    /// Evaluates a condition expression (`Fn::Equals`, `Fn::And`, `Fn::Or`, `Fn::Not`,
    /// `{"Condition": name}`, or a literal boolean).
    pub fn condition(&self, value: &Value) -> Result<bool, TemplateError> {
        match value {
            Value::Bool(b) => return Ok(*b),
            Value::String(s) if s == "true" || s == "false" => return Ok(s == "true"),
            _ => {}
        }
        let Some((key, arg)) = value
            .as_object()
            .filter(|m| m.len() == 1)
            .and_then(|m| m.iter().next())
        else {
            return Err(bad(
                "Conditions can only be boolean operations on parameters and other conditions",
            ));
        };
        match key.as_str() {
            "Condition" => {
                let name = arg.as_str().unwrap_or_default();
                self.conditions.get(name).copied().ok_or_else(|| {
                    TemplateError::UnresolvedConditions {
                        names: vec![name.to_owned()],
                        block: "Conditions",
                    }
                })
            }
            "Fn::Equals" => {
                let Some([a, b]) = arg.as_array().map(Vec::as_slice) else {
                    return Err(bad(EQUALS_USAGE));
                };
                let a = self.eval_value(a)?;
                let b = self.eval_value(b)?;
                Ok(match (string_of(&a), string_of(&b)) {
                    (Some(a), Some(b)) => a == b,
                    _ => a == b,
                })
            }
            "Fn::And" | "Fn::Or" => {
                let op = key.as_str();
                let usage = format!(
                    "every {op} object requires a list of at least 2 and at most 10 boolean parameters."
                );
                let items = arg
                    .as_array()
                    .filter(|a| (2..=10).contains(&a.len()))
                    .ok_or(TemplateError::BadFunction(usage))?;
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    values.push(self.condition(item)?);
                }
                Ok(if op == "Fn::And" {
                    values.iter().all(|v| *v)
                } else {
                    values.iter().any(|v| *v)
                })
            }
            "Fn::Not" => {
                let Some([inner]) = arg.as_array().map(Vec::as_slice) else {
                    return Err(bad(NOT_USAGE));
                };
                Ok(!self.condition(inner)?)
            }
            _ => match self.eval_value(value)? {
                Value::Bool(b) => Ok(b),
                Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
                _ => Err(bad(
                    "Conditions can only be boolean operations on parameters and other conditions",
                )),
            },
        }
    }
}

/// `count` consecutive subnets with `bits` host bits each, carved from the start of `block`
/// (IPv4 or IPv6); `None` when they do not fit.
#[must_use]
pub fn cidr_subnets(block: &str, count: u32, bits: u32) -> Option<Vec<String>> {
    let (addr, prefix) = block.split_once('/')?;
    let prefix: u32 = prefix.parse().ok()?;
    if let Ok(v4) = addr.parse::<std::net::Ipv4Addr>() {
        let width = 32;
        if prefix > width || bits > width - prefix || bits == 0 && prefix == width && count > 1 {
            return None;
        }
        let new_prefix = width - bits;
        let available = 1u64 << (new_prefix - prefix);
        if u64::from(count) > available {
            return None;
        }
        let base = u32::from(v4)
            & (if prefix == 0 {
                0
            } else {
                u32::MAX << (width - prefix)
            });
        let step = 1u64 << bits;
        return Some(
            (0..u64::from(count))
                .map(|i| {
                    let a = std::net::Ipv4Addr::from((u64::from(base) + i * step) as u32);
                    format!("{a}/{new_prefix}")
                })
                .collect(),
        );
    }
    let v6 = addr.parse::<std::net::Ipv6Addr>().ok()?;
    let width = 128;
    if prefix > width || bits > width - prefix {
        return None;
    }
    let new_prefix = width - bits;
    if new_prefix - prefix < 9 && u128::from(count) > (1u128 << (new_prefix - prefix)) {
        return None;
    }
    let base = u128::from(v6)
        & (if prefix == 0 {
            0
        } else {
            u128::MAX << (width - prefix)
        });
    let step = if bits == 128 { 0 } else { 1u128 << bits };
    Some(
        (0..u128::from(count))
            .map(|i| {
                let a = std::net::Ipv6Addr::from(base + i * step);
                format!("{a}/{new_prefix}")
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pseudo() -> Pseudo {
        Pseudo {
            stack_name: "demo".into(),
            stack_id: "arn:aws:cloudformation:us-west-2:123456789012:stack/demo/1".into(),
            region: "us-west-2".into(),
            account: "123456789012".into(),
        }
    }

    /// Resources `A` (ref `a-phys`, attribute `Arn`) and `B`; exports `shared` = `from-elsewhere`.
    struct Fake;

    impl Resolver for Fake {
        fn resource_ref(&self, id: &str) -> Result<Value, TemplateError> {
            Ok(Value::String(format!("{}-phys", id.to_lowercase())))
        }
        fn resource_att(&self, id: &str, attr: &str) -> Result<Value, TemplateError> {
            match attr {
                "Arn" => Ok(Value::String(format!("arn:aws:x::1:{id}"))),
                "List" => Ok(json!(["x", "y"])),
                _ => Err(TemplateError::GetAttUnsupported {
                    resource: id.into(),
                    attribute: attr.into(),
                }),
            }
        }
        fn import(&self, name: &str) -> Result<String, TemplateError> {
            if name == "shared" {
                Ok("from-elsewhere".into())
            } else {
                Err(TemplateError::NoExport(name.into()))
            }
        }
    }

    fn template(extra: Value) -> Template {
        let mut root = json!({
            "Parameters": {
                "Env": {"Type": "String", "Default": "prod", "AllowedValues": ["prod", "dev"]},
                "Zones": {"Type": "CommaDelimitedList", "Default": "a, b,c"},
                "Count": {"Type": "Number", "Default": "2"}
            },
            "Mappings": {"M": {"us-west-2": {"Ami": "ami-123"}}},
            "Conditions": {
                "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]}
            },
            "Resources": {
                "A": {"Type": "AWS::CloudFormation::WaitConditionHandle"},
                "B": {"Type": "AWS::CloudFormation::WaitConditionHandle"}
            }
        });
        if let (Value::Object(root), Value::Object(extra)) = (&mut root, extra) {
            root.extend(extra);
        }
        Template::from_value(root).unwrap()
    }

    fn eval_in(t: &Template, expr: Value) -> Result<Option<Value>, TemplateError> {
        let p = pseudo();
        let params = t.resolve_parameters(&[], &[], &BTreeMap::new()).unwrap();
        let conds = t.evaluate_conditions(&p, &params).unwrap();
        Evaluator {
            template: t,
            pseudo: &p,
            parameters: &params,
            conditions: &conds,
            resolver: &Fake,
        }
        .eval(&expr)
    }

    fn eval(expr: Value) -> Result<Option<Value>, TemplateError> {
        eval_in(&template(json!({})), expr)
    }

    fn ok(expr: Value) -> Value {
        eval(expr).unwrap().unwrap()
    }

    fn err(expr: Value) -> String {
        eval(expr).unwrap_err().to_string()
    }

    #[test]
    fn ref_gives_pseudo_parameters_parameters_and_resources() {
        assert_eq!(ok(json!({"Ref": "AWS::StackName"})), "demo");
        assert_eq!(
            ok(json!({"Ref": "AWS::StackId"})),
            "arn:aws:cloudformation:us-west-2:123456789012:stack/demo/1"
        );
        assert_eq!(ok(json!({"Ref": "AWS::Region"})), "us-west-2");
        assert_eq!(ok(json!({"Ref": "AWS::AccountId"})), "123456789012");
        assert_eq!(ok(json!({"Ref": "AWS::Partition"})), "aws");
        assert_eq!(ok(json!({"Ref": "AWS::URLSuffix"})), "amazonaws.com");
        assert_eq!(ok(json!({"Ref": "Env"})), "prod");
        assert_eq!(ok(json!({"Ref": "Zones"})), json!(["a", "b", "c"]));
        assert_eq!(ok(json!({"Ref": "Count"})), "2");
        assert_eq!(ok(json!({"Ref": "A"})), "a-phys");
        assert_eq!(
            ok(json!({"K": {"Ref": "AWS::NoValue"}, "L": [1, {"Ref": "AWS::NoValue"}]})),
            json!({"L": [1]})
        );
        assert_eq!(eval(json!({"Ref": "AWS::NoValue"})).unwrap(), None);
        assert_eq!(
            err(json!({"Ref": "Nope"})),
            "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"
        );
        assert_eq!(
            err(json!({"Ref": ["A"]})),
            "Template error: every Ref object requires a single string parameter."
        );
        let cn = Pseudo {
            region: "cn-north-1".into(),
            ..pseudo()
        };
        assert_eq!(cn.partition(), "aws-cn");
        assert_eq!(cn.url_suffix(), "amazonaws.com.cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn get_att_takes_the_array_and_the_dotted_forms() {
        assert_eq!(ok(json!({"Fn::GetAtt": ["A", "Arn"]})), "arn:aws:x::1:A");
        assert_eq!(ok(json!({"Fn::GetAtt": "A.Arn"})), "arn:aws:x::1:A");
        assert_eq!(
            ok(json!({"Fn::GetAtt": ["A", {"Fn::Sub": "A${AWS::NoValue}rn"}]})),
            "arn:aws:x::1:A"
        );
        assert_eq!(
            err(json!({"Fn::GetAtt": ["Ghost", "Arn"]})),
            "Template error: instance of Fn::GetAtt references undefined resource Ghost"
        );
        assert_eq!(
            err(json!({"Fn::GetAtt": ["A", "Color"]})),
            "Template error: resource A does not support attribute type Color in Fn::GetAtt"
        );
        assert_eq!(
            err(json!({"Fn::GetAtt": "AArn"})),
            format!("Template error: {GET_ATT_USAGE}")
        );
    }

    #[test]
    fn sub_replaces_variables_in_both_forms_and_keeps_escaped_literals() {
        assert_eq!(
            ok(json!({"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/X"})),
            "arn:aws:iam::aws:policy/X"
        );
        assert_eq!(
            ok(json!({"Fn::Sub": "${AWS::StackName}/${Env}/${A}/${A.Arn}/${!Literal}"})),
            "demo/prod/a-phys/arn:aws:x::1:A/${Literal}"
        );
        assert_eq!(
            ok(json!({"Fn::Sub": ["${X}-${Env}", {"X": {"Ref": "AWS::Region"}}]})),
            "us-west-2-prod"
        );
        assert_eq!(ok(json!({"Fn::Sub": "no vars"})), "no vars");
        assert_eq!(
            err(json!({"Fn::Sub": "${Nope}"})),
            "Template format error: Unresolved resource dependencies [Nope] in the Resources block of the template"
        );
        assert_eq!(
            err(json!({"Fn::Sub": ["${X}", {"X": ["list"]}]})),
            "Template error: variable X in Fn::Sub expression does not resolve to a string"
        );
        assert_eq!(
            err(json!({"Fn::Sub": 3})),
            format!("Template error: {SUB_USAGE}")
        );
    }

    #[test]
    fn join_split_and_select_work_on_lists() {
        assert_eq!(
            ok(json!({"Fn::Join": [",", [{"Ref": "A"}, "b", 3]]})),
            "a-phys,b,3"
        );
        assert_eq!(ok(json!({"Fn::Join": ["-", {"Ref": "Zones"}]})), "a-b-c");
        assert_eq!(
            ok(json!({"Fn::Join": ["", [{"Ref": "AWS::NoValue"}, "x"]]})),
            "x"
        );
        assert_eq!(
            err(json!({"Fn::Join": [","]})),
            format!("Template error: {JOIN_USAGE}")
        );
        assert_eq!(
            err(json!({"Fn::Join": [",", "notalist"]})),
            format!("Template error: {JOIN_USAGE}")
        );
        assert_eq!(
            ok(json!({"Fn::Split": [",", "s1,s2,s3"]})),
            json!(["s1", "s2", "s3"])
        );
        assert_eq!(
            ok(json!({"Fn::Split": [",", {"Fn::ImportValue": "shared"}]})),
            json!(["from-elsewhere"])
        );
        assert_eq!(
            err(json!({"Fn::Split": [",", ["a"]]})),
            format!("Template error: {SPLIT_USAGE}")
        );
        assert_eq!(
            ok(json!({"Fn::Select": ["1", {"Fn::Split": [",", "s1,s2,s3"]}]})),
            "s2"
        );
        assert_eq!(
            ok(json!({"Fn::Select": [0, {"Fn::GetAZs": ""}]})),
            "us-west-2a"
        );
        assert_eq!(
            err(json!({"Fn::Select": [5, ["a"]]})),
            "Template error: Fn::Select cannot select nonexistent value at index 5"
        );
        assert_eq!(
            err(json!({"Fn::Select": [-1, ["a"]]})),
            "Template error: Fn::Select cannot select nonexistent value at index -1"
        );
        assert_eq!(
            err(json!({"Fn::Select": ["x", ["a"]]})),
            format!("Template error: {SELECT_USAGE}")
        );
    }

    #[test]
    fn find_in_map_import_value_get_azs_and_base64() {
        assert_eq!(
            ok(json!({"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]})),
            "ami-123"
        );
        assert_eq!(
            err(json!({"Fn::FindInMap": ["M", "eu-west-1", "Ami"]})),
            "Template error: Unable to get mapping for M::eu-west-1::Ami"
        );
        assert_eq!(
            err(json!({"Fn::FindInMap": ["M", "x"]})),
            format!("Template error: {FIND_IN_MAP_USAGE}")
        );
        assert_eq!(ok(json!({"Fn::ImportValue": "shared"})), "from-elsewhere");
        assert_eq!(
            ok(json!({"Fn::ImportValue": {"Fn::Join": ["", ["sha", "red"]]}})),
            "from-elsewhere"
        );
        assert_eq!(
            err(json!({"Fn::ImportValue": "missing"})),
            "No export named missing found"
        );
        assert_eq!(
            ok(json!({"Fn::GetAZs": {"Ref": "AWS::Region"}})),
            json!(["us-west-2a", "us-west-2b", "us-west-2c"])
        );
        assert_eq!(
            ok(json!({"Fn::GetAZs": "us-east-1"}))
                .as_array()
                .unwrap()
                .len(),
            6
        );
        assert_eq!(ok(json!({"Fn::Base64": "hello"})), "aGVsbG8=");
        assert_eq!(
            err(json!({"Fn::Base64": ["x"]})),
            format!("Template error: {BASE64_USAGE}")
        );
        assert_eq!(
            err(json!({"Fn::Nope": 1})),
            "Template error: Encountered unsupported function: Fn::Nope"
        );
    }

    #[test]
    fn cidr_carves_consecutive_subnets_in_v4_and_v6() {
        assert_eq!(
            ok(json!({"Fn::Cidr": ["192.168.0.0/16", 6, 13]})),
            json!([
                "192.168.0.0/19",
                "192.168.32.0/19",
                "192.168.64.0/19",
                "192.168.96.0/19",
                "192.168.128.0/19",
                "192.168.160.0/19"
            ])
        );
        assert_eq!(
            ok(json!({"Fn::Cidr": ["2600:1f14:ad:8b00::/56", "2", "64"]})),
            json!(["2600:1f14:ad:8b00::/64", "2600:1f14:ad:8b01::/64"])
        );
        assert_eq!(
            err(json!({"Fn::Cidr": ["10.0.0.0/24", 3, 7]})),
            format!("Template error: {CIDR_USAGE}")
        );
        assert_eq!(
            err(json!({"Fn::Cidr": ["10.0.0.0/24", 0, 4]})),
            format!("Template error: {CIDR_USAGE}")
        );
        assert_eq!(
            err(json!({"Fn::Cidr": ["nope", 1, 4]})),
            format!("Template error: {CIDR_USAGE}")
        );
    }

    #[test]
    fn if_and_the_condition_functions() {
        assert_eq!(ok(json!({"Fn::If": ["IsProd", "big", "small"]})), "big");
        assert_eq!(
            eval(json!({"Fn::If": ["IsProd", {"Ref": "AWS::NoValue"}, 1]})).unwrap(),
            None
        );
        assert_eq!(ok(json!({"Fn::If": ["IsDev", "big", "small"]})), "small");
        assert_eq!(
            err(json!({"Fn::If": ["Nope", "a", "b"]})),
            "Template error: unresolved condition dependency Nope in Fn::If"
        );
        assert_eq!(
            err(json!({"Fn::If": ["IsProd", "a"]})),
            format!("Template error: {IF_USAGE}")
        );
        assert_eq!(ok(json!({"Fn::Equals": ["2", {"Ref": "Count"}]})), true);
        assert_eq!(ok(json!({"Fn::Equals": [2, "2"]})), true);
        assert_eq!(
            ok(json!({"Fn::And": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]})),
            true
        );
        assert_eq!(
            ok(json!({"Fn::Or": [{"Condition": "IsDev"}, false]})),
            false
        );
        assert_eq!(ok(json!({"Fn::Not": [{"Condition": "IsDev"}]})), true);
        assert_eq!(
            err(json!({"Fn::Equals": ["a"]})),
            format!("Template error: {EQUALS_USAGE}")
        );
        assert_eq!(
            err(json!({"Fn::And": [true]})),
            "Template error: every Fn::And object requires a list of at least 2 and at most 10 boolean parameters."
        );
        assert_eq!(
            err(json!({"Fn::Not": [true, false]})),
            format!("Template error: {NOT_USAGE}")
        );
    }

    #[test]
    fn conditions_follow_parameters_and_refuse_resources_and_loops() {
        let t = template(json!({}));
        let p = pseudo();
        let dev = t
            .resolve_parameters(&[("Env".into(), "dev".into())], &[], &BTreeMap::new())
            .unwrap();
        let conds = t.evaluate_conditions(&p, &dev).unwrap();
        assert!(!conds["IsProd"]);
        assert!(conds["IsDev"]);
        let with_resource = json!({
            "Conditions": {"C": {"Fn::Equals": [{"Ref": "A"}, "x"]}},
            "Resources": {"A": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}
        });
        assert_eq!(
            Template::from_value(with_resource).unwrap_err().to_string(),
            "Template format error: Unresolved dependencies [A]. Cannot reference resources in the Conditions block of the template"
        );
        let looped = Template::from_value(json!({
            "Conditions": {
                "X": {"Fn::Not": [{"Condition": "Y"}]},
                "Y": {"Fn::Not": [{"Condition": "X"}]}
            },
            "Resources": {"A": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}
        }))
        .unwrap();
        assert_eq!(
            looped
                .evaluate_conditions(&p, &BTreeMap::new())
                .unwrap_err()
                .to_string(),
            "Circular dependency between conditions: [X, Y]"
        );
    }

    #[test]
    fn parameters_take_values_defaults_and_previous_values_and_check_them() {
        let t = Template::from_value(json!({
            "Parameters": {
                "Name": {"Type": "String"},
                "Size": {"Type": "Number", "MinValue": 1, "MaxValue": 5, "Default": 3},
                "Mode": {"Type": "String", "AllowedValues": ["a", "b"], "Default": "a"},
                "Secret": {"Type": "String", "NoEcho": true, "Default": "s", "MinLength": 1, "MaxLength": 3}
            },
            "Resources": {"A": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}
        }))
        .unwrap();
        assert!(t.parameters["Secret"].no_echo);
        let none = BTreeMap::new();
        let given = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect()
        };
        assert_eq!(
            t.resolve_parameters(&[], &[], &none)
                .unwrap_err()
                .to_string(),
            "Parameters: [Name] must have values"
        );
        let values = t
            .resolve_parameters(&given(&[("Name", "n")]), &[], &none)
            .unwrap();
        assert_eq!(values["Size"], "3");
        assert_eq!(values["Mode"], "a");
        assert_eq!(
            t.resolve_parameters(&given(&[("Name", "n"), ("Other", "x")]), &[], &none)
                .unwrap_err()
                .to_string(),
            "Parameters: [Other] do not exist in the template"
        );
        assert_eq!(
            t.resolve_parameters(&given(&[("Name", "n"), ("Mode", "c")]), &[], &none)
                .unwrap_err()
                .to_string(),
            "Parameter 'Mode' must be one of AllowedValues"
        );
        assert_eq!(
            t.resolve_parameters(&given(&[("Name", "n"), ("Size", "x")]), &[], &none)
                .unwrap_err()
                .to_string(),
            "Parameter 'Size' must be a number"
        );
        assert_eq!(
            t.resolve_parameters(&given(&[("Name", "n"), ("Size", "9")]), &[], &none)
                .unwrap_err()
                .to_string(),
            "Parameter 'Size' must be a number not greater than 5"
        );
        assert_eq!(
            t.resolve_parameters(&given(&[("Name", "n"), ("Secret", "long")]), &[], &none)
                .unwrap_err()
                .to_string(),
            "Parameter 'Secret' cannot exceed 3 characters"
        );
        let previous = BTreeMap::from([("Name".to_owned(), "old".to_owned())]);
        let values = t
            .resolve_parameters(&[], &["Name".to_owned()], &previous)
            .unwrap();
        assert_eq!(values["Name"], "old");
        let bad_type = json!({
            "Parameters": {"P": {"Type": "Strin"}},
            "Resources": {"A": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}
        });
        assert_eq!(
            Template::from_value(bad_type).unwrap_err().to_string(),
            "Template format error: Unrecognized parameter type: Strin"
        );
    }

    #[test]
    fn yaml_short_forms_become_long_forms() {
        let body = r"
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      A: !Ref AWS::StackName
      B: !GetAtt Cluster.Endpoint
      C: !GetAtt [Cluster, Arn]
      D: !Sub '${AWS::StackName}/SG'
      E: !Join [',', [!Ref X, !Ref Y]]
      F: !If [Cond, !Ref AWS::NoValue, !Base64 x]
      G: !Select [0, !GetAZs '']
      H: !Split [',', !ImportValue 'eksctl-c-cluster::SubnetsPrivate']
      I: !FindInMap [M, !Ref 'AWS::Partition', EKS]
      J: !Cidr [!Ref Block, 3, 8]
      K: !Not [!Equals [a, b]]
      L: !And [!Condition C1, !Or [true, false]]
";
        let v = parse_body(body).unwrap();
        let p = &v["Resources"]["Role"]["Properties"];
        assert_eq!(p["A"], json!({"Ref": "AWS::StackName"}));
        assert_eq!(p["B"], json!({"Fn::GetAtt": ["Cluster", "Endpoint"]}));
        assert_eq!(p["C"], json!({"Fn::GetAtt": ["Cluster", "Arn"]}));
        assert_eq!(p["D"], json!({"Fn::Sub": "${AWS::StackName}/SG"}));
        assert_eq!(
            p["E"],
            json!({"Fn::Join": [",", [{"Ref": "X"}, {"Ref": "Y"}]]})
        );
        assert_eq!(
            p["F"],
            json!({"Fn::If": ["Cond", {"Ref": "AWS::NoValue"}, {"Fn::Base64": "x"}]})
        );
        assert_eq!(p["G"], json!({"Fn::Select": [0, {"Fn::GetAZs": ""}]}));
        assert_eq!(
            p["H"],
            json!({"Fn::Split": [",", {"Fn::ImportValue": "eksctl-c-cluster::SubnetsPrivate"}]})
        );
        assert_eq!(
            p["I"],
            json!({"Fn::FindInMap": ["M", {"Ref": "AWS::Partition"}, "EKS"]})
        );
        assert_eq!(p["J"], json!({"Fn::Cidr": [{"Ref": "Block"}, 3, 8]}));
        assert_eq!(p["K"], json!({"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}));
        assert_eq!(
            p["L"],
            json!({"Fn::And": [{"Condition": "C1"}, {"Fn::Or": [true, false]}]})
        );
        assert_eq!(
            parse_body("A: !Bogus x").unwrap_err().to_string(),
            "Template error: unknown YAML tag !Bogus"
        );
    }

    #[test]
    fn malformed_bodies_and_structures_get_cloudformation_messages() {
        assert_eq!(
            Template::parse("{\"Resources\": ").unwrap_err().to_string(),
            "Template format error: JSON not well-formed. (line 1, column 14)"
        );
        assert!(Template::parse("a: [b")
            .unwrap_err()
            .to_string()
            .starts_with("Template format error: YAML not well-formed. (line "));
        assert_eq!(
            Template::parse("just text").unwrap_err(),
            TemplateError::UnsupportedStructure
        );
        assert_eq!(
            Template::parse("{}").unwrap_err().to_string(),
            "Template format error: At least one Resources member must be defined."
        );
        assert_eq!(
            Template::parse(r#"{"Resources": {"A": {"Type": "AWS::X::Y"}}, "Resource": 1}"#)
                .unwrap_err()
                .to_string(),
            "Template format error: Invalid template property or properties [Resource]"
        );
        assert_eq!(
            Template::parse(r#"{"Resources": {"A": {"Properties": {}}}}"#)
                .unwrap_err()
                .to_string(),
            "Template format error: [/Resources/A] Every Resources object must contain a Type member."
        );
        assert_eq!(
            Template::parse(r#"{"Resources": {"A": {"Type": "AWS::X::Y", "Propertie": {}}}}"#)
                .unwrap_err()
                .to_string(),
            "Template format error: Invalid template resource property 'Propertie'"
        );
        assert_eq!(
            Template::parse(r#"{"Resources": {"A": {"Type": "NotAType"}}}"#)
                .unwrap_err()
                .to_string(),
            "Template format error: Unrecognized resource types: [NotAType]"
        );
        assert_eq!(
            Template::parse(r#"{"Resources": {"A": {"Type": "AWS::X::Y", "DependsOn": "B"}}}"#)
                .unwrap_err()
                .to_string(),
            "Template format error: Unresolved resource dependencies [B] in the Resources block of the template"
        );
        assert_eq!(
            Template::parse(
                r#"{"Resources": {"A": {"Type": "AWS::X::Y"}}, "Outputs": {"O": {"Value": {"Ref": "Q"}}}}"#
            )
            .unwrap_err()
            .to_string(),
            "Template format error: Unresolved resource dependencies [Q] in the Outputs block of the template"
        );
        assert_eq!(
            Template::parse(r#"{"Resources": {"A": {"Type": "AWS::X::Y"}}, "Outputs": {"O": {}}}"#)
                .unwrap_err()
                .to_string(),
            "Template format error: Every Outputs member must contain a Value object"
        );
        assert_eq!(
            Template::parse(r#"{"Resources": {"A": {"Type": "AWS::X::Y", "Condition": "C"}}}"#)
                .unwrap_err()
                .to_string(),
            "Template format error: Unresolved condition dependencies [C] in the Resources block of the template"
        );
    }

    fn graph(resources: Value) -> Result<BTreeMap<String, BTreeSet<String>>, TemplateError> {
        let t = Template::from_value(json!({
            "Parameters": {"On": {"Type": "String", "Default": "no"}},
            "Conditions": {"Yes": {"Fn::Equals": [{"Ref": "On"}, "yes"]}},
            "Resources": resources
        }))?;
        let conds = t.evaluate_conditions(
            &pseudo(),
            &t.resolve_parameters(&[], &[], &BTreeMap::new())?,
        )?;
        t.dependencies(&conds)
    }

    #[test]
    fn dependencies_come_from_refs_get_atts_sub_variables_and_depends_on() {
        let g = graph(json!({
            "Vpc": {"Type": "AWS::EC2::VPC"},
            "Subnet": {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}}},
            "Role": {"Type": "AWS::IAM::Role"},
            "Cluster": {"Type": "AWS::EKS::Cluster", "Properties": {
                "RoleArn": {"Fn::GetAtt": "Role.Arn"},
                "Name": {"Fn::Sub": "${AWS::StackName}-${Subnet}"}
            }},
            "Late": {"Type": "AWS::X::Y", "DependsOn": ["Cluster"], "Properties": {
                "X": {"Fn::Sub": ["${V}", {"V": "literal"}]}
            }}
        }))
        .unwrap();
        assert_eq!(g["Vpc"], BTreeSet::new());
        assert_eq!(g["Subnet"], BTreeSet::from(["Vpc".to_owned()]));
        assert_eq!(
            g["Cluster"],
            BTreeSet::from(["Role".to_owned(), "Subnet".to_owned()])
        );
        assert_eq!(g["Late"], BTreeSet::from(["Cluster".to_owned()]));
    }

    #[test]
    fn cycles_are_refused_naming_only_their_members() {
        let err = graph(json!({
            "A": {"Type": "AWS::X::Y", "Properties": {"P": {"Ref": "B"}}},
            "B": {"Type": "AWS::X::Y", "Properties": {"P": {"Fn::GetAtt": ["A", "Arn"]}}},
            "C": {"Type": "AWS::X::Y", "Properties": {"P": {"Ref": "A"}}},
            "D": {"Type": "AWS::X::Y"}
        }))
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Circular dependency between resources: [A, B]"
        );
        let self_loop = graph(json!({"A": {"Type": "AWS::X::Y", "DependsOn": "A"}})).unwrap_err();
        assert_eq!(
            self_loop.to_string(),
            "Circular dependency between resources: [A]"
        );
    }

    #[test]
    fn conditional_resources_drop_out_and_cannot_be_referenced_unconditionally() {
        let g = graph(json!({
            "Opt": {"Type": "AWS::X::Y", "Condition": "Yes"},
            "User": {"Type": "AWS::X::Y", "Properties": {
                "P": {"Fn::If": ["Yes", {"Ref": "Opt"}, {"Ref": "AWS::NoValue"}]}
            }}
        }))
        .unwrap();
        assert_eq!(g.keys().collect::<Vec<_>>(), ["User"]);
        assert!(g["User"].is_empty());
        assert_eq!(
            graph(json!({
                "Opt": {"Type": "AWS::X::Y", "Condition": "Yes"},
                "User": {"Type": "AWS::X::Y", "Properties": {"P": {"Ref": "Opt"}}}
            }))
            .unwrap_err()
            .to_string(),
            "Template format error: Unresolved resource dependencies [Opt] in the Resources block of the template"
        );
    }

    #[test]
    fn sub_parts_split_text_and_variables() {
        assert_eq!(
            sub_parts("a${B}c${!D}${ E.F }"),
            vec![
                SubPart::Text("a".into()),
                SubPart::Var("B".into()),
                SubPart::Text("c${D}".into()),
                SubPart::Var("E.F".into())
            ]
        );
        assert_eq!(
            sub_parts("${unclosed"),
            vec![SubPart::Text("${unclosed".into())]
        );
    }

    #[test]
    fn get_atts_and_imports_are_listed_statically() {
        let t = template(json!({
            "Resources": {
                "A": {"Type": "AWS::X::Y", "Properties": {"P": {"Fn::ImportValue": {"Fn::Sub": "${AWS::StackName}::VPC"}}}},
                "B": {"Type": "AWS::X::Y", "Properties": {"P": {"Fn::Sub": "${A.Arn}"}}}
            },
            "Outputs": {"O": {"Value": {"Fn::GetAtt": ["B", "Id"]}}}
        }));
        assert_eq!(
            t.get_atts(),
            BTreeSet::from([("A".into(), "Arn".into()), ("B".into(), "Id".into())])
        );
        assert_eq!(
            t.imports(),
            vec![json!({"Fn::Sub": "${AWS::StackName}::VPC"})]
        );
        let _ = eval_in(&t, json!(1));
    }
}
