//! Why a pod did or did not land on a Fargate profile: typed reasons per profile and per selector, each
//! with a one-line English `Display`, plus a short summary for a Kubernetes event. Reaches the same
//! decision as `choose.rs` (a property test holds them together); owns no wire or event plumbing.

use std::fmt;

use crate::pod::PodFacts;
use crate::pod::COMPUTE_TYPE_ANNOTATION;
use crate::pod::COMPUTE_TYPE_EC2;
use crate::pod::FARGATE_PROFILE_LABEL;
use crate::profile::find_label;
use crate::profile::LabelLookup;
use crate::profile::Profile;
use crate::profile::ProfileStatus;
use crate::profile::Selector;
use crate::wildcard::has_wildcard;

/// The whole answer for one pod: the decision, and a report on every profile, sorted by name.
///
/// `Display` writes one line for the decision, then for each profile one line for its verdict and one
/// per selector, e.g. `fp-dev: selector #1 (namespace dev): missing label "checks"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Where the pod goes.
    pub decision: Decision,
    /// One report per profile given, in byte-wise ascending order of name.
    pub profiles: Vec<ProfileReport>,
}

/// Where the pod goes. `Display` is one sentence, e.g. `pod matches no ACTIVE Fargate profile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The pod runs on Fargate under `profile`, through its selector `selector` (0-based; the first that
    /// matches).
    Fargate { profile: String, selector: usize },
    /// The pod is annotated `eks.amazonaws.com/compute-type: ec2`.
    OptedOut,
    /// The pod's `eks.amazonaws.com/fargate-profile` label names a profile that is not in the cluster.
    PinnedProfileMissing { profile: String },
    /// The pod's `eks.amazonaws.com/fargate-profile` label names a profile that is not ACTIVE.
    PinnedProfileNotActive {
        profile: String,
        status: ProfileStatus,
    },
    /// The pod's `eks.amazonaws.com/fargate-profile` label names an ACTIVE profile none of whose
    /// selectors the pod matches.
    PinnedProfileNotMatched { profile: String },
    /// No ACTIVE profile has a selector that the pod matches.
    NoMatchingProfile,
}

/// How one profile fared, and how each of its selectors did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileReport {
    /// The profile's name.
    pub name: String,
    /// The profile's status.
    pub status: ProfileStatus,
    /// The verdict on the profile as a whole.
    pub verdict: ProfileVerdict,
    /// Each selector, in the profile's order, evaluated whatever the verdict (so a CREATING profile
    /// still says whether the pod would match it).
    pub selectors: Vec<SelectorReport>,
}

/// The verdict on one profile. When several apply, the first in this order is given: opted out, not
/// ACTIVE, pinned elsewhere, then what matching says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileVerdict {
    /// The pod runs under this profile, through selector `selector` (0-based).
    Chosen { selector: usize },
    /// Selector `selector` (0-based) matches, but `winner` also matches and sorts first by name.
    Outranked { selector: usize, winner: String },
    /// The profile is eligible but none of its selectors matches.
    NoSelectorMatches,
    /// The profile is not ACTIVE, so it takes no pods.
    NotActive { status: ProfileStatus },
    /// The pod pins another profile with its `eks.amazonaws.com/fargate-profile` label.
    PinnedElsewhere { pinned: String },
    /// The pod is annotated `eks.amazonaws.com/compute-type: ec2`.
    PodOptedOut,
}

/// How one selector fared. It matches when `mismatches` is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorReport {
    /// The selector's position in its profile, 0-based (`Display` shows it 1-based: `selector #1`).
    pub index: usize,
    /// The selector's namespace pattern.
    pub namespace: String,
    /// Why the pod does not match: the namespace alone when it differs (labels are then beside the
    /// point), else every selector label the pod lacks, in key order.
    pub mismatches: Vec<Mismatch>,
}

/// One reason a pod does not match a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The pod's `namespace` does not match the selector's namespace `pattern`.
    Namespace { namespace: String, pattern: String },
    /// No pod label key matches the selector's key pattern `key`.
    MissingLabel { key: String },
    /// Pod labels match the key pattern `key_pattern`, but none has a value matching `expected`;
    /// `key` and `value` are the first such pod label.
    LabelValue {
        key_pattern: String,
        key: String,
        value: String,
        expected: String,
    },
}

/// Explains where the pod goes and why, over every profile given.
///
/// Reaches the same decision as [`choose_profile`](crate::choose_profile), but evaluates every selector
/// of every profile, so it is slower; use it to report, not to schedule.
pub fn explain<'p, I>(pod: &PodFacts<'_>, profiles: I) -> Explanation
where
    I: IntoIterator<Item = &'p Profile>,
{
    let mut sorted: Vec<&Profile> = profiles.into_iter().collect();
    // Stable: profiles sharing a name keep their given order, as in `choose_profile`.
    sorted.sort_by(|a, b| a.name.cmp(&b.name));

    let opted_out = pod.opts_out();
    let pinned = pod.pinned_profile();
    let selector_reports: Vec<Vec<SelectorReport>> = sorted
        .iter()
        .map(|profile| explain_selectors(profile, pod))
        .collect();
    let first_match: Vec<Option<usize>> = selector_reports
        .iter()
        .map(|reports| reports.iter().position(SelectorReport::matched))
        .collect();
    let eligible = |i: usize| {
        !opted_out
            && sorted[i].status == ProfileStatus::Active
            && pinned.is_none_or(|name| name == sorted[i].name)
    };
    let chosen = (0..sorted.len()).find(|&i| eligible(i) && first_match[i].is_some());

    let decision = decide(&sorted, &first_match, chosen, opted_out, pinned);
    let profiles = sorted
        .iter()
        .zip(selector_reports)
        .zip(&first_match)
        .enumerate()
        .map(|(i, ((profile, selectors), first_match))| {
            let verdict = if opted_out {
                ProfileVerdict::PodOptedOut
            } else if profile.status != ProfileStatus::Active {
                ProfileVerdict::NotActive {
                    status: profile.status,
                }
            } else if let Some(pinned) = pinned.filter(|name| *name != profile.name) {
                ProfileVerdict::PinnedElsewhere {
                    pinned: pinned.to_owned(),
                }
            } else {
                match (*first_match, chosen) {
                    (None, _) => ProfileVerdict::NoSelectorMatches,
                    (Some(selector), Some(winner)) if winner != i => ProfileVerdict::Outranked {
                        selector,
                        winner: sorted[winner].name.clone(),
                    },
                    // An eligible, matching profile: `chosen` is this one (or, for a duplicate
                    // name, an earlier one, handled above).
                    (Some(selector), _) => ProfileVerdict::Chosen { selector },
                }
            };
            ProfileReport {
                name: profile.name.clone(),
                status: profile.status,
                verdict,
                selectors,
            }
        })
        .collect();
    Explanation { decision, profiles }
}

fn decide(
    sorted: &[&Profile],
    first_match: &[Option<usize>],
    chosen: Option<usize>,
    opted_out: bool,
    pinned: Option<&str>,
) -> Decision {
    if opted_out {
        return Decision::OptedOut;
    }
    if let Some(i) = chosen {
        return Decision::Fargate {
            profile: sorted[i].name.clone(),
            selector: first_match[i].unwrap_or_default(),
        };
    }
    let Some(pinned) = pinned else {
        return Decision::NoMatchingProfile;
    };
    let mut named = sorted.iter().filter(|profile| profile.name == pinned);
    let profile = pinned.to_owned();
    match named.clone().next() {
        None => Decision::PinnedProfileMissing { profile },
        Some(_) if named.any(|p| p.status == ProfileStatus::Active) => {
            Decision::PinnedProfileNotMatched { profile }
        }
        Some(first) => Decision::PinnedProfileNotActive {
            profile,
            status: first.status,
        },
    }
}

fn explain_selectors(profile: &Profile, pod: &PodFacts<'_>) -> Vec<SelectorReport> {
    profile
        .selectors
        .iter()
        .enumerate()
        .map(|(index, selector)| SelectorReport {
            index,
            namespace: selector.namespace.clone(),
            mismatches: mismatches(selector, pod),
        })
        .collect()
}

fn mismatches(selector: &Selector, pod: &PodFacts<'_>) -> Vec<Mismatch> {
    if !selector.matches_namespace(pod.namespace) {
        return vec![Mismatch::Namespace {
            namespace: pod.namespace.to_owned(),
            pattern: selector.namespace.clone(),
        }];
    }
    selector
        .labels
        .iter()
        .filter_map(
            |(key_pattern, expected)| match find_label(pod.labels, key_pattern, expected) {
                Ok(()) => None,
                Err(LabelLookup::NoSuchKey) => Some(Mismatch::MissingLabel {
                    key: key_pattern.clone(),
                }),
                Err(LabelLookup::WrongValue { key, value }) => Some(Mismatch::LabelValue {
                    key_pattern: key_pattern.clone(),
                    key: key.to_owned(),
                    value: value.to_owned(),
                    expected: expected.clone(),
                }),
            },
        )
        .collect()
}

impl Explanation {
    /// The chosen profile's name, if the pod goes to Fargate.
    #[must_use]
    pub fn chosen(&self) -> Option<&str> {
        self.decision.profile()
    }

    /// Every line of the explanation: the decision, then per profile its verdict and its selectors.
    #[must_use]
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![self.decision.to_string()];
        for report in &self.profiles {
            lines.push(report.to_string());
            for selector in &report.selectors {
                lines.push(format!("{}: {selector}", report.name));
            }
        }
        lines
    }

    /// One short line for a Kubernetes event (e.g. `FailedScheduling`): the decision, and when the pod
    /// was not placed for want of a match, the nearest miss per profile, e.g.
    /// `pod matches no ACTIVE Fargate profile: fp-default: no selector for namespace "dev"; fp-dev:
    /// missing label "checks"`.
    #[must_use]
    pub fn summary(&self) -> String {
        match &self.decision {
            Decision::NoMatchingProfile if self.profiles.is_empty() => {
                format!("{}: the cluster has no Fargate profile", self.decision)
            }
            Decision::NoMatchingProfile => {
                let reasons: Vec<String> = self
                    .profiles
                    .iter()
                    .map(|report| format!("{}: {}", report.name, report.nearest_miss()))
                    .collect();
                format!("{}: {}", self.decision, reasons.join("; "))
            }
            Decision::PinnedProfileNotMatched { profile } => {
                let nearest = self
                    .profiles
                    .iter()
                    .find(|report| &report.name == profile)
                    .map(ProfileReport::nearest_miss);
                match nearest {
                    Some(reason) => format!("{}: {reason}", self.decision),
                    None => self.decision.to_string(),
                }
            }
            _ => self.decision.to_string(),
        }
    }
}

impl ProfileReport {
    /// The short reason this profile did not take the pod: its status, or the mismatches of its first
    /// selector whose namespace matches, or that no selector's namespace does.
    fn nearest_miss(&self) -> String {
        if let ProfileVerdict::NotActive { status } = self.verdict {
            return format!("{status}, not ACTIVE");
        }
        let namespace_matched = self.selectors.iter().find(|selector| {
            !selector
                .mismatches
                .iter()
                .any(|m| matches!(m, Mismatch::Namespace { .. }))
        });
        match namespace_matched {
            Some(selector) if selector.matched() => self.verdict.to_string(),
            Some(selector) => join(&selector.mismatches),
            None => match self.selectors.iter().flat_map(|s| &s.mismatches).next() {
                Some(Mismatch::Namespace { namespace, .. }) => {
                    format!("no selector for namespace {namespace:?}")
                }
                _ => "no selectors".to_owned(),
            },
        }
    }
}

impl SelectorReport {
    /// Does the pod match this selector?
    #[must_use]
    pub fn matched(&self) -> bool {
        self.mismatches.is_empty()
    }
}

impl Decision {
    /// The chosen profile's name, if the pod goes to Fargate.
    #[must_use]
    pub fn profile(&self) -> Option<&str> {
        match self {
            Self::Fargate { profile, .. } => Some(profile),
            _ => None,
        }
    }
}

fn join(mismatches: &[Mismatch]) -> String {
    mismatches
        .iter()
        .map(Mismatch::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lines().join("\n"))
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fargate { profile, selector } => write!(
                f,
                "pod runs on Fargate profile {profile:?} (selector #{} matches)",
                selector + 1
            ),
            Self::OptedOut => write!(
                f,
                "pod opted out of Fargate with annotation {COMPUTE_TYPE_ANNOTATION}: {COMPUTE_TYPE_EC2}"
            ),
            Self::PinnedProfileMissing { profile } => write!(
                f,
                "pod pins Fargate profile {profile:?} with label {FARGATE_PROFILE_LABEL}, which does not exist"
            ),
            Self::PinnedProfileNotActive { profile, status } => write!(
                f,
                "pod pins Fargate profile {profile:?} with label {FARGATE_PROFILE_LABEL}, which is {status}, not ACTIVE"
            ),
            Self::PinnedProfileNotMatched { profile } => write!(
                f,
                "pod pins Fargate profile {profile:?} with label {FARGATE_PROFILE_LABEL} but matches none of its selectors"
            ),
            Self::NoMatchingProfile => f.write_str("pod matches no ACTIVE Fargate profile"),
        }
    }
}

impl fmt::Display for ProfileReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name, self.verdict)
    }
}

impl fmt::Display for ProfileVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Chosen { selector } => write!(f, "chosen, selector #{} matches", selector + 1),
            Self::Outranked { selector, winner } => write!(
                f,
                "selector #{} matches, but {winner:?} comes first by name",
                selector + 1
            ),
            Self::NoSelectorMatches => f.write_str("no selector matches"),
            Self::NotActive { status } => write!(f, "skipped, status is {status}, not ACTIVE"),
            Self::PinnedElsewhere { pinned } => write!(
                f,
                "skipped, pod pins profile {pinned:?} with label {FARGATE_PROFILE_LABEL}"
            ),
            Self::PodOptedOut => write!(
                f,
                "skipped, pod opted out with annotation {COMPUTE_TYPE_ANNOTATION}: {COMPUTE_TYPE_EC2}"
            ),
        }
    }
}

impl fmt::Display for SelectorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `escape_debug` keeps the line one line even for a namespace pattern with odd characters.
        write!(
            f,
            "selector #{} (namespace {}): ",
            self.index + 1,
            self.namespace.escape_debug()
        )?;
        if self.matched() {
            f.write_str("matches")
        } else {
            f.write_str(&join(&self.mismatches))
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Namespace { namespace, pattern } => {
                write!(f, "namespace {namespace:?} does not match {pattern:?}")
            }
            Self::MissingLabel { key } if has_wildcard(key) => {
                write!(f, "no label key matches {key:?}")
            }
            Self::MissingLabel { key } => write!(f, "missing label {key:?}"),
            Self::LabelValue {
                key_pattern,
                key,
                value,
                expected,
            } if key_pattern == key => {
                write!(f, "label {key:?} has value {value:?}, not {expected:?}")
            }
            Self::LabelValue {
                key_pattern,
                key,
                value,
                expected,
            } => write!(
                f,
                "label {key:?} (for {key_pattern:?}) has value {value:?}, not {expected:?}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn profile(
        name: &str,
        status: ProfileStatus,
        selectors: &[(&str, &[(&str, &str)])],
    ) -> Profile {
        Profile {
            name: name.to_owned(),
            status,
            selectors: selectors
                .iter()
                .map(|(namespace, labels)| Selector {
                    namespace: (*namespace).to_owned(),
                    labels: map(labels),
                })
                .collect(),
        }
    }

    /// The seed page's profiles, given in reverse name order to show the report sorts them.
    fn seed_profiles(fp_dev_status: ProfileStatus) -> Vec<Profile> {
        vec![
            profile(
                "fp-dev",
                fp_dev_status,
                &[("dev", &[("env", "dev"), ("checks", "passed")])],
            ),
            profile(
                "fp-default",
                ProfileStatus::Active,
                &[("default", &[]), ("kube-system", &[])],
            ),
        ]
    }

    /// Explains a pod in `namespace` with `labels` and `annotations` against the seed page's profiles,
    /// with fp-dev in status `fp_dev`.
    fn explain_seed(
        namespace: &str,
        labels: &[(&str, &str)],
        annotations: &[(&str, &str)],
        fp_dev: ProfileStatus,
    ) -> Explanation {
        let (labels, annotations) = (map(labels), map(annotations));
        let pod = PodFacts::new(namespace, Some(&labels), Some(&annotations));
        explain(&pod, &seed_profiles(fp_dev))
    }

    #[test]
    fn explains_the_seed_page_pods_line_by_line() {
        let none: &[(&str, &str)] = &[];
        let table: [(Explanation, &[&str], &str); 6] = [
            (
                explain_seed("dev", &[("env", "dev")], none, ProfileStatus::Active),
                &[
                    "pod matches no ACTIVE Fargate profile",
                    "fp-default: no selector matches",
                    r#"fp-default: selector #1 (namespace default): namespace "dev" does not match "default""#,
                    r#"fp-default: selector #2 (namespace kube-system): namespace "dev" does not match "kube-system""#,
                    "fp-dev: no selector matches",
                    r#"fp-dev: selector #1 (namespace dev): missing label "checks""#,
                ],
                "dev with only env=dev",
            ),
            (
                explain_seed("dev", &[("env", "prod"), ("checks", "passed")], none, ProfileStatus::Active),
                &[
                    "pod matches no ACTIVE Fargate profile",
                    "fp-default: no selector matches",
                    r#"fp-default: selector #1 (namespace default): namespace "dev" does not match "default""#,
                    r#"fp-default: selector #2 (namespace kube-system): namespace "dev" does not match "kube-system""#,
                    "fp-dev: no selector matches",
                    r#"fp-dev: selector #1 (namespace dev): label "env" has value "prod", not "dev""#,
                ],
                "dev with env=prod",
            ),
            (
                explain_seed("dev", &[("env", "dev"), ("checks", "passed")], none, ProfileStatus::Active),
                &[
                    r#"pod runs on Fargate profile "fp-dev" (selector #1 matches)"#,
                    "fp-default: no selector matches",
                    r#"fp-default: selector #1 (namespace default): namespace "dev" does not match "default""#,
                    r#"fp-default: selector #2 (namespace kube-system): namespace "dev" does not match "kube-system""#,
                    "fp-dev: chosen, selector #1 matches",
                    "fp-dev: selector #1 (namespace dev): matches",
                ],
                "dev with both labels",
            ),
            (
                explain_seed("dev", &[("env", "dev"), ("checks", "passed")], none, ProfileStatus::Creating),
                &[
                    "pod matches no ACTIVE Fargate profile",
                    "fp-default: no selector matches",
                    r#"fp-default: selector #1 (namespace default): namespace "dev" does not match "default""#,
                    r#"fp-default: selector #2 (namespace kube-system): namespace "dev" does not match "kube-system""#,
                    "fp-dev: skipped, status is CREATING, not ACTIVE",
                    "fp-dev: selector #1 (namespace dev): matches",
                ],
                "fp-dev still CREATING: it would match, but is skipped",
            ),
            (
                explain_seed("kube-system", none, &[("eks.amazonaws.com/compute-type", "ec2")], ProfileStatus::Active),
                &[
                    "pod opted out of Fargate with annotation eks.amazonaws.com/compute-type: ec2",
                    "fp-default: skipped, pod opted out with annotation eks.amazonaws.com/compute-type: ec2",
                    r#"fp-default: selector #1 (namespace default): namespace "kube-system" does not match "default""#,
                    "fp-default: selector #2 (namespace kube-system): matches",
                    "fp-dev: skipped, pod opted out with annotation eks.amazonaws.com/compute-type: ec2",
                    r#"fp-dev: selector #1 (namespace dev): namespace "kube-system" does not match "dev""#,
                ],
                "coredns as EKS ships it",
            ),
            (
                explain_seed("default", &[("eks.amazonaws.com/fargate-profile", "fp-dev")], none, ProfileStatus::Active),
                &[
                    r#"pod pins Fargate profile "fp-dev" with label eks.amazonaws.com/fargate-profile but matches none of its selectors"#,
                    r#"fp-default: skipped, pod pins profile "fp-dev" with label eks.amazonaws.com/fargate-profile"#,
                    "fp-default: selector #1 (namespace default): matches",
                    r#"fp-default: selector #2 (namespace kube-system): namespace "default" does not match "kube-system""#,
                    "fp-dev: no selector matches",
                    r#"fp-dev: selector #1 (namespace dev): namespace "default" does not match "dev""#,
                ],
                "pinned to a profile it does not match, although fp-default would",
            ),
        ];
        for (explanation, expected, why) in table {
            assert_eq!(explanation.lines(), expected, "{why}");
            assert_eq!(explanation.to_string(), expected.join("\n"), "{why}");
        }
    }

    #[test]
    fn explains_wildcards_and_ranking() {
        let pod_labels = map(&[("labelname1", "value2"), ("labelname2", "other")]);
        let pod = PodFacts::new("prod-a", Some(&pod_labels), None);
        let profiles = [profile(
            "cli-example",
            ProfileStatus::Active,
            &[("prod*", &[("labelname*?", "*value1"), ("team?", "*")])],
        )];
        assert_eq!(
            explain(&pod, &profiles).lines()[2],
            r#"cli-example: selector #1 (namespace prod*): label "labelname1" (for "labelname*?") has value "value2", not "*value1", no label key matches "team?""#,
            "a wildcard key reports the first pod label it matched, and the pattern it failed"
        );

        let anything: &[(&str, &[(&str, &str)])] = &[("*", &[])];
        let profiles = [
            profile("prod-workload", ProfileStatus::Active, anything),
            profile("beta-workload", ProfileStatus::Active, anything),
        ];
        let explanation = explain(&PodFacts::new("default", None, None), &profiles);
        assert_eq!(
            explanation.lines(),
            [
                r#"pod runs on Fargate profile "beta-workload" (selector #1 matches)"#,
                "beta-workload: chosen, selector #1 matches",
                "beta-workload: selector #1 (namespace *): matches",
                r#"prod-workload: selector #1 matches, but "beta-workload" comes first by name"#,
                "prod-workload: selector #1 (namespace *): matches",
            ],
            "alphanumeric tie-break, explained"
        );
    }

    #[test]
    fn summarises_for_an_event() {
        let none: &[(&str, &str)] = &[];
        let table: [(Explanation, &str, &str); 7] = [
            (
                explain_seed("dev", &[("env", "dev")], none, ProfileStatus::Active),
                r#"pod matches no ACTIVE Fargate profile: fp-default: no selector for namespace "dev"; fp-dev: missing label "checks""#,
                "nothing matched: the nearest miss per profile",
            ),
            (
                explain_seed("dev", none, none, ProfileStatus::Active),
                r#"pod matches no ACTIVE Fargate profile: fp-default: no selector for namespace "dev"; fp-dev: missing label "checks", missing label "env""#,
                "every missing label of the nearest selector",
            ),
            (
                explain_seed(
                    "dev",
                    &[("env", "dev"), ("checks", "passed")],
                    none,
                    ProfileStatus::Deleting,
                ),
                r#"pod matches no ACTIVE Fargate profile: fp-default: no selector for namespace "dev"; fp-dev: DELETING, not ACTIVE"#,
                "the matching profile is being deleted",
            ),
            (
                explain_seed(
                    "dev",
                    &[("env", "dev"), ("checks", "passed")],
                    none,
                    ProfileStatus::Active,
                ),
                r#"pod runs on Fargate profile "fp-dev" (selector #1 matches)"#,
                "scheduled",
            ),
            (
                explain_seed(
                    "default",
                    &[("eks.amazonaws.com/fargate-profile", "fp-dev")],
                    none,
                    ProfileStatus::Active,
                ),
                r#"pod pins Fargate profile "fp-dev" with label eks.amazonaws.com/fargate-profile but matches none of its selectors: no selector for namespace "default""#,
                "pinned, not matched",
            ),
            (
                explain_seed(
                    "dev",
                    &[
                        ("eks.amazonaws.com/fargate-profile", "fp-dev"),
                        ("env", "dev"),
                        ("checks", "passed"),
                    ],
                    none,
                    ProfileStatus::CreateFailed,
                ),
                r#"pod pins Fargate profile "fp-dev" with label eks.amazonaws.com/fargate-profile, which is CREATE_FAILED, not ACTIVE"#,
                "pinned, not ACTIVE",
            ),
            (
                explain_seed(
                    "default",
                    &[("eks.amazonaws.com/fargate-profile", "fp-gone")],
                    none,
                    ProfileStatus::Active,
                ),
                r#"pod pins Fargate profile "fp-gone" with label eks.amazonaws.com/fargate-profile, which does not exist"#,
                "pinned, missing",
            ),
        ];
        for (explanation, expected, why) in table {
            assert_eq!(explanation.summary(), expected, "{why}");
        }
        assert_eq!(
            explain(&PodFacts::new("default", None, None), &[]).summary(),
            "pod matches no ACTIVE Fargate profile: the cluster has no Fargate profile",
            "no profiles at all"
        );
    }
}
