//! What the Fargate decision reads from a pod: namespace, labels, annotations, and the two well-known
//! keys (the profile-pinning label and the opt-out annotation). Owns no matching logic.

use std::collections::BTreeMap;

/// The pod label that pins a profile: `eks.amazonaws.com/fargate-profile: <name>`. EKS also sets it on
/// every pod it schedules onto Fargate. A pinned pod runs under that profile if, and only if, it matches
/// one of its selectors; otherwise it is not scheduled on Fargate at all.
pub const FARGATE_PROFILE_LABEL: &str = "eks.amazonaws.com/fargate-profile";

/// The pod annotation that opts a pod out of Fargate: `eks.amazonaws.com/compute-type: ec2`.
/// Only the value [`COMPUTE_TYPE_EC2`] opts out; eksctl sets `fargate` on CoreDNS, which does not.
pub const COMPUTE_TYPE_ANNOTATION: &str = "eks.amazonaws.com/compute-type";

/// The [`COMPUTE_TYPE_ANNOTATION`] value that keeps a pod off Fargate (compared exactly).
pub const COMPUTE_TYPE_EC2: &str = "ec2";

/// An empty map for pods without labels or annotations (`ObjectMeta` has `Option<BTreeMap<..>>`).
static NO_ENTRIES: BTreeMap<String, String> = BTreeMap::new();

/// The facts about a pod that decide whether, and under which profile, it runs on Fargate.
///
/// Built from k8s-openapi's `ObjectMeta` in one statement:
///
/// ```
/// # use std::collections::BTreeMap;
/// # use fargate_selector::PodFacts;
/// # /// The fields of k8s-openapi's `ObjectMeta` that matter here, with the same types.
/// # #[derive(Default)]
/// # struct ObjectMeta {
/// #     namespace: Option<String>,
/// #     labels: Option<BTreeMap<String, String>>,
/// #     annotations: Option<BTreeMap<String, String>>,
/// # }
/// # let meta = ObjectMeta::default();
/// let pod = PodFacts::new(
///     meta.namespace.as_deref().unwrap_or("default"),
///     meta.labels.as_ref(),
///     meta.annotations.as_ref(),
/// );
/// assert!(pod.labels.is_empty() && !pod.opts_out());
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PodFacts<'a> {
    /// `metadata.namespace`.
    pub namespace: &'a str,
    /// `metadata.labels`.
    pub labels: &'a BTreeMap<String, String>,
    /// `metadata.annotations`.
    pub annotations: &'a BTreeMap<String, String>,
}

impl<'a> PodFacts<'a> {
    /// A pod in `namespace`; `None` for labels or annotations means the pod has none.
    #[must_use]
    pub fn new(
        namespace: &'a str,
        labels: Option<&'a BTreeMap<String, String>>,
        annotations: Option<&'a BTreeMap<String, String>>,
    ) -> Self {
        Self {
            namespace,
            labels: labels.unwrap_or(&NO_ENTRIES),
            annotations: annotations.unwrap_or(&NO_ENTRIES),
        }
    }

    /// The profile named by the pod's [`FARGATE_PROFILE_LABEL`], if it has one.
    #[must_use]
    pub fn pinned_profile(&self) -> Option<&'a str> {
        self.labels.get(FARGATE_PROFILE_LABEL).map(String::as_str)
    }

    /// Is the pod annotated `eks.amazonaws.com/compute-type: ec2`?
    #[must_use]
    pub fn opts_out(&self) -> bool {
        self.annotations
            .get(COMPUTE_TYPE_ANNOTATION)
            .is_some_and(|value| value == COMPUTE_TYPE_EC2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_opt_out_annotation_exactly() {
        let table = [
            (None, false, "no annotation"),
            (Some("ec2"), true, "ec2 opts out"),
            (
                Some("fargate"),
                false,
                "eksctl's coredns value does not opt out",
            ),
            (Some("EC2"), false, "the value is compared exactly"),
            (Some(""), false, "an empty value does not opt out"),
        ];
        for (value, expected, why) in table {
            let annotations: BTreeMap<String, String> = value
                .map(|v| (COMPUTE_TYPE_ANNOTATION.to_owned(), v.to_owned()))
                .into_iter()
                .collect();
            let pod = PodFacts::new("default", None, Some(&annotations));
            assert_eq!(pod.opts_out(), expected, "{value:?}: {why}");
        }
    }

    #[test]
    fn reads_the_pinning_label() {
        let table = [
            (None, None, "no label"),
            (Some("fp-dev"), Some("fp-dev"), "pins fp-dev"),
            (
                Some(""),
                Some(""),
                "an empty value pins the (non-existent) empty name",
            ),
        ];
        for (value, expected, why) in table {
            let labels: BTreeMap<String, String> = value
                .map(|v| (FARGATE_PROFILE_LABEL.to_owned(), v.to_owned()))
                .into_iter()
                .collect();
            let pod = PodFacts::new("default", Some(&labels), None);
            assert_eq!(pod.pinned_profile(), expected, "{why}");
        }
    }
}
