//! IPv4 CIDR blocks as EC2 handles them: parsing the canonical `a.b.c.d/n` form (host bits zero),
//! containment and overlap (the checks behind `InvalidSubnet.Range` and `InvalidSubnet.Conflict`),
//! and addresses inside a block.

use std::fmt;
use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

/// An IPv4 network: base address and prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Ipv4Cidr {
    base: u32,
    prefix: u8,
}

impl Ipv4Cidr {
    /// Parses `a.b.c.d/n`; `None` unless it is a network address with a prefix of 0–32.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (addr, prefix) = text.split_once('/')?;
        let addr: Ipv4Addr = addr.parse().ok()?;
        if prefix.is_empty() || prefix.len() > 2 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let prefix: u8 = prefix.parse().ok()?;
        if prefix > 32 {
            return None;
        }
        let cidr = Self {
            base: u32::from(addr),
            prefix,
        };
        (cidr.base & !cidr.mask() == 0).then_some(cidr)
    }

    /// The prefix length.
    #[must_use]
    pub fn prefix(self) -> u8 {
        self.prefix
    }

    fn mask(self) -> u32 {
        if self.prefix == 0 {
            0
        } else {
            u32::MAX << (32 - u32::from(self.prefix))
        }
    }

    /// How many addresses the block holds.
    #[must_use]
    pub fn size(self) -> u64 {
        1u64 << (32 - u32::from(self.prefix))
    }

    /// Whether every address of `other` is in this block.
    #[must_use]
    pub fn contains(self, other: Self) -> bool {
        other.prefix >= self.prefix && other.base & self.mask() == self.base
    }

    /// Whether the two blocks share an address.
    #[must_use]
    pub fn overlaps(self, other: Self) -> bool {
        self.contains(other) || other.contains(self)
    }

    /// The address `offset` places after the base (wrapping inside the block).
    #[must_use]
    pub fn address(self, offset: u64) -> Ipv4Addr {
        let offset = u32::try_from(offset % self.size()).unwrap_or(0);
        Ipv4Addr::from(self.base.wrapping_add(offset))
    }

    /// The `index`-th block of prefix `prefix` inside this one (`10.0.0.0/16`, 20, 1 → `10.0.16.0/20`).
    #[must_use]
    pub fn subdivide(self, prefix: u8, index: u32) -> Option<Self> {
        if prefix < self.prefix || prefix > 32 {
            return None;
        }
        let step = 1u64 << (32 - u32::from(prefix));
        let offset = step.checked_mul(u64::from(index))?;
        if offset >= self.size() {
            return None;
        }
        Some(Self {
            base: self.base + u32::try_from(offset).ok()?,
            prefix,
        })
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", Ipv4Addr::from(self.base), self.prefix)
    }
}

impl TryFrom<String> for Ipv4Cidr {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or(text)
    }
}

impl From<Ipv4Cidr> for String {
    fn from(cidr: Ipv4Cidr) -> Self {
        cidr.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cidr(text: &str) -> Ipv4Cidr {
        Ipv4Cidr::parse(text).unwrap()
    }

    #[test]
    fn only_canonical_network_addresses_parse() {
        for ok in ["10.0.0.0/16", "172.31.16.0/20", "0.0.0.0/0", "10.0.0.1/32"] {
            assert_eq!(cidr(ok).to_string(), ok);
        }
        for bad in [
            "10.0.0.1/16",
            "10.0.0.0",
            "10.0.0.0/33",
            "10.0.0/16",
            "x/16",
            "10.0.0.0/+1",
            "10.0.0.0/",
        ] {
            assert_eq!(Ipv4Cidr::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn containment_and_overlap() {
        assert!(cidr("10.0.0.0/16").contains(cidr("10.0.32.0/19")));
        assert!(!cidr("10.0.0.0/16").contains(cidr("10.1.0.0/24")));
        assert!(!cidr("10.0.32.0/19").contains(cidr("10.0.0.0/16")));
        assert!(cidr("10.0.32.0/19").overlaps(cidr("10.0.0.0/16")));
        assert!(!cidr("10.0.0.0/24").overlaps(cidr("10.0.1.0/24")));
        assert_eq!(cidr("10.0.0.0/24").size(), 256);
        assert_eq!(cidr("10.0.0.0/24").address(5).to_string(), "10.0.0.5");
    }

    #[test]
    fn subdivision_walks_equal_blocks() {
        let vpc = cidr("172.31.0.0/16");
        assert_eq!(vpc.subdivide(20, 0), Some(cidr("172.31.0.0/20")));
        assert_eq!(vpc.subdivide(20, 2), Some(cidr("172.31.32.0/20")));
        assert_eq!(vpc.subdivide(20, 16), None);
        assert_eq!(vpc.subdivide(8, 0), None);
    }

    #[test]
    fn serialises_as_text() {
        let json = serde_json::to_string(&cidr("10.0.0.0/16")).unwrap();
        assert_eq!(json, "\"10.0.0.0/16\"");
        assert_eq!(
            serde_json::from_str::<Ipv4Cidr>(&json).unwrap(),
            cidr("10.0.0.0/16")
        );
        assert!(serde_json::from_str::<Ipv4Cidr>("\"10.0.0.1/16\"").is_err());
    }
}
