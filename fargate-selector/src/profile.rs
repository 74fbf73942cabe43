//! Fargate profiles and selectors as EKS sends them (serde wire shapes), and whether one pod matches
//! one selector or one profile. Choosing among profiles lives in `choose.rs`, reasons in `explain.rs`.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::Serialize;

use crate::pod::PodFacts;
use crate::wildcard::has_wildcard;
use crate::wildcard::wildcard_match;

/// One entry of a profile's `selectors`: `{"namespace": "dev", "labels": {"env": "dev"}}`.
///
/// Every field may hold the wildcards `*` and `?` (see [`wildcard_match`]). A selector without labels
/// has no `labels` key on the wire; both parse to an empty map, and serialise without the key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    /// Namespace pattern. Missing on the wire parses as `""`, which [`validate_selectors`]
    /// rejects and which matches no pod (a pod always has a namespace).
    ///
    /// [`validate_selectors`]: crate::validate_selectors
    #[serde(default)]
    pub namespace: String,
    /// Label key pattern → label value pattern. The pod needs every entry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// The part of an EKS `FargateProfile` that scheduling needs. Other wire fields (ARN, role, subnets,
/// tags, …) are ignored when parsing.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// `fargateProfileName`. Unique within a cluster; profiles are ranked by it, byte-wise.
    #[serde(rename = "fargateProfileName")]
    pub name: String,
    /// Only [`ProfileStatus::Active`] profiles take pods.
    pub status: ProfileStatus,
    /// A pod matches the profile when it matches any of these.
    #[serde(default)]
    pub selectors: Vec<Selector>,
}

/// `FargateProfile.status`, spelled as AWS spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ProfileStatus {
    /// `CREATING`: accepted by the API, not yet taking pods.
    Creating,
    /// `ACTIVE`: the only status in which the profile takes pods.
    Active,
    /// `DELETING`: being removed; its pods are being deleted.
    Deleting,
    /// `CREATE_FAILED`: creation failed; the profile never takes pods.
    CreateFailed,
    /// `DELETE_FAILED`: deletion failed; the profile no longer takes pods.
    DeleteFailed,
}

impl ProfileStatus {
    /// The AWS spelling, e.g. `"CREATE_FAILED"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Creating => "CREATING",
            Self::Active => "ACTIVE",
            Self::Deleting => "DELETING",
            Self::CreateFailed => "CREATE_FAILED",
            Self::DeleteFailed => "DELETE_FAILED",
        }
    }
}

impl fmt::Display for ProfileStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Selector {
    /// Does the pod's namespace match this selector's namespace pattern?
    #[must_use]
    pub fn matches_namespace(&self, namespace: &str) -> bool {
        wildcard_match(&self.namespace, namespace)
    }

    /// A pod matches the selector when its namespace matches **and**, for every `key: value` of the
    /// selector, the pod has at least one label whose key matches `key` and whose value matches `value`.
    #[must_use]
    pub fn matches(&self, pod: &PodFacts<'_>) -> bool {
        self.matches_namespace(pod.namespace)
            && self
                .labels
                .iter()
                .all(|(key, value)| find_label(pod.labels, key, value).is_ok())
    }
}

impl Profile {
    /// Does the pod match any selector? Says nothing about status, pinning or opt-out:
    /// see [`choose_profile`](crate::choose_profile) for the whole decision.
    #[must_use]
    pub fn matches(&self, pod: &PodFacts<'_>) -> bool {
        self.first_matching_selector(pod).is_some()
    }

    /// The index (0-based) of the first selector the pod matches.
    #[must_use]
    pub fn first_matching_selector(&self, pod: &PodFacts<'_>) -> Option<usize> {
        self.selectors
            .iter()
            .position(|selector| selector.matches(pod))
    }
}

/// How the pod's labels fare against one selector label `key_pattern: value_pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LabelLookup<'a> {
    /// No pod label key matches `key_pattern`.
    NoSuchKey,
    /// Some pod label keys match, but none of their values matches; this is the first of them.
    WrongValue { key: &'a str, value: &'a str },
}

/// Finds a pod label `(key, value)` matching the selector label, or says why there is none.
/// A wildcard-free key pattern is a map lookup; a pattern with wildcards scans the pod's labels.
pub(crate) fn find_label<'a>(
    pod_labels: &'a BTreeMap<String, String>,
    key_pattern: &str,
    value_pattern: &str,
) -> Result<(), LabelLookup<'a>> {
    let mut first_wrong_value = None;
    let mut candidates = |key: &'a String, value: &'a String| {
        if wildcard_match(value_pattern, value) {
            true
        } else {
            first_wrong_value.get_or_insert(LabelLookup::WrongValue { key, value });
            false
        }
    };
    let found = if has_wildcard(key_pattern) {
        pod_labels
            .iter()
            .filter(|(key, _)| wildcard_match(key_pattern, key))
            .any(|(key, value)| candidates(key, value))
    } else {
        pod_labels
            .get_key_value(key_pattern)
            .is_some_and(|(key, value)| candidates(key, value))
    };
    if found {
        Ok(())
    } else {
        Err(first_wrong_value.unwrap_or(LabelLookup::NoSuchKey))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn selector(namespace: &str, pairs: &[(&str, &str)]) -> Selector {
        Selector {
            namespace: namespace.to_owned(),
            labels: labels(pairs),
        }
    }

    #[test]
    fn parses_the_wire_shapes() {
        let table = [
            (
                r#"{"fargateProfileName":"fp-default","status":"ACTIVE",
                    "selectors":[{"namespace":"default"},{"namespace":"kube-system"}]}"#,
                Profile {
                    name: "fp-default".into(),
                    status: ProfileStatus::Active,
                    selectors: vec![selector("default", &[]), selector("kube-system", &[])],
                },
                "selectors without a labels key",
            ),
            (
                r#"{"fargateProfileName":"fp-dev","status":"CREATING","clusterName":"cluster-16",
                    "podExecutionRoleArn":"arn:aws:iam::111122223333:role/r","subnets":[],"tags":{},
                    "selectors":[{"namespace":"dev","labels":{"env":"dev","checks":"passed"}}]}"#,
                Profile {
                    name: "fp-dev".into(),
                    status: ProfileStatus::Creating,
                    selectors: vec![selector("dev", &[("env", "dev"), ("checks", "passed")])],
                },
                "labels, and other FargateProfile fields ignored",
            ),
            (
                r#"{"fargateProfileName":"p","status":"CREATE_FAILED",
                    "selectors":[{"namespace":"prod*","labels":{"labelname*?":"*value1"}}]}"#,
                Profile {
                    name: "p".into(),
                    status: ProfileStatus::CreateFailed,
                    selectors: vec![selector("prod*", &[("labelname*?", "*value1")])],
                },
                "the real CLI example selector",
            ),
            (
                r#"{"fargateProfileName":"p","status":"DELETE_FAILED","selectors":[{"labels":{}}]}"#,
                Profile {
                    name: "p".into(),
                    status: ProfileStatus::DeleteFailed,
                    selectors: vec![selector("", &[])],
                },
                "a missing namespace parses as empty (validation rejects it)",
            ),
            (
                r#"{"fargateProfileName":"p","status":"DELETING"}"#,
                Profile {
                    name: "p".into(),
                    status: ProfileStatus::Deleting,
                    selectors: vec![],
                },
                "missing selectors parse as none (validation rejects it)",
            ),
        ];
        for (json, expected, why) in table {
            let parsed: Profile =
                serde_json::from_str(json).unwrap_or_else(|e| panic!("{why}: {e}"));
            assert_eq!(parsed, expected, "{why}");
        }
    }

    #[test]
    fn rejects_a_status_aws_does_not_spell() {
        let table = [
            (r#""Active""#, "AWS spells statuses in capitals"),
            (r#""PENDING""#, "not a Fargate profile status"),
        ];
        for (json, why) in table {
            assert!(
                serde_json::from_str::<ProfileStatus>(json).is_err(),
                "{json}: {why}"
            );
        }
    }

    #[test]
    fn serialises_a_selector_as_aws_does() {
        let table = [
            (
                selector("default", &[]),
                r#"{"namespace":"default"}"#,
                "no labels key when empty",
            ),
            (
                selector("dev", &[("env", "dev")]),
                r#"{"namespace":"dev","labels":{"env":"dev"}}"#,
                "labels when present",
            ),
        ];
        for (selector, expected, why) in table {
            assert_eq!(serde_json::to_string(&selector).unwrap(), expected, "{why}");
        }
        assert_eq!(
            serde_json::to_string(&ProfileStatus::CreateFailed).unwrap(),
            r#""CREATE_FAILED""#,
            "status as AWS spells it"
        );
    }

    #[test]
    fn selector_matches_like_aws_describes() {
        let none: &[(&str, &str)] = &[];
        let table = [
            // (selector namespace, selector labels, pod namespace, pod labels, matches, why)
            (
                "dev",
                none,
                "dev",
                none,
                true,
                "namespace only, no labels required",
            ),
            ("dev", none, "prod", none, false, "namespace differs"),
            (
                "dev",
                &[("env", "dev")],
                "dev",
                &[("env", "dev"), ("app", "x")],
                true,
                "extra pod labels are fine",
            ),
            (
                "dev",
                &[("env", "dev"), ("checks", "passed")],
                "dev",
                &[("env", "dev")],
                false,
                "needs all labels",
            ),
            (
                "dev",
                &[("env", "dev")],
                "dev",
                &[("env", "prod")],
                false,
                "label value differs",
            ),
            (
                "dev",
                &[("env", "dev")],
                "prod",
                &[("env", "dev")],
                false,
                "labels do not rescue the namespace",
            ),
            (
                "prod*",
                none,
                "production",
                none,
                true,
                "namespace wildcard `prod*`",
            ),
            (
                "*dev*",
                none,
                "team-dev-a",
                none,
                true,
                "namespace wildcard `*dev*`",
            ),
            (
                "frontend*?",
                none,
                "frontend",
                none,
                false,
                "`frontend*?` needs one more character",
            ),
            (
                "prod*",
                &[("labelname*?", "*value1")],
                "prod-a",
                &[("labelname1", "my-value1")],
                true,
                "CLI example, match",
            ),
            (
                "prod*",
                &[("labelname*?", "*value1")],
                "prod-a",
                &[("labelname", "value1")],
                false,
                "CLI example, key needs a char after labelname",
            ),
            (
                "prod*",
                &[("labelname*?", "*value1")],
                "prod-a",
                &[("labelnameX", "value2")],
                false,
                "CLI example, value must end in value1",
            ),
            (
                "*",
                &[("app*", "web")],
                "x",
                &[("app-a", "db"), ("app-b", "web")],
                true,
                "any one pod key matching both patterns suffices",
            ),
            (
                "*",
                &[("app", "*")],
                "x",
                &[("app", "")],
                true,
                "`*` value matches an empty value",
            ),
            (
                "*",
                &[("app", "*")],
                "x",
                none,
                false,
                "`*` value still needs the key",
            ),
            (
                "*",
                &[("*", "*")],
                "x",
                none,
                false,
                "`*: *` needs at least one label",
            ),
            (
                "",
                none,
                "default",
                none,
                false,
                "an empty namespace pattern matches no pod",
            ),
        ];
        for (namespace, selector_labels, pod_namespace, pod_labels, expected, why) in table {
            let selector = selector(namespace, selector_labels);
            let pod_labels = labels(pod_labels);
            let pod = PodFacts::new(pod_namespace, Some(&pod_labels), None);
            assert_eq!(
                selector.matches(&pod),
                expected,
                "{selector:?} vs {pod:?}: {why}"
            );
        }
    }

    #[test]
    fn profile_matches_when_any_selector_matches() {
        let fp_default = Profile {
            name: "fp-default".into(),
            status: ProfileStatus::Active,
            selectors: vec![selector("default", &[]), selector("kube-system", &[])],
        };
        let no_labels = BTreeMap::new();
        let table = [
            ("default", Some(0), "first selector"),
            ("kube-system", Some(1), "second selector"),
            ("dev", None, "neither selector"),
        ];
        for (namespace, expected, why) in table {
            let pod = PodFacts::new(namespace, Some(&no_labels), None);
            assert_eq!(fp_default.first_matching_selector(&pod), expected, "{why}");
            assert_eq!(fp_default.matches(&pod), expected.is_some(), "{why}");
        }
    }

    /// Selector labels whose key patterns start with `key_start`, over a tiny alphabet so they hit often.
    fn selector_labels(key_start: &str) -> impl Strategy<Value = BTreeMap<String, String>> {
        let keys =
            proptest::string::string_regex(&format!("{key_start}[ab*?]?")).expect("a valid regex");
        proptest::collection::btree_map(keys, "[ab*?]{0,2}", 0..4)
    }

    /// Pod labels whose keys start with `key_start`.
    fn pod_labels(key_start: &str) -> impl Strategy<Value = BTreeMap<String, String>> {
        let keys =
            proptest::string::string_regex(&format!("{key_start}[ab]?")).expect("a valid regex");
        proptest::collection::btree_map(keys, "[ab]{0,2}", 0..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Adding a label (with a key the pod does not have yet) to a pod never turns a match into a miss.
        #[test]
        fn adding_a_label_to_a_pod_never_loses_a_match(
            selector_namespace in "[ab*?]{1,2}",
            selector_labels in selector_labels("[ab*?]"),
            namespace in "[ab]{1,2}",
            mut pod_labels in pod_labels("a"),
            new_key in "b[ab]?",
            new_value in "[ab]{0,2}",
        ) {
            let selector = Selector { namespace: selector_namespace, labels: selector_labels };
            let before = selector.matches(&PodFacts::new(&namespace, Some(&pod_labels), None));
            // The pod's keys start with `a`, the new one with `b`: it is new, and patterns can match it.
            pod_labels.insert(new_key, new_value);
            let after = selector.matches(&PodFacts::new(&namespace, Some(&pod_labels), None));
            prop_assert!(!before || after, "a match became a miss");
        }

        /// Adding a label (with a key pattern the selector does not have yet) to a selector never turns a
        /// miss into a match.
        #[test]
        fn adding_a_label_to_a_selector_never_gains_a_match(
            selector_namespace in "[ab*?]{1,2}",
            mut selector_labels in selector_labels("[ab]"),
            namespace in "[ab]{1,2}",
            pod_labels in pod_labels("[ab]"),
            new_key in "[*?][ab*?]?",
            new_value in "[ab*?]{0,2}",
        ) {
            let pod = PodFacts::new(&namespace, Some(&pod_labels), None);
            let mut selector = Selector { namespace: selector_namespace, labels: selector_labels.clone() };
            let before = selector.matches(&pod);
            // The selector's key patterns start with a letter, the new one with a wildcard: it is new,
            // and it can match the pod's keys.
            selector_labels.insert(new_key, new_value);
            selector.labels = selector_labels;
            let after = selector.matches(&pod);
            prop_assert!(before || !after, "a miss became a match");
        }
    }
}
