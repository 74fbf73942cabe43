//! Generated names, as eksctl makes them (`pkg/utils/names`): clusters
//! `<adjective>-<noun>-<unix seconds>` (kubicorn's namer word lists), nodegroups `ng-` and Fargate
//! profiles `fp-` followed by 8 characters from `abcdef0123456789`. The randomness is passed in, so
//! tests pin it with a seed.

use rand::Rng;

/// kubicorn's adjectives.
pub const ADJECTIVES: [&str; 14] = [
    "unique",
    "beautiful",
    "attractive",
    "wonderful",
    "fabulous",
    "extravagant",
    "ridiculous",
    "exciting",
    "amazing",
    "adorable",
    "ferocious",
    "hilarious",
    "scrumptious",
    "floral",
];

/// kubicorn's nouns.
pub const NOUNS: [&str; 15] = [
    "unicorn",
    "rainbow",
    "painting",
    "badger",
    "mongoose",
    "sculpture",
    "creature",
    "gopher",
    "wardrobe",
    "mushroom",
    "hideout",
    "party",
    "monster",
    "sheepdog",
    "outfit",
];

const HEX: &[u8] = b"abcdef0123456789";

fn suffix(rng: &mut impl Rng) -> String {
    (0..8)
        .map(|_| HEX[rng.random_range(0..HEX.len())] as char)
        .collect()
}

/// `ridiculous-painting-1574859263`.
pub fn cluster_name(rng: &mut impl Rng, unix_seconds: i64) -> String {
    let adjective = ADJECTIVES[rng.random_range(0..ADJECTIVES.len())];
    let noun = NOUNS[rng.random_range(0..NOUNS.len())];
    format!("{adjective}-{noun}-{unix_seconds}")
}

/// `ng-dba9d731`.
pub fn nodegroup_name(rng: &mut impl Rng) -> String {
    format!("ng-{}", suffix(rng))
}

/// `fp-9bfc77ad`.
pub fn fargate_profile_name(rng: &mut impl Rng) -> String {
    format!("fp-{}", suffix(rng))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn matches_generated(name: &str, prefix: &str) -> bool {
        name.strip_prefix(prefix)
            .is_some_and(|rest| rest.len() == 8 && rest.bytes().all(|b| HEX.contains(&b)))
    }

    #[test]
    fn profile_and_nodegroup_names_match_eksctls_pattern() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..200 {
            assert!(matches_generated(&fargate_profile_name(&mut rng), "fp-"));
            assert!(matches_generated(&nodegroup_name(&mut rng), "ng-"));
        }
    }

    #[test]
    fn cluster_names_are_adjective_noun_seconds() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let name = cluster_name(&mut rng, 1_574_859_263);
        let parts: Vec<&str> = name.split('-').collect();
        assert_eq!(parts.len(), 3);
        assert!(ADJECTIVES.contains(&parts[0]));
        assert!(NOUNS.contains(&parts[1]));
        assert_eq!(parts[2], "1574859263");
    }

    #[test]
    fn the_same_seed_gives_the_same_names() {
        let a = fargate_profile_name(&mut rand::rngs::StdRng::seed_from_u64(1));
        let b = fargate_profile_name(&mut rand::rngs::StdRng::seed_from_u64(1));
        assert_eq!(a, b);
    }
}
