//! The Kubernetes versions this emulated EKS offers, with their current platform versions and support
//! status, as `DescribeClusterVersions` reports them and `CreateCluster` checks them.
//!
//! The lineup is EKS's as of late 2026 (1.31's extended support ended on 2026-11-26). Platform numbers
//! for 1.29–1.31 follow reference/aws-eks.md §4; later minors carry plausible current numbers.
//! The default is 1.32: its kubectl is the one the reference measured, and the gcloud kubectl
//! dispatcher picks the kubectl binary from the server's minor.

/// One Kubernetes minor version on EKS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KubernetesVersion {
    /// `1.32`.
    pub version: &'static str,
    /// The newest platform version, given to new clusters (`eks.N`).
    pub platform_version: &'static str,
    /// The patch release the control plane runs (`1.32.9`).
    pub patch: &'static str,
    /// `STANDARD_SUPPORT` or `EXTENDED_SUPPORT`.
    pub status: &'static str,
    /// Release date (epoch seconds).
    pub release_date: i64,
    /// End of standard support (epoch seconds).
    pub end_of_standard_support: i64,
    /// End of extended support (epoch seconds).
    pub end_of_extended_support: i64,
}

/// The version a cluster gets when `CreateCluster` names none.
pub const DEFAULT_VERSION: &str = "1.32";

/// Every offered version, oldest first.
pub const VERSIONS: &[KubernetesVersion] = &[
    KubernetesVersion {
        version: "1.32",
        platform_version: "eks.30",
        patch: "1.32.9",
        status: "EXTENDED_SUPPORT",
        release_date: 1_737_590_400,
        end_of_standard_support: 1_774_224_000,
        end_of_extended_support: 1_805_760_000,
    },
    KubernetesVersion {
        version: "1.33",
        platform_version: "eks.22",
        patch: "1.33.5",
        status: "EXTENDED_SUPPORT",
        release_date: 1_748_476_800,
        end_of_standard_support: 1_785_283_200,
        end_of_extended_support: 1_816_819_200,
    },
    KubernetesVersion {
        version: "1.34",
        platform_version: "eks.11",
        patch: "1.34.2",
        status: "STANDARD_SUPPORT",
        release_date: 1_759_363_200,
        end_of_standard_support: 1_796_169_600,
        end_of_extended_support: 1_827_705_600,
    },
    KubernetesVersion {
        version: "1.35",
        platform_version: "eks.4",
        patch: "1.35.0",
        status: "STANDARD_SUPPORT",
        release_date: 1_769_472_000,
        end_of_standard_support: 1_806_278_400,
        end_of_extended_support: 1_837_814_400,
    },
];

/// The offered version `version`, if any.
#[must_use]
pub fn find(version: &str) -> Option<&'static KubernetesVersion> {
    VERSIONS.iter().find(|v| v.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_offered_and_every_platform_supports_fargate() {
        assert!(find(DEFAULT_VERSION).is_some());
        for v in VERSIONS {
            let n: u32 = v
                .platform_version
                .strip_prefix("eks.")
                .unwrap()
                .parse()
                .unwrap();
            assert!(n >= 1, "{v:?}");
            assert!(
                v.release_date < v.end_of_standard_support
                    && v.end_of_standard_support < v.end_of_extended_support
            );
        }
    }
}
