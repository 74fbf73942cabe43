//! The Fargate scheduler's decision: does this pod run on Fargate, and under which profile, and why.
//!
//! One pure, documented piece of code shared by the emulator's scheduler and the `ekscli` client, so it
//! depends on neither (only on serde, for the EKS wire shapes). It does no I/O, keeps no state and knows
//! no AWS message texts.
//!
//! # The rules (EKS user guide, "Fargate profile" and "Fargate pod scheduling")
//!
//! - A pod matches a [`Selector`] when its namespace matches **and** it has all of the selector's labels:
//!   for each selector label, at least one pod label whose key matches the key and whose value matches
//!   the value.
//! - A pod matches a [`Profile`] when it matches any of its selectors.
//! - Namespaces, label keys and label values may use `*` (zero or more characters) and `?` (exactly one
//!   character), anywhere. Nothing else is special ([`wildcard_match`]).
//! - Only `ACTIVE` profiles take pods ([`ProfileStatus`]).
//! - A pod annotated `eks.amazonaws.com/compute-type: ec2` does not go to Fargate.
//! - A pod labelled `eks.amazonaws.com/fargate-profile: <name>` runs under that profile only if it matches
//!   one of its selectors, and otherwise not on Fargate at all.
//! - Otherwise, of the matching profiles, the one whose name sorts first (byte-wise) wins.
//!
//! [`choose_profile`] decides; [`explain`] decides and says why, per profile and selector;
//! [`validate_selectors`] checks a profile's selectors as `CreateFargateProfile` does.
//!
//! # Example: the seed page's profiles
//!
//! ```
//! use std::collections::BTreeMap;
//! use fargate_selector::{choose_profile, explain, PodFacts, Profile};
//!
//! // As DescribeFargateProfile returns them (other fields omitted).
//! let profiles: Vec<Profile> = serde_json::from_str(r#"[
//!   {"fargateProfileName": "fp-default", "status": "ACTIVE",
//!    "selectors": [{"namespace": "default"}, {"namespace": "kube-system"}]},
//!   {"fargateProfileName": "fp-dev", "status": "ACTIVE",
//!    "selectors": [{"namespace": "dev", "labels": {"env": "dev", "checks": "passed"}}]}
//! ]"#)?;
//!
//! let labels = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
//!     pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
//! };
//!
//! // kube-system is selected by fp-default.
//! let pod = PodFacts::new("kube-system", None, None);
//! assert_eq!(choose_profile(&pod, &profiles).map(|p| p.name.as_str()), Some("fp-default"));
//!
//! // In dev, a pod needs both of fp-dev's labels.
//! let both = labels(&[("env", "dev"), ("checks", "passed")]);
//! let pod = PodFacts::new("dev", Some(&both), None);
//! assert_eq!(choose_profile(&pod, &profiles).map(|p| p.name.as_str()), Some("fp-dev"));
//!
//! // With one, it stays Pending, and the explanation says why.
//! let one = labels(&[("env", "dev")]);
//! let pod = PodFacts::new("dev", Some(&one), None);
//! assert_eq!(choose_profile(&pod, &profiles), None);
//! let why = explain(&pod, &profiles);
//! assert!(why.lines().contains(&r#"fp-dev: selector #1 (namespace dev): missing label "checks""#.to_string()));
//! assert_eq!(
//!     why.summary(),
//!     r#"pod matches no ACTIVE Fargate profile: fp-default: no selector for namespace "dev"; fp-dev: missing label "checks""#,
//! );
//! # Ok::<(), serde_json::Error>(())
//! ```

mod choose;
mod explain;
mod pod;
mod profile;
mod validate;
mod wildcard;

pub use choose::choose_profile;
pub use explain::explain;
pub use explain::Decision;
pub use explain::Explanation;
pub use explain::Mismatch;
pub use explain::ProfileReport;
pub use explain::ProfileVerdict;
pub use explain::SelectorReport;
pub use pod::PodFacts;
pub use pod::COMPUTE_TYPE_ANNOTATION;
pub use pod::COMPUTE_TYPE_EC2;
pub use pod::FARGATE_PROFILE_LABEL;
pub use profile::Profile;
pub use profile::ProfileStatus;
pub use profile::Selector;
pub use validate::validate_selectors;
pub use validate::SelectorError;
pub use validate::MAX_LABELS_PER_SELECTOR;
pub use validate::MAX_SELECTORS_PER_PROFILE;
pub use wildcard::has_wildcard;
pub use wildcard::wildcard_match;
