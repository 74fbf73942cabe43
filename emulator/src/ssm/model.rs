//! AWS's public parameters, the ones eksctl reads to pick an EKS-optimised AMI: every name under
//! `/aws/service/eks/optimized-ami/<version>/…`, `/aws/service/bottlerocket/aws-k8s-<version>…/…` and
//! `/aws/service/ami-windows-latest/…EKS_Optimized-<version>/image_id` for the Kubernetes versions
//! EKS offers here. They hold no state: a value is a function of the region and the name, so it is
//! the same on every run and differs between regions, as real AMI ids do. Account parameters
//! (`PutParameter`) are out of scope.

use sha2::{Digest, Sha256};

use crate::eks::versions::VERSIONS;

/// `DataType` of a parameter holding an AMI id.
pub const IMAGE_DATA_TYPE: &str = "aws:ec2:image";

/// One parameter as `GetParameter` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// The name as asked for.
    pub name: String,
    /// `String` (public parameters are never `SecureString`).
    pub kind: &'static str,
    /// The value: an AMI id.
    pub value: String,
    /// Always 1: the values never change here.
    pub version: i64,
    /// Epoch seconds: the release date of the parameter's Kubernetes version.
    pub last_modified: i64,
    /// `arn:aws:ssm:<region>::parameter/aws/service/…` (public parameters carry no account).
    pub arn: String,
    /// `aws:ec2:image`.
    pub data_type: &'static str,
}

/// The image-id parameters of one Kubernetes version (`1.32`), by name.
fn names_for(version: &str) -> Vec<String> {
    let mut names = Vec::new();
    let eks = format!("/aws/service/eks/optimized-ami/{version}");
    for flavour in [
        "amazon-linux-2",
        "amazon-linux-2-arm64",
        "amazon-linux-2-gpu",
    ] {
        names.push(format!("{eks}/{flavour}/recommended/image_id"));
    }
    for arch in ["x86_64", "arm64"] {
        for variant in ["standard", "nvidia", "neuron"] {
            names.push(format!(
                "{eks}/amazon-linux-2023/{arch}/{variant}/recommended/image_id"
            ));
        }
        for family in ["", "-nvidia"] {
            names.push(format!(
                "/aws/service/bottlerocket/aws-k8s-{version}{family}/{arch}/latest/image_id"
            ));
        }
    }
    for windows in [
        "Windows_Server-2019-English-Core",
        "Windows_Server-2019-English-Full",
        "Windows_Server-2022-English-Core",
        "Windows_Server-2022-English-Full",
    ] {
        names.push(format!(
            "/aws/service/ami-windows-latest/{windows}-EKS_Optimized-{version}/image_id"
        ));
    }
    names
}

/// Every public parameter name served, in a stable order.
#[must_use]
pub fn public_parameter_names() -> Vec<String> {
    VERSIONS.iter().flat_map(|v| names_for(v.version)).collect()
}

/// The AMI id `name` holds in `region`: `ami-` and 17 hex digits of SHA-256 over both.
#[must_use]
pub fn image_id(region: &str, name: &str) -> String {
    let digest = Sha256::digest(format!("{region}\n{name}").as_bytes());
    let hex = hex::encode(digest);
    format!("ami-{}", &hex[..17])
}

/// The public parameter `name` as seen from `region`, if there is one.
#[must_use]
pub fn public_parameter(region: &str, name: &str) -> Option<Parameter> {
    let version = VERSIONS
        .iter()
        .find(|v| names_for(v.version).iter().any(|n| n == name))?;
    Some(Parameter {
        name: name.to_owned(),
        kind: "String",
        value: image_id(region, name),
        version: 1,
        last_modified: version.release_date,
        arn: format!("arn:aws:ssm:{region}::parameter{name}"),
        data_type: IMAGE_DATA_TYPE,
    })
}

/// What `GetParameters` finds: the parameters that exist, and the names that do not, each in the
/// order asked (duplicates once).
#[must_use]
pub fn get_parameters(region: &str, names: &[String]) -> (Vec<Parameter>, Vec<String>) {
    let mut found = Vec::new();
    let mut invalid: Vec<String> = Vec::new();
    for name in names {
        if found.iter().any(|p: &Parameter| &p.name == name) || invalid.contains(name) {
            continue;
        }
        match public_parameter(region, name) {
            Some(p) => found.push(p),
            None => invalid.push(name.clone()),
        }
    }
    (found, invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    const AL2023: &str =
        "/aws/service/eks/optimized-ami/1.32/amazon-linux-2023/x86_64/standard/recommended/image_id";

    #[test]
    fn eksctl_parameters_exist_for_every_offered_version() {
        for v in VERSIONS {
            for name in [
                format!("/aws/service/eks/optimized-ami/{}/amazon-linux-2/recommended/image_id", v.version),
                format!("/aws/service/eks/optimized-ami/{}/amazon-linux-2023/arm64/standard/recommended/image_id", v.version),
                format!("/aws/service/bottlerocket/aws-k8s-{}/x86_64/latest/image_id", v.version),
            ] {
                let p = public_parameter("us-west-2", &name).unwrap_or_else(|| panic!("{name}"));
                assert_eq!(p.kind, "String");
                assert_eq!(p.version, 1);
                assert_eq!(p.data_type, "aws:ec2:image");
                assert_eq!(p.last_modified, v.release_date);
                assert_eq!(p.arn, format!("arn:aws:ssm:us-west-2::parameter{name}"));
            }
        }
    }

    #[test]
    fn image_ids_are_stable_realistic_and_differ_by_region_and_name() {
        let a = image_id("us-west-2", AL2023);
        assert_eq!(a, image_id("us-west-2", AL2023));
        assert_eq!(a.len(), 21);
        assert!(a.starts_with("ami-"));
        assert!(a[4..]
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_ne!(a, image_id("eu-west-1", AL2023));
        assert_ne!(
            a,
            image_id(
                "us-west-2",
                "/aws/service/eks/optimized-ami/1.33/amazon-linux-2023/x86_64/standard/recommended/image_id"
            )
        );
    }

    #[test]
    fn unknown_names_and_versions_are_not_parameters() {
        assert!(public_parameter(
            "us-east-1",
            "/aws/service/eks/optimized-ami/1.14/amazon-linux-2/recommended/image_id"
        )
        .is_none());
        assert!(public_parameter("us-east-1", "/my/own").is_none());
        assert!(public_parameter("us-east-1", "").is_none());
    }

    #[test]
    fn get_parameters_splits_found_from_invalid_in_order() {
        let names = vec!["/nope".to_owned(), AL2023.to_owned(), "/nope".to_owned()];
        let (found, invalid) = get_parameters("us-east-1", &names);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, AL2023);
        assert_eq!(invalid, ["/nope"]);
    }

    #[test]
    fn names_are_unique() {
        let names = public_parameter_names();
        let set: std::collections::BTreeSet<_> = names.iter().collect();
        assert_eq!(set.len(), names.len());
    }
}
