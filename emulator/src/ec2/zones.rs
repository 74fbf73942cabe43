//! The Availability Zones of each region, with the zone names and zone ids a typical account sees
//! (names map to physical zones per account on real AWS; these are one real mapping each). Regions
//! not listed get zones `a`, `b`, `c` with ids in AWS's naming scheme (`sae1-az1`).

/// One Availability Zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    /// `ap-northeast-1a`.
    pub name: String,
    /// `apne1-az4`.
    pub id: String,
}

/// (region, [(zone letter, zone id number)]).
const KNOWN: &[(&str, &[(char, u8)])] = &[
    (
        "us-east-1",
        &[('a', 4), ('b', 6), ('c', 1), ('d', 2), ('e', 3), ('f', 5)],
    ),
    ("us-east-2", &[('a', 1), ('b', 2), ('c', 3)]),
    ("us-west-1", &[('b', 1), ('c', 3)]),
    ("us-west-2", &[('a', 1), ('b', 2), ('c', 3), ('d', 4)]),
    ("ca-central-1", &[('a', 1), ('b', 2), ('d', 4)]),
    ("eu-west-1", &[('a', 3), ('b', 1), ('c', 2)]),
    ("eu-west-2", &[('a', 2), ('b', 3), ('c', 1)]),
    ("eu-central-1", &[('a', 2), ('b', 3), ('c', 1)]),
    ("eu-north-1", &[('a', 1), ('b', 2), ('c', 3)]),
    ("ap-northeast-1", &[('a', 4), ('c', 1), ('d', 2)]),
    ("ap-northeast-2", &[('a', 1), ('b', 2), ('c', 3), ('d', 4)]),
    ("ap-southeast-1", &[('a', 1), ('b', 2), ('c', 3)]),
    ("ap-southeast-2", &[('a', 1), ('b', 3), ('c', 2)]),
    ("ap-south-1", &[('a', 1), ('b', 3), ('c', 2)]),
    ("sa-east-1", &[('a', 1), ('b', 2), ('c', 3)]),
];

/// The short form AWS uses in zone ids: `us-east-1` → `use1`, `ap-northeast-1` → `apne1`.
#[must_use]
pub fn region_code(region: &str) -> String {
    let mut parts = region.split('-');
    let area = parts.next().unwrap_or_default();
    let mut code = area.to_owned();
    for part in parts {
        if part.chars().all(|c| c.is_ascii_digit()) {
            code.push_str(part);
            continue;
        }
        let mut rest = part;
        while !rest.is_empty() {
            let (letter, len) = [
                ("n", "north"),
                ("s", "south"),
                ("e", "east"),
                ("w", "west"),
                ("c", "central"),
            ]
            .iter()
            .find(|(_, word)| rest.starts_with(word))
            .map_or((&rest[..1], 1), |(letter, word)| (*letter, word.len()));
            code.push_str(letter);
            rest = &rest[len..];
        }
    }
    code
}

/// The zones of `region`, in name order.
#[must_use]
pub fn zones(region: &str) -> Vec<Zone> {
    let code = region_code(region);
    let letters: Vec<(char, u8)> = KNOWN.iter().find(|(name, _)| *name == region).map_or_else(
        || vec![('a', 1), ('b', 2), ('c', 3)],
        |(_, zones)| zones.to_vec(),
    );
    letters
        .into_iter()
        .map(|(letter, n)| Zone {
            name: format!("{region}{letter}"),
            id: format!("{code}-az{n}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_ids_follow_the_aws_naming_scheme() {
        assert_eq!(region_code("us-east-1"), "use1");
        assert_eq!(region_code("ap-northeast-1"), "apne1");
        assert_eq!(region_code("eu-central-1"), "euc1");
        assert_eq!(region_code("me-south-1"), "mes1");
        assert_eq!(region_code("ap-southeast-4"), "apse4");
    }

    #[test]
    fn known_regions_have_their_real_zones_and_others_get_three() {
        let tokyo = zones("ap-northeast-1");
        let pairs: Vec<(&str, &str)> = tokyo
            .iter()
            .map(|z| (z.name.as_str(), z.id.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("ap-northeast-1a", "apne1-az4"),
                ("ap-northeast-1c", "apne1-az1"),
                ("ap-northeast-1d", "apne1-az2")
            ]
        );
        assert_eq!(zones("us-east-1").len(), 6);
        let other: Vec<String> = zones("af-south-1").into_iter().map(|z| z.id).collect();
        assert_eq!(other, ["afs1-az1", "afs1-az2", "afs1-az3"]);
    }
}
