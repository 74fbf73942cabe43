//! Every identifier the emulator invents (ARN suffixes, resource ids, request ids, IPs, endpoint ids)
//! comes from one seeded generator, in the formats AWS uses, so that the same `--seed` and the same
//! requests give byte-identical responses.

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The default seed when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 0;

/// A deterministic source of ids. Not thread-safe on its own: it lives inside the world's lock.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IdGen {
    rng: ChaCha8Rng,
}

const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";
const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
const UPPER_ALNUM: &[u8; 36] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const LOWER_ALNUM: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

impl IdGen {
    /// A generator that will produce the same sequence for the same seed.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn chars(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| char::from(alphabet[self.rng.random_range(0..alphabet.len())]))
            .collect()
    }

    /// `n` lowercase hex digits.
    pub fn hex(&mut self, n: usize) -> String {
        self.chars(LOWER_HEX, n)
    }

    /// An 8-4-4-4-12 lowercase hex id as EKS puts at the end of profile and nodegroup ARNs
    /// (`a2c72bca-318e-abe8-8ed1-27c6d4892e9e`; not an RFC 4122 UUID: the version nibble varies).
    pub fn eks_uuid(&mut self) -> String {
        format!(
            "{}-{}-{}-{}-{}",
            self.hex(8),
            self.hex(4),
            self.hex(4),
            self.hex(4),
            self.hex(12)
        )
    }

    /// A version-4 shaped UUID, as AWS request ids and CloudFormation stack ids look.
    pub fn uuid_v4(&mut self) -> String {
        let mut bytes = [0u8; 16];
        self.rng.fill_bytes(&mut bytes);
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let h = hex::encode(bytes);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }

    /// A request id (`x-amzn-RequestId`).
    pub fn request_id(&mut self) -> String {
        self.uuid_v4()
    }

    /// An EC2-style id: `prefix-` and 17 lowercase hex digits (`subnet-0b3a5522f3b48a742`).
    pub fn ec2_id(&mut self, prefix: &str) -> String {
        format!("{prefix}-{}", self.hex(17))
    }

    /// The 32 uppercase hex digits of a cluster's API endpoint and OIDC issuer.
    pub fn endpoint_id(&mut self) -> String {
        self.chars(UPPER_HEX, 32)
    }

    /// A three-character endpoint shard such as `yl4`.
    pub fn endpoint_shard(&mut self) -> String {
        let mut s = self.chars(&LOWER_ALNUM[..26], 2);
        s.push_str(&self.chars(&LOWER_ALNUM[26..], 1));
        s
    }

    /// An IAM unique id: `prefix` (`AROA` for roles, `AIDA` for users, `AIPA` for instance profiles)
    /// and 17 uppercase letters and digits.
    pub fn iam_unique_id(&mut self, prefix: &str) -> String {
        format!("{prefix}{}", self.chars(UPPER_ALNUM, 17))
    }

    /// The random suffix CloudFormation appends to generated physical names (`1T5F78E5FSH79`).
    pub fn cfn_suffix(&mut self, n: usize) -> String {
        self.chars(UPPER_ALNUM, n)
    }

    /// Lowercase letters and digits, as in Kubernetes generated names (`coredns-699bb99bf8-84x74`).
    pub fn k8s_suffix(&mut self, n: usize) -> String {
        // Kubernetes avoids vowels and look-alikes in generated names.
        const K8S_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        self.chars(K8S_ALPHABET, n)
    }

    /// A number in `range`.
    pub fn below(&mut self, upper: u32) -> u32 {
        self.rng.random_range(0..upper.max(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        for _ in 0..10 {
            assert_eq!(a.eks_uuid(), b.eks_uuid());
            assert_eq!(a.ec2_id("subnet"), b.ec2_id("subnet"));
        }
        assert_ne!(IdGen::new(1).eks_uuid(), IdGen::new(2).eks_uuid());
    }

    #[test]
    fn formats() {
        let mut ids = IdGen::new(1);
        let uuid = ids.eks_uuid();
        let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12], "{uuid}");
        let subnet = ids.ec2_id("subnet");
        assert_eq!(subnet.len(), "subnet-".len() + 17);
        let endpoint = ids.endpoint_id();
        assert!(
            endpoint.len() == 32
                && endpoint
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
        );
        let role = ids.iam_unique_id("AROA");
        assert!(role.starts_with("AROA") && role.len() == 21);
        let v4 = ids.uuid_v4();
        assert_eq!(&v4[14..15], "4");
    }
}
