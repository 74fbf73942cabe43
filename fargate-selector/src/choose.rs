//! Choosing the one profile a pod runs under, if any: opt-out, pinning, ACTIVE-only, byte-wise name order.
//! The fast path without reasons; `explain.rs` gives the same answer with reasons.

use crate::pod::PodFacts;
use crate::profile::Profile;
use crate::profile::ProfileStatus;

/// The profile the pod runs under on Fargate, or `None` when it does not go to Fargate.
///
/// The rules, in order:
///
/// 1. A pod annotated `eks.amazonaws.com/compute-type: ec2` does not go to Fargate.
/// 2. Only [`ProfileStatus::Active`] profiles count.
/// 3. A pod labelled `eks.amazonaws.com/fargate-profile: <name>` runs under that profile if, and only if,
///    it matches one of its selectors. If it names a profile that is missing, not ACTIVE, or not matched,
///    the pod does not go to Fargate: there is no fallback to another profile.
/// 4. Otherwise the matching profile whose name sorts first, byte-wise ascending (`str::cmp`), wins:
///    `beta-workload` beats `prod-workload`.
///
/// The answer does not depend on the order `profiles` come in, as names are unique within a cluster.
/// (Should two share a name, the earlier one in `profiles` is preferred.)
pub fn choose_profile<'p, I>(pod: &PodFacts<'_>, profiles: I) -> Option<&'p Profile>
where
    I: IntoIterator<Item = &'p Profile>,
{
    if pod.opts_out() {
        return None;
    }
    let mut active = profiles
        .into_iter()
        .filter(|profile| profile.status == ProfileStatus::Active);
    if let Some(pinned) = pod.pinned_profile() {
        return active.find(|profile| profile.name == pinned && profile.matches(pod));
    }
    active.fold(None, |best: Option<&Profile>, profile| match best {
        // Matching is the expensive part: skip it for names that cannot win.
        Some(best) if best.name <= profile.name => Some(best),
        _ if profile.matches(pod) => Some(profile),
        _ => best,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::pod::COMPUTE_TYPE_ANNOTATION;
    use crate::pod::FARGATE_PROFILE_LABEL;
    use crate::profile::Selector;

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

    /// The seed page's profiles (eksctl `examples/16-fargate-profile.yaml`), both ACTIVE.
    fn seed_profiles() -> Vec<Profile> {
        vec![
            profile(
                "fp-default",
                ProfileStatus::Active,
                &[("default", &[]), ("kube-system", &[])],
            ),
            profile(
                "fp-dev",
                ProfileStatus::Active,
                &[("dev", &[("env", "dev"), ("checks", "passed")])],
            ),
        ]
    }

    #[test]
    fn chooses_among_the_seed_page_profiles() {
        let profiles = seed_profiles();
        let none: &[(&str, &str)] = &[];
        let table = [
            // (namespace, labels, annotations, chosen, why)
            (
                "default",
                none,
                none,
                Some("fp-default"),
                "default namespace",
            ),
            (
                "kube-system",
                none,
                none,
                Some("fp-default"),
                "kube-system namespace",
            ),
            (
                "dev",
                &[("env", "dev")],
                none,
                None,
                "dev with only env=dev matches nothing",
            ),
            (
                "dev",
                &[("env", "dev"), ("checks", "passed")],
                none,
                Some("fp-dev"),
                "dev with both labels",
            ),
            (
                "dev",
                &[("env", "dev"), ("checks", "failed")],
                none,
                None,
                "dev with checks=failed",
            ),
            (
                "prod",
                &[("env", "dev"), ("checks", "passed")],
                none,
                None,
                "labels without the namespace",
            ),
            (
                "kube-system",
                none,
                &[(COMPUTE_TYPE_ANNOTATION, "ec2")],
                None,
                "coredns as EKS ships it opts out",
            ),
            (
                "kube-system",
                none,
                &[(COMPUTE_TYPE_ANNOTATION, "fargate")],
                Some("fp-default"),
                "coredns as eksctl patches it",
            ),
            (
                "default",
                &[(FARGATE_PROFILE_LABEL, "fp-default")],
                none,
                Some("fp-default"),
                "pinned to the profile it matches",
            ),
            (
                "default",
                &[(FARGATE_PROFILE_LABEL, "fp-dev")],
                none,
                None,
                "pinned to a profile it does not match: no fallback",
            ),
            (
                "default",
                &[(FARGATE_PROFILE_LABEL, "fp-gone")],
                none,
                None,
                "pinned to a profile that does not exist",
            ),
            (
                "dev",
                &[
                    ("env", "dev"),
                    ("checks", "passed"),
                    (FARGATE_PROFILE_LABEL, "fp-dev"),
                ],
                none,
                Some("fp-dev"),
                "the label EKS itself adds keeps the choice",
            ),
        ];
        for (namespace, labels, annotations, expected, why) in table {
            let (labels, annotations) = (map(labels), map(annotations));
            let pod = PodFacts::new(namespace, Some(&labels), Some(&annotations));
            let chosen = choose_profile(&pod, &profiles).map(|p| p.name.as_str());
            assert_eq!(chosen, expected, "{why}");
        }
    }

    #[test]
    fn ranks_matching_profiles_by_name_and_skips_inactive_ones() {
        let anything: &[(&str, &[(&str, &str)])] = &[("*", &[])];
        let table = [
            (
                vec![
                    ("prod-workload", ProfileStatus::Active),
                    ("beta-workload", ProfileStatus::Active),
                ],
                None,
                Some("beta-workload"),
                "alphanumeric order: beta-workload beats prod-workload",
            ),
            (
                vec![
                    ("fp-b", ProfileStatus::Active),
                    ("fp-B", ProfileStatus::Active),
                    ("fp-10", ProfileStatus::Active),
                    ("fp-9", ProfileStatus::Active),
                ],
                None,
                Some("fp-10"),
                "byte-wise order: digits before capitals before lower case, `10` before `9`",
            ),
            (
                vec![("a", ProfileStatus::Creating), ("b", ProfileStatus::Active)],
                None,
                Some("b"),
                "a CREATING profile is skipped",
            ),
            (
                vec![
                    ("a", ProfileStatus::Deleting),
                    ("b", ProfileStatus::CreateFailed),
                    ("c", ProfileStatus::DeleteFailed),
                ],
                None,
                None,
                "no ACTIVE profile, no Fargate",
            ),
            (
                vec![("a", ProfileStatus::Active), ("b", ProfileStatus::Active)],
                Some("b"),
                Some("b"),
                "pinning beats name order",
            ),
            (
                vec![("a", ProfileStatus::Active), ("b", ProfileStatus::Creating)],
                Some("b"),
                None,
                "pinned to a profile that is not ACTIVE: no fallback",
            ),
            (vec![], None, None, "no profiles at all"),
        ];
        for (profiles, pinned, expected, why) in table {
            let profiles: Vec<Profile> = profiles
                .into_iter()
                .map(|(name, status)| profile(name, status, anything))
                .collect();
            let labels: BTreeMap<String, String> = pinned
                .map(|name: &str| (FARGATE_PROFILE_LABEL.to_owned(), name.to_owned()))
                .into_iter()
                .collect();
            let pod = PodFacts::new("default", Some(&labels), None);
            let chosen = choose_profile(&pod, &profiles).map(|p| p.name.as_str());
            assert_eq!(chosen, expected, "{why}");
        }
    }

    mod properties {
        use proptest::prelude::*;
        use proptest::sample::select;

        use super::*;
        use crate::explain::explain;

        const NAMES: [&str; 6] = [
            "alpha",
            "beta-workload",
            "fp-default",
            "fp-dev",
            "prod-workload",
            "Zeta",
        ];

        /// A pod that owns its maps; `facts()` borrows them.
        #[derive(Debug, Clone)]
        struct Pod {
            namespace: String,
            labels: BTreeMap<String, String>,
            annotations: BTreeMap<String, String>,
        }

        impl Pod {
            fn facts(&self) -> PodFacts<'_> {
                PodFacts::new(&self.namespace, Some(&self.labels), Some(&self.annotations))
            }
        }

        fn arb_status() -> impl Strategy<Value = ProfileStatus> {
            prop_oneof![
                3 => Just(ProfileStatus::Active),
                1 => select(vec![
                    ProfileStatus::Creating,
                    ProfileStatus::Deleting,
                    ProfileStatus::CreateFailed,
                    ProfileStatus::DeleteFailed,
                ]),
            ]
        }

        fn arb_selector() -> impl Strategy<Value = Selector> {
            (
                select(vec![
                    "dev",
                    "default",
                    "kube-system",
                    "d*",
                    "*",
                    "*e*",
                    "team-?ev",
                    "kube-*",
                ]),
                proptest::collection::btree_map(
                    select(vec!["env", "checks", "app", "*", "e*", "?pp"]),
                    select(vec!["dev", "passed", "web", "*", "d?v", "p*"]),
                    0..3,
                ),
            )
                .prop_map(|(namespace, labels)| Selector {
                    namespace: namespace.to_owned(),
                    labels: labels
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect(),
                })
        }

        /// Up to six profiles with distinct names, in random order.
        fn arb_profiles() -> impl Strategy<Value = Vec<Profile>> {
            proptest::sample::subsequence(NAMES.to_vec(), 0..=NAMES.len())
                .prop_flat_map(|names| {
                    names
                        .into_iter()
                        .map(|name| {
                            (
                                Just(name),
                                arb_status(),
                                proptest::collection::vec(arb_selector(), 1..=3),
                            )
                        })
                        .collect::<Vec<_>>()
                })
                .prop_map(|profiles| {
                    profiles
                        .into_iter()
                        .map(|(name, status, selectors)| Profile {
                            name: name.to_owned(),
                            status,
                            selectors,
                        })
                        .collect()
                })
                .prop_shuffle()
        }

        /// The same profiles twice, in two independent orders.
        fn arb_profiles_twice() -> impl Strategy<Value = (Vec<Profile>, Vec<Profile>)> {
            arb_profiles()
                .prop_flat_map(|profiles| (Just(profiles.clone()), Just(profiles).prop_shuffle()))
        }

        fn arb_pod() -> impl Strategy<Value = Pod> {
            (
                select(vec!["dev", "default", "kube-system", "team-dev", "prod"]),
                proptest::collection::btree_map(
                    select(vec!["env", "checks", "app", "tier"]),
                    select(vec!["dev", "passed", "web", "prod", ""]),
                    0..4,
                ),
                proptest::option::weighted(
                    0.2,
                    select(vec!["fp-dev", "fp-default", "alpha", "fp-gone"]),
                ),
                proptest::option::weighted(0.2, select(vec!["ec2", "fargate"])),
            )
                .prop_map(|(namespace, labels, pinned, compute_type)| {
                    let mut labels: BTreeMap<String, String> = labels
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                    if let Some(name) = pinned {
                        labels.insert(FARGATE_PROFILE_LABEL.to_owned(), name.to_owned());
                    }
                    Pod {
                        namespace: namespace.to_owned(),
                        labels,
                        annotations: compute_type
                            .map(|v| (COMPUTE_TYPE_ANNOTATION.to_owned(), v.to_owned()))
                            .into_iter()
                            .collect(),
                    }
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            /// The choice is deterministic and does not depend on the order the profiles come in; nor does
            /// the explanation.
            #[test]
            fn choice_ignores_the_order_of_profiles(
                (profiles, shuffled) in arb_profiles_twice(),
                pod in arb_pod(),
            ) {
                let pod = pod.facts();
                let chosen = choose_profile(&pod, &profiles).map(|p| &p.name);
                prop_assert_eq!(chosen, choose_profile(&pod, &profiles).map(|p| &p.name));
                prop_assert_eq!(chosen, choose_profile(&pod, &shuffled).map(|p| &p.name));
                prop_assert_eq!(explain(&pod, &profiles), explain(&pod, &shuffled));
            }

            /// A chosen profile is ACTIVE, matches the pod, is the one the pod pins if it pins one, and the
            /// pod has not opted out.
            #[test]
            fn a_chosen_profile_always_matches(profiles in arb_profiles(), pod in arb_pod()) {
                let pod = pod.facts();
                if let Some(chosen) = choose_profile(&pod, &profiles) {
                    prop_assert!(chosen.matches(&pod));
                    prop_assert_eq!(chosen.status, ProfileStatus::Active);
                    prop_assert!(!pod.opts_out());
                    prop_assert!(pod.pinned_profile().is_none_or(|name| name == chosen.name));
                }
            }

            /// A profile that is not ACTIVE is never chosen, even when it is the only one that matches.
            #[test]
            fn a_non_active_profile_is_never_chosen(profiles in arb_profiles(), pod in arb_pod()) {
                let pod = pod.facts();
                let chosen = choose_profile(&pod, &profiles);
                prop_assert!(chosen.is_none_or(|p| p.status == ProfileStatus::Active));
                let only_inactive: Vec<Profile> = profiles
                    .into_iter()
                    .filter(|p| p.status != ProfileStatus::Active)
                    .collect();
                prop_assert!(choose_profile(&pod, &only_inactive).is_none());
            }

            /// Without pinning or opt-out, no ACTIVE matching profile sorts before the chosen one, and some
            /// profile is chosen whenever one is ACTIVE and matches.
            #[test]
            fn the_first_matching_name_wins(profiles in arb_profiles(), pod in arb_pod()) {
                let pod = pod.facts();
                prop_assume!(pod.pinned_profile().is_none() && !pod.opts_out());
                let mut candidates: Vec<&str> = profiles
                    .iter()
                    .filter(|p| p.status == ProfileStatus::Active && p.matches(&pod))
                    .map(|p| p.name.as_str())
                    .collect();
                candidates.sort_unstable();
                let chosen = choose_profile(&pod, &profiles).map(|p| p.name.as_str());
                prop_assert_eq!(chosen, candidates.first().copied());
            }

            /// The explanation reaches the same decision as the fast path, through the first selector that
            /// matches, and its verdicts agree with it.
            #[test]
            fn explain_agrees_with_choose(profiles in arb_profiles(), pod in arb_pod()) {
                let pod = pod.facts();
                let chosen = choose_profile(&pod, &profiles);
                let explanation = explain(&pod, &profiles);
                prop_assert_eq!(explanation.chosen(), chosen.map(|p| p.name.as_str()));
                if let (Some(chosen), crate::Decision::Fargate { selector, .. }) = (chosen, &explanation.decision) {
                    prop_assert_eq!(Some(*selector), chosen.first_matching_selector(&pod));
                }
                let chosen_verdicts = explanation
                    .profiles
                    .iter()
                    .filter(|r| matches!(r.verdict, crate::ProfileVerdict::Chosen { .. }))
                    .count();
                prop_assert_eq!(chosen_verdicts, usize::from(chosen.is_some()));
                for report in &explanation.profiles {
                    let profile = profiles.iter().find(|p| p.name == report.name).unwrap();
                    for (selector, selector_report) in profile.selectors.iter().zip(&report.selectors) {
                        prop_assert_eq!(selector.matches(&pod), selector_report.matched());
                    }
                }
            }
        }
    }
}
