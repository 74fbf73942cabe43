//! The kubeconfig eksctl writes (`pkg/utils/kubeconfig`): a cluster entry
//! `<cluster>.<region>.eksctl.io` with the endpoint and CA, a context and a user both named
//! `<user>@<cluster>.<region>.eksctl.io`, and an exec plugin running
//! `aws eks get-token --output json --cluster-name C --region R` with
//! `AWS_STS_REGIONAL_ENDPOINTS=regional` (plus `AWS_PROFILE` when a profile is used). The entries
//! are merged into an existing file by name; everything else in it is kept. Keys of new
//! documents are in clientcmd's (alphabetical) order.
//!
//! `ekscli` always uses the `aws` CLI as the authenticator (eksctl prefers `aws-iam-authenticator`
//! when it is on PATH): `aws eks get-token` is what mints tokens the emulator accepts, and it is
//! what EKS documents today.

use std::path::{Path, PathBuf};

use yaml_serde::{Mapping, Value};

/// What one cluster's entries need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterAccess {
    /// The cluster name.
    pub cluster: String,
    /// Its region.
    pub region: String,
    /// `DescribeCluster.endpoint`.
    pub endpoint: String,
    /// `DescribeCluster.certificateAuthority.data` (base64 PEM).
    pub ca_data: String,
    /// The caller's ARN (`GetCallerIdentity`), which names the user.
    pub caller_arn: String,
    /// `--profile`, passed to the authenticator as `AWS_PROFILE`.
    pub profile: Option<String>,
    /// `--authenticator-role-arn`.
    pub role_arn: Option<String>,
}

impl ClusterAccess {
    /// `<cluster>.<region>.eksctl.io`.
    #[must_use]
    pub fn cluster_entry_name(&self) -> String {
        format!("{}.{}.eksctl.io", self.cluster, self.region)
    }

    /// `<user>@<cluster>.<region>.eksctl.io`.
    #[must_use]
    pub fn context_name(&self) -> String {
        format!(
            "{}@{}",
            username_from_arn(&self.caller_arn),
            self.cluster_entry_name()
        )
    }
}

/// The part of an ARN after its last `/`, or `iam-root-account` for an ARN without one.
#[must_use]
pub fn username_from_arn(arn: &str) -> String {
    match arn.rsplit_once('/') {
        Some((_, user)) => user.to_owned(),
        None => "iam-root-account".to_owned(),
    }
}

/// Where the kubeconfig goes: `--kubeconfig`, else the first path in `$KUBECONFIG`, else
/// `~/.kube/config`; `--auto-kubeconfig` means `~/.kube/eksctl/clusters/<name>`.
///
/// # Errors
/// `--kubeconfig and --auto-kubeconfig cannot be used at the same time`, or no home directory.
pub fn resolve_path(
    flag: Option<&str>,
    auto: bool,
    cluster: &str,
    env_kubeconfig: Option<&str>,
    home: Option<&Path>,
) -> Result<PathBuf, String> {
    if auto {
        if flag.is_some() {
            return Err(
                "--kubeconfig and --auto-kubeconfig cannot be used at the same time".into(),
            );
        }
        let home = home.ok_or("cannot find the home directory (HOME is not set)")?;
        return Ok(home.join(".kube/eksctl/clusters").join(cluster));
    }
    if let Some(path) = flag {
        return Ok(PathBuf::from(path));
    }
    if let Some(first) = env_kubeconfig.and_then(|v| v.split(':').find(|p| !p.is_empty())) {
        return Ok(PathBuf::from(first));
    }
    let home = home.ok_or("cannot find the home directory (HOME is not set)")?;
    Ok(home.join(".kube/config"))
}

fn s(v: &str) -> Value {
    Value::String(v.to_owned())
}

fn map(entries: Vec<(&str, Value)>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in entries {
        m.insert(s(k), v);
    }
    Value::Mapping(m)
}

fn cluster_entry(access: &ClusterAccess) -> Value {
    map(vec![
        (
            "cluster",
            map(vec![
                ("certificate-authority-data", s(&access.ca_data)),
                ("server", s(&access.endpoint)),
            ]),
        ),
        ("name", s(&access.cluster_entry_name())),
    ])
}

fn context_entry(access: &ClusterAccess) -> Value {
    map(vec![
        (
            "context",
            map(vec![
                ("cluster", s(&access.cluster_entry_name())),
                ("user", s(&access.context_name())),
            ]),
        ),
        ("name", s(&access.context_name())),
    ])
}

fn user_entry(access: &ClusterAccess) -> Value {
    let mut args: Vec<Value> = [
        "eks",
        "get-token",
        "--output",
        "json",
        "--cluster-name",
        &access.cluster,
        "--region",
        &access.region,
    ]
    .iter()
    .map(|a| s(a))
    .collect();
    if let Some(role) = &access.role_arn {
        args.push(s("--role-arn"));
        args.push(s(role));
    }
    let mut env = vec![map(vec![
        ("name", s("AWS_STS_REGIONAL_ENDPOINTS")),
        ("value", s("regional")),
    ])];
    if let Some(profile) = &access.profile {
        env.push(map(vec![("name", s("AWS_PROFILE")), ("value", s(profile))]));
    }
    map(vec![
        ("name", s(&access.context_name())),
        (
            "user",
            map(vec![(
                "exec",
                map(vec![
                    ("apiVersion", s("client.authentication.k8s.io/v1beta1")),
                    ("args", Value::Sequence(args)),
                    ("command", s("aws")),
                    ("env", Value::Sequence(env)),
                    ("interactiveMode", s("IfAvailable")),
                    ("provideClusterInfo", Value::Bool(false)),
                ]),
            )]),
        ),
    ])
}

/// Replaces the entry named like `entry` in the list under `key`, or appends it.
fn upsert(doc: &mut Mapping, key: &str, entry: Value) {
    let list = doc
        .entry(s(key))
        .or_insert_with(|| Value::Sequence(Vec::new()));
    if !list.is_sequence() {
        *list = Value::Sequence(Vec::new());
    }
    let Value::Sequence(items) = list else {
        return;
    };
    let name = entry.get("name").cloned();
    match items.iter_mut().find(|i| i.get("name") == name.as_ref()) {
        Some(existing) => *existing = entry,
        None => items.push(entry),
    }
}

/// The kubeconfig text after adding `access` to `existing` (the current file, if any).
///
/// # Errors
/// If `existing` is not a YAML mapping.
pub fn merge(
    existing: Option<&str>,
    access: &ClusterAccess,
    set_current_context: bool,
) -> Result<String, String> {
    let mut doc = match existing.filter(|t| !t.trim().is_empty()) {
        Some(text) => match yaml_serde::from_str::<Value>(text) {
            Ok(Value::Mapping(m)) => m,
            Ok(Value::Null) => Mapping::new(),
            Ok(_) => return Err("the existing kubeconfig is not a YAML mapping".into()),
            Err(e) => return Err(format!("couldn't parse the existing kubeconfig: {e}")),
        },
        None => Mapping::new(),
    };
    let fresh = doc.is_empty();
    if fresh {
        // clientcmd's key order.
        for key in [
            "apiVersion",
            "clusters",
            "contexts",
            "current-context",
            "kind",
            "preferences",
            "users",
        ] {
            let value = match key {
                "apiVersion" => s("v1"),
                "kind" => s("Config"),
                "current-context" => s(""),
                "preferences" => Value::Mapping(Mapping::new()),
                _ => Value::Sequence(Vec::new()),
            };
            doc.insert(s(key), value);
        }
    }
    doc.entry(s("apiVersion")).or_insert_with(|| s("v1"));
    doc.entry(s("kind")).or_insert_with(|| s("Config"));
    upsert(&mut doc, "clusters", cluster_entry(access));
    upsert(&mut doc, "contexts", context_entry(access));
    upsert(&mut doc, "users", user_entry(access));
    if set_current_context {
        doc.insert(s("current-context"), s(&access.context_name()));
    }
    yaml_serde::to_string(&Value::Mapping(doc)).map_err(|e| e.to_string())
}

/// Merges `access` into the file at `path` (created with its directories, mode 0600).
///
/// # Errors
/// File system errors, or an existing file that is not a kubeconfig.
pub fn write(path: &Path, access: &ClusterAccess, set_current_context: bool) -> Result<(), String> {
    let existing = match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    let text = merge(existing.as_deref(), access, set_current_context)?;
    write_text(path, &text)
}

/// Writes a kubeconfig (with its directories, mode 0600) through a temporary file.
fn write_text(path: &Path, text: &str) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("ekscli-tmp");
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(&tmp)
            .map_err(|e| format!("writing {}: {e}", tmp.display()))?;
        std::io::Write::write_all(&mut file, text.as_bytes())
            .map_err(|e| format!("writing {}: {e}", tmp.display()))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The kubeconfig text without `cluster`'s entries, as eksctl's `deleteClusterInfo` removes
/// them: the cluster entry `<cluster>.<region>.eksctl.io`, the first context on it and that
/// context's user, and `current-context` when it named that context (or a gone eksctl context).
/// `None` when nothing changed (eksctl also rewrites a file whose `current-context` is empty
/// when it holds nothing of the cluster's; ekscli leaves it alone).
///
/// # Errors
/// A file that is not a YAML mapping.
pub fn remove_cluster(text: &str, cluster: &str, region: &str) -> Result<Option<String>, String> {
    let mut doc = match yaml_serde::from_str::<Value>(text) {
        Ok(Value::Mapping(m)) => m,
        Ok(Value::Null) => return Ok(None),
        Ok(_) => return Err("the kubeconfig is not a YAML mapping".into()),
        Err(e) => return Err(format!("couldn't parse the kubeconfig: {e}")),
    };
    let entry = format!("{cluster}.{region}.eksctl.io");
    let mut changed = false;
    let named = |v: &Value, name: &str| v.get("name").and_then(Value::as_str) == Some(name);
    if let Some(Value::Sequence(clusters)) = doc.get_mut("clusters") {
        let before = clusters.len();
        clusters.retain(|c| !named(c, &entry));
        changed |= clusters.len() != before;
    }
    let mut context_name = String::new();
    if let Some(Value::Sequence(contexts)) = doc.get_mut("contexts") {
        if let Some(i) = contexts.iter().position(|c| {
            c.get("context")
                .and_then(|c| c.get("cluster"))
                .and_then(Value::as_str)
                == Some(entry.as_str())
        }) {
            context_name = contexts[i]
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            contexts.remove(i);
            changed = true;
        }
    }
    if !context_name.is_empty() {
        if let Some(Value::Sequence(users)) = doc.get_mut("users") {
            users.retain(|u| !named(u, &context_name));
        }
    }
    let current = doc
        .get("current-context")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if !context_name.is_empty() && current == context_name {
        doc.insert(s("current-context"), s(""));
        changed = true;
    } else if let Some((_, rest)) = current.split_once('@') {
        let exists = matches!(doc.get("contexts"), Some(Value::Sequence(c)) if c.iter().any(|c| named(c, &current)));
        if rest.ends_with("eksctl.io") && !exists {
            doc.insert(s("current-context"), s(""));
            changed = true;
        }
    }
    if !changed {
        return Ok(None);
    }
    yaml_serde::to_string(&Value::Mapping(doc))
        .map(Some)
        .map_err(|e| e.to_string())
}

/// What [`forget_cluster`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Forgotten {
    /// Nothing was ours, or nothing could be read (the reason, for `-v 4`).
    Nothing(Option<String>),
    /// `--auto-kubeconfig`'s own file was removed.
    RemovedAutoFile,
    /// The entries were removed from the default kubeconfig.
    Updated,
}

/// eksctl's `MaybeDeleteConfig`: removes the `--auto-kubeconfig` file of `cluster` if there is
/// one (and its current context is this cluster's), else the cluster's entries from the default
/// kubeconfig (`$KUBECONFIG`'s first path, else `~/.kube/config`).
pub fn forget_cluster(
    cluster: &str,
    region: &str,
    env_kubeconfig: Option<&str>,
    home: Option<&Path>,
) -> Forgotten {
    if let Ok(auto) = resolve_path(None, true, cluster, None, home) {
        if auto.exists() {
            let text = std::fs::read_to_string(&auto).unwrap_or_default();
            let current = yaml_serde::from_str::<Value>(&text)
                .ok()
                .and_then(|d| {
                    d.get("current-context")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .unwrap_or_default();
            let ours = current.split_once('@').is_some_and(|(_, rest)| {
                rest.starts_with(&format!("{cluster}.")) && rest.ends_with(".eksctl.io")
            });
            if !ours {
                return Forgotten::Nothing(Some(format!(
                    "unable to verify ownership of config {:?}, unexpected contex name {current:?}",
                    auto.display().to_string()
                )));
            }
            return match std::fs::remove_file(&auto) {
                Ok(()) => Forgotten::RemovedAutoFile,
                Err(e) => Forgotten::Nothing(Some(format!(
                    "ignoring error while removing auto-generated config file {:?}: {e}",
                    auto.display().to_string()
                ))),
            };
        }
    }
    let Ok(path) = resolve_path(None, false, cluster, env_kubeconfig, home) else {
        return Forgotten::Nothing(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Forgotten::Nothing(None),
        Err(e) => {
            return Forgotten::Nothing(Some(format!(
                "error reading kubeconfig file {:?}: {e}",
                path.display().to_string()
            )))
        }
    };
    match remove_cluster(&text, cluster, region) {
        Ok(Some(updated)) => match write_text(&path, &updated) {
            Ok(()) => Forgotten::Updated,
            Err(e) => Forgotten::Nothing(Some(format!(
                "ignoring error while failing to update config file {:?}: {e}",
                path.display().to_string()
            ))),
        },
        Ok(None) => Forgotten::Nothing(None),
        Err(e) => Forgotten::Nothing(Some(format!(
            "error reading kubeconfig file {:?}: {e}",
            path.display().to_string()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removing_a_cluster_keeps_the_others() {
        let a = access();
        let mut b = access();
        b.cluster = "other".into();
        let two = merge(Some(&merge(None, &b, true).unwrap()), &a, true).unwrap();
        let one = remove_cluster(&two, &a.cluster, &a.region)
            .unwrap()
            .expect("changed");
        let expected_one = {
            let mut text = merge(None, &b, true).unwrap();
            text = text.replace(
                &format!("current-context: {}", b.context_name()),
                "current-context: ''",
            );
            text
        };
        assert_eq!(one, expected_one);
        assert_eq!(remove_cluster(&one, &a.cluster, &a.region).unwrap(), None);
        // The other cluster stays usable; its context stays current when it was.
        let two = merge(Some(&merge(None, &a, true).unwrap()), &b, true).unwrap();
        let one = remove_cluster(&two, &a.cluster, &a.region)
            .unwrap()
            .unwrap();
        assert!(one.contains(&format!("current-context: {}", b.context_name())));
        assert!(!one.contains(&a.cluster_entry_name()));
    }

    fn access() -> ClusterAccess {
        ClusterAccess {
            cluster: "cluster-16".into(),
            region: "ap-northeast-1".into(),
            endpoint: "https://127.0.0.1:4567/k8s/ap-northeast-1/cluster-16".into(),
            ca_data: "Q0E=".into(),
            caller_arn: "arn:aws:iam::123456789012:user/marc".into(),
            profile: None,
            role_arn: None,
        }
    }

    #[test]
    fn names_follow_eksctl() {
        let a = access();
        assert_eq!(
            a.cluster_entry_name(),
            "cluster-16.ap-northeast-1.eksctl.io"
        );
        assert_eq!(a.context_name(), "marc@cluster-16.ap-northeast-1.eksctl.io");
        assert_eq!(
            username_from_arn("arn:aws:iam::123456789012:root"),
            "iam-root-account"
        );
        assert_eq!(
            username_from_arn("arn:aws:sts::123456789012:assumed-role/Admin/session"),
            "session"
        );
    }

    #[test]
    fn a_new_kubeconfig() {
        let expected = "apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: Q0E=
    server: https://127.0.0.1:4567/k8s/ap-northeast-1/cluster-16
  name: cluster-16.ap-northeast-1.eksctl.io
contexts:
- context:
    cluster: cluster-16.ap-northeast-1.eksctl.io
    user: marc@cluster-16.ap-northeast-1.eksctl.io
  name: marc@cluster-16.ap-northeast-1.eksctl.io
current-context: marc@cluster-16.ap-northeast-1.eksctl.io
kind: Config
preferences: {}
users:
- name: marc@cluster-16.ap-northeast-1.eksctl.io
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - eks
      - get-token
      - --output
      - json
      - --cluster-name
      - cluster-16
      - --region
      - ap-northeast-1
      command: aws
      env:
      - name: AWS_STS_REGIONAL_ENDPOINTS
        value: regional
      interactiveMode: IfAvailable
      provideClusterInfo: false
";
        assert_eq!(merge(None, &access(), true).unwrap(), expected);
    }

    #[test]
    fn merging_keeps_other_entries_and_replaces_ours() {
        let existing = "apiVersion: v1
kind: Config
clusters:
- name: other
  cluster:
    server: https://other
- name: cluster-16.ap-northeast-1.eksctl.io
  cluster:
    server: https://stale
contexts: []
users: []
current-context: other
";
        let merged = merge(Some(existing), &access(), false).unwrap();
        let doc: Value = yaml_serde::from_str(&merged).unwrap();
        let clusters = doc["clusters"].as_sequence().unwrap();
        assert_eq!(clusters.len(), 2);
        assert_eq!(clusters[0]["name"], s("other"));
        assert_eq!(
            clusters[1]["cluster"]["server"],
            s("https://127.0.0.1:4567/k8s/ap-northeast-1/cluster-16")
        );
        assert_eq!(doc["current-context"], s("other"));
        assert_eq!(doc["users"].as_sequence().unwrap().len(), 1);
    }

    #[test]
    fn profile_and_role_reach_the_exec_plugin() {
        let mut a = access();
        a.profile = Some("dev".into());
        a.role_arn = Some("arn:aws:iam::123456789012:role/admin".into());
        let text = merge(None, &a, true).unwrap();
        assert!(text.contains("      - --role-arn\n      - arn:aws:iam::123456789012:role/admin\n"));
        assert!(text.contains("      - name: AWS_PROFILE\n        value: dev\n"));
    }

    #[test]
    fn paths() {
        let home = Path::new("/home/u");
        assert_eq!(
            resolve_path(None, false, "c", None, Some(home)).unwrap(),
            PathBuf::from("/home/u/.kube/config")
        );
        assert_eq!(
            resolve_path(None, false, "c", Some("/a:/b"), Some(home)).unwrap(),
            PathBuf::from("/a")
        );
        assert_eq!(
            resolve_path(Some("/x"), false, "c", Some("/a"), Some(home)).unwrap(),
            PathBuf::from("/x")
        );
        assert_eq!(
            resolve_path(None, true, "c", None, Some(home)).unwrap(),
            PathBuf::from("/home/u/.kube/eksctl/clusters/c")
        );
        assert_eq!(
            resolve_path(Some("/x"), true, "c", None, Some(home)).unwrap_err(),
            "--kubeconfig and --auto-kubeconfig cannot be used at the same time"
        );
    }

    #[test]
    fn writing_twice_is_idempotent() {
        let dir = std::env::temp_dir().join(format!("ekscli-kubeconfig-{}", std::process::id()));
        let path = dir.join("nested/config");
        write(&path, &access(), true).unwrap();
        let first = std::fs::read_to_string(&path).unwrap();
        write(&path, &access(), true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), first);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
