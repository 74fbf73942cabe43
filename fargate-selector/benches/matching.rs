//! Benchmark: 10,000 pods against 10 ACTIVE profiles × 5 selectors × 5 labels, with wildcards everywhere.
//! Owns only the synthetic workload; the figure it prints goes into the crate README.

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::criterion_group;
use criterion::criterion_main;
use criterion::Criterion;
use fargate_selector::choose_profile;
use fargate_selector::explain;
use fargate_selector::PodFacts;
use fargate_selector::Profile;
use fargate_selector::ProfileStatus;
use fargate_selector::Selector;

const PODS: usize = 10_000;
const PROFILES: usize = 10;
const SELECTORS: usize = 5;
const LABELS: usize = 5;

/// A tiny deterministic generator (64-bit LCG) so the workload is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap() % n
    }
}

/// Profile `p`, selector `s`: a namespace pattern and five label patterns, mixing literal, prefix,
/// suffix, infix and `?` forms. Profiles are created in reverse name order.
fn profiles() -> Vec<Profile> {
    (0..PROFILES)
        .rev()
        .map(|p| Profile {
            name: format!("fp-{p:02}"),
            status: ProfileStatus::Active,
            selectors: (0..SELECTORS)
                .map(|s| Selector {
                    namespace: match s {
                        0 => format!("team-{p}"),
                        1 => format!("team-{p}-*"),
                        2 => format!("*-env{s}"),
                        3 => format!("*ns{p}*"),
                        _ => format!("app?-{p}"),
                    },
                    labels: (0..LABELS)
                        .map(|l| match l {
                            0 => ("app".to_owned(), format!("web-{}*", (p + s) % 4)),
                            1 => ("tier*".to_owned(), "?ront*".to_owned()),
                            2 => ("env".to_owned(), format!("*{}", s % 3)),
                            3 => ("owner?".to_owned(), "*".to_owned()),
                            _ => (format!("cost-center-{}", p % 3), "c?".to_owned()),
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect()
}

/// A pod aimed at profile `p`, selector `s` (`p` ≥ 10 aims at no profile): a namespace that selector
/// matches, each of its five labels right 7 times in 8 (else wrong or absent), plus up to 3 noise labels.
/// So about half the pods match, and most of the others are near misses.
fn pod(rng: &mut Lcg) -> (String, BTreeMap<String, String>) {
    let p = rng.below(PROFILES + 2);
    let s = rng.below(SELECTORS);
    let namespace = match s {
        0 => format!("team-{p}"),
        1 => format!("team-{p}-payments"),
        2 => format!("staging-env{s}"),
        3 => format!("ns{p}-batch"),
        _ => format!("appx-{p}"),
    };
    let mut labels = BTreeMap::new();
    let right = [
        ("app".to_owned(), format!("web-{}-api", (p + s) % 4)),
        ("tier".to_owned(), "frontend".to_owned()),
        ("env".to_owned(), format!("prod{}", s % 3)),
        ("owner1".to_owned(), "alice".to_owned()),
        (format!("cost-center-{}", p % 3), "c7".to_owned()),
    ];
    for (key, value) in right {
        match rng.below(16) {
            0 => {}
            1 => {
                labels.insert(key, "other".to_owned());
            }
            _ => {
                labels.insert(key, value);
            }
        }
    }
    for _ in 0..rng.below(4) {
        labels.insert(format!("noise-{}", rng.below(20)), "x".to_owned());
    }
    (namespace, labels)
}

fn bench(c: &mut Criterion) {
    let profiles = profiles();
    let mut rng = Lcg(42);
    let pods: Vec<(String, BTreeMap<String, String>)> = (0..PODS).map(|_| pod(&mut rng)).collect();
    let facts: Vec<PodFacts<'_>> = pods
        .iter()
        .map(|(namespace, labels)| PodFacts::new(namespace, Some(labels), None))
        .collect();
    let scheduled = facts
        .iter()
        .filter(|pod| choose_profile(pod, &profiles).is_some())
        .count();
    println!("workload: {PODS} pods, {PROFILES} profiles x {SELECTORS} selectors x {LABELS} labels; {scheduled} pods match a profile");

    c.bench_function("choose_profile: 10k pods", |b| {
        b.iter(|| {
            facts
                .iter()
                .filter(|pod| choose_profile(black_box(pod), black_box(&profiles)).is_some())
                .count()
        });
    });

    let mut group = c.benchmark_group("explain");
    group.sample_size(20);
    group.bench_function("explain: 10k pods", |b| {
        b.iter(|| {
            facts
                .iter()
                .map(|pod| explain(black_box(pod), black_box(&profiles)).profiles.len())
                .sum::<usize>()
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
