//! Discovery as kubectl reads it (reference/rust-and-kubectl.md §3): `/version` with the cluster's
//! minor (the gcloud kubectl dispatcher picks its kubectl binary from it), legacy `/api`, `/apis`,
//! `/api/v1`, `/apis/<group>/<version>` (with `deployments/scale` as `autoscaling/v1` `Scale`), and a
//! minimal `/openapi/v3` whose per-group-version documents declare, for every kind, a PATCH that takes
//! `fieldValidation` — enough for `kubectl apply -f` to validate server-side. Pure JSON builders.

use serde_json::{json, Value};

use super::facts::{fnv1a64, ClusterFacts};
use super::kinds::{self, RESOURCES};

/// `/version`.
#[must_use]
pub fn version(facts: &ClusterFacts) -> Value {
    let minor = facts.version.split('.').nth(1).unwrap_or("32");
    json!({
        "major": "1",
        "minor": minor,
        "gitVersion": format!("v{}-eks-113cf36", facts.patch),
        "gitCommit": format!("{:016x}{:016x}{:08x}", fnv1a64(facts.patch.as_bytes()), fnv1a64(b"eks"), 0x0113_cf36u32),
        "gitTreeState": "clean",
        "buildDate": "2025-10-21T18:41:45Z",
        "goVersion": "go1.24.9",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// `/api`.
#[must_use]
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// The served (group, version) pairs other than core.
const GROUPS: &[(&str, &str)] = &[("apps", "v1"), ("autoscaling", "v1")];

/// `/apis`.
#[must_use]
pub fn api_group_list() -> Value {
    let groups: Vec<Value> = GROUPS.iter().map(|(g, v)| group(g, v)).collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

fn group(name: &str, version: &str) -> Value {
    let gv = json!({"groupVersion": format!("{name}/{version}"), "version": version});
    json!({"name": name, "versions": [gv.clone()], "preferredVersion": gv})
}

/// `/apis/<group>`.
#[must_use]
pub fn api_group(name: &str) -> Option<Value> {
    GROUPS.iter().find(|(g, _)| *g == name).map(|(g, v)| {
        let mut doc = group(g, v);
        doc["kind"] = json!("APIGroup");
        doc["apiVersion"] = json!("v1");
        doc
    })
}

/// `/api/v1` or `/apis/<group>/<version>`.
#[must_use]
pub fn resource_list(group: &str, version: &str) -> Option<Value> {
    let group_version = if group.is_empty() {
        version.to_owned()
    } else {
        format!("{group}/{version}")
    };
    if group == "autoscaling" && version == "v1" {
        return Some(
            json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": []}),
        );
    }
    let mut resources = Vec::new();
    let mut any = false;
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        any = true;
        let mut entry = json!({
            "name": r.plural,
            "singularName": r.singular,
            "namespaced": r.namespaced,
            "kind": r.kind,
            "verbs": kinds::verbs(),
        });
        if !r.short_names.is_empty() {
            entry["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            entry["categories"] = json!(r.categories);
        }
        resources.push(entry);
        for sub in r.subresources {
            let mut entry = json!({
                "name": format!("{}/{sub}", r.plural),
                "singularName": "",
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": if *sub == "log" { json!(["get"]) } else { json!(["get", "patch", "update"]) },
            });
            if *sub == "scale" {
                entry["group"] = json!("autoscaling");
                entry["version"] = json!("v1");
                entry["kind"] = json!("Scale");
            }
            resources.push(entry);
        }
    }
    any.then(|| json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": resources}))
}

/// The group-version paths of `/openapi/v3` (`api/v1`, `apis/apps/v1`, …).
fn openapi_paths() -> Vec<(String, &'static str, &'static str)> {
    let mut paths = vec![("api/v1".to_owned(), "", "v1")];
    for (g, v) in GROUPS {
        paths.push((format!("apis/{g}/{v}"), g, v));
    }
    paths
}

/// `/openapi/v3`.
#[must_use]
pub fn openapi_root() -> Value {
    let mut paths = serde_json::Map::new();
    for (path, group, version) in openapi_paths() {
        let hash = format!(
            "{:016X}",
            fnv1a64(openapi_group_version(group, version).to_string().as_bytes())
        );
        paths.insert(
            path.clone(),
            json!({"serverRelativeURL": format!("/openapi/v3/{path}?hash={hash}")}),
        );
    }
    json!({"paths": paths})
}

/// `/openapi/v3/<path>`.
#[must_use]
pub fn openapi_document(path: &str) -> Option<Value> {
    openapi_paths()
        .into_iter()
        .find(|(p, _, _)| p == path)
        .map(|(_, g, v)| openapi_group_version(g, v))
}

fn openapi_group_version(group: &str, version: &str) -> Value {
    let mut paths = serde_json::Map::new();
    let prefix = if group.is_empty() {
        format!("/api/{version}")
    } else {
        format!("/apis/{group}/{version}")
    };
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let path = if r.namespaced {
            format!("{prefix}/namespaces/{{namespace}}/{}/{{name}}", r.plural)
        } else {
            format!("{prefix}/{}/{{name}}", r.plural)
        };
        let op = json!({
            "x-kubernetes-group-version-kind": {"group": group, "version": version, "kind": r.kind},
            "parameters": [{"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "OK"}},
        });
        paths.insert(path, json!({"patch": op.clone(), "put": op}));
    }
    json!({"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.9"}, "paths": paths})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_served_as_autoscaling_v1() {
        let apps = resource_list("apps", "v1").unwrap();
        let scale = apps["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == "deployments/scale")
            .unwrap();
        assert_eq!(scale["group"], "autoscaling");
        assert_eq!(scale["kind"], "Scale");
        assert!(resource_list("batch", "v1").is_none());
    }

    #[test]
    fn every_served_group_version_has_an_openapi_document() {
        let root = openapi_root();
        for path in ["api/v1", "apis/apps/v1", "apis/autoscaling/v1"] {
            assert!(
                root["paths"][path]["serverRelativeURL"].is_string(),
                "{path}"
            );
            assert!(openapi_document(path).is_some(), "{path}");
        }
    }
}
