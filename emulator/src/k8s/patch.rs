//! PATCH bodies by content type: JSON patch (RFC 6902) and merge patch (RFC 7386) through `json-patch`,
//! and strategic merge patch approximated as merge patch plus list-merge-by-key for the lists kubectl
//! touches (`containers`, `env`, `ports`, `volumes`, `volumeMounts`, `tolerations`, …) and the
//! `$patch`/`$setElementOrder`/`$retainKeys`/`$deleteFromPrimitiveList` directives. Server-side apply
//! is approximated as a merge patch. Pure: JSON in, JSON out.

use serde_json::{Map, Value};

use super::status::ApiError;

/// The kinds of patch kubectl sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    /// `application/json-patch+json`.
    Json,
    /// `application/merge-patch+json`.
    Merge,
    /// `application/strategic-merge-patch+json`.
    Strategic,
    /// `application/apply-patch+yaml` (server-side apply).
    Apply,
}

impl PatchType {
    /// The patch type of a `Content-Type`.
    #[must_use]
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let base = content_type.split(';').next().unwrap_or_default().trim();
        match base {
            "application/json-patch+json" => Some(Self::Json),
            "application/merge-patch+json" => Some(Self::Merge),
            "application/strategic-merge-patch+json" => Some(Self::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+json" => Some(Self::Apply),
            _ => None,
        }
    }
}

/// Applies `body` (of type `kind`) to `target`.
///
/// # Errors
/// 400 when the body does not parse; 422 when a JSON patch operation fails (a `test`, a missing path).
pub fn apply(target: &mut Value, kind: PatchType, body: &[u8]) -> Result<(), ApiError> {
    let patch: Value = match kind {
        PatchType::Apply => serde_json::from_slice(body)
            .or_else(|_| yaml_serde::from_slice(body))
            .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?,
        _ => serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?,
    };
    match kind {
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_value(patch)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(target, &ops).map_err(|e| ApiError {
                code: 422,
                reason: "Invalid",
                message: format!(
                    "the server rejected our request due to an error in our request: {e}"
                ),
                details: None,
            })
        }
        PatchType::Merge | PatchType::Apply => {
            json_patch::merge(target, &patch);
            Ok(())
        }
        PatchType::Strategic => {
            strategic_merge(target, &patch);
            Ok(())
        }
    }
}

/// The merge key of a list field, as the Kubernetes types declare it (`patchMergeKey`).
fn merge_key(field: &str, item: &Value) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets" => "name",
        "volumeMounts" => "mountPath",
        "tolerations" => "key",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "hostAliases" => "ip",
        "topologySpreadConstraints" => "topologyKey",
        "ports" if item.get("containerPort").is_some() => "containerPort",
        "ports" => "port",
        _ => return None,
    })
}

/// Strategic merge patch, approximated (see the module header).
pub fn strategic_merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch_map) = patch else {
        *target = patch.clone();
        return;
    };
    if patch_map.get("$patch").and_then(Value::as_str) == Some("replace") {
        let mut replacement = patch_map.clone();
        replacement.remove("$patch");
        *target = Value::Object(replacement);
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(target_map) = target else {
        return;
    };
    for (key, value) in patch_map {
        if key == "$patch" || key == "$retainKeys" || key.starts_with("$setElementOrder/") {
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(remove)) =
                (target_map.get_mut(field), value)
            {
                list.retain(|v| !remove.contains(v));
            }
            continue;
        }
        match value {
            Value::Null => {
                target_map.remove(key);
            }
            Value::Array(items) => {
                let key_field = items.first().and_then(|first| merge_key(key, first));
                match (key_field, target_map.get_mut(key)) {
                    (Some(mk), Some(Value::Array(existing))) => merge_list(existing, items, mk),
                    _ => {
                        let cleaned: Vec<Value> = items
                            .iter()
                            .filter(|i| i.get("$patch").is_none())
                            .cloned()
                            .collect();
                        target_map.insert(key.clone(), Value::Array(cleaned));
                    }
                }
            }
            Value::Object(_) => {
                let slot = target_map.entry(key.clone()).or_insert(Value::Null);
                strategic_merge(slot, value);
            }
            other => {
                target_map.insert(key.clone(), other.clone());
            }
        }
    }
}

fn merge_list(existing: &mut Vec<Value>, items: &[Value], merge_key: &str) {
    for item in items {
        let Some(id) = item.get(merge_key) else {
            existing.push(item.clone());
            continue;
        };
        let position = existing.iter().position(|e| e.get(merge_key) == Some(id));
        let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
        match (position, delete) {
            (Some(i), true) => {
                existing.remove(i);
            }
            (None, true) => {}
            (Some(i), false) => strategic_merge(&mut existing[i], item),
            (None, false) => {
                let mut fresh = Value::Null;
                strategic_merge(&mut fresh, item);
                existing.push(fresh);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployment() -> Value {
        json!({"spec": {"replicas": 2, "template": {
        "metadata": {"annotations": {"eks.amazonaws.com/compute-type": "ec2"}},
        "spec": {"containers": [
            {"name": "coredns", "image": "coredns:1", "env": [{"name": "A", "value": "1"}]},
            {"name": "sidecar", "image": "s:1"}
        ]}}}})
    }

    #[test]
    fn json_patch_removes_the_coredns_annotation_as_the_eks_guide_does() {
        let mut d = deployment();
        let body = br#"[{"op": "remove", "path": "/spec/template/metadata/annotations/eks.amazonaws.com~1compute-type"}]"#;
        apply(&mut d, PatchType::Json, body).unwrap();
        assert_eq!(d["spec"]["template"]["metadata"]["annotations"], json!({}));
        let failing = br#"[{"op": "remove", "path": "/spec/nope"}]"#;
        assert_eq!(
            apply(&mut d, PatchType::Json, failing).unwrap_err().code,
            422
        );
    }

    #[test]
    fn merge_patch_replaces_lists_and_null_deletes() {
        let mut d = deployment();
        let body = br#"{"spec": {"replicas": 3, "template": {"spec": {"containers": [{"name": "only"}]}}}}"#;
        apply(&mut d, PatchType::Merge, body).unwrap();
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only"}])
        );
    }

    #[test]
    fn strategic_merge_merges_containers_by_name() {
        let mut d = deployment();
        let body = br#"{"spec": {"template": {"spec": {"containers": [
            {"name": "coredns", "image": "coredns:2", "env": [{"name": "B", "value": "2"}]},
            {"name": "sidecar", "$patch": "delete"}
        ]}}}}"#;
        apply(&mut d, PatchType::Strategic, body).unwrap();
        let containers = &d["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers.as_array().unwrap().len(), 1);
        assert_eq!(containers[0]["image"], "coredns:2");
        assert_eq!(
            containers[0]["env"],
            json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}])
        );
    }

    #[test]
    fn strategic_merge_ignores_kubectl_apply_directives() {
        let mut d = deployment();
        let body =
            br#"{"$setElementOrder/containers": [{"name": "coredns"}], "spec": {"replicas": 1}}"#;
        apply(&mut d, PatchType::Strategic, body).unwrap();
        assert_eq!(d["spec"]["replicas"], 1);
        assert!(d.get("$setElementOrder/containers").is_none());
    }
}
