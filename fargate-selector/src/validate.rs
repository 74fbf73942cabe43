//! The checks EKS makes on a profile's selectors at creation, as typed errors. The AWS message texts
//! belong to the EKS handler, which maps each variant to its message; each variant's doc names it.

use std::error::Error;
use std::fmt;

use crate::profile::Selector;

/// Quota "Selectors per Fargate profile" (not adjustable).
pub const MAX_SELECTORS_PER_PROFILE: usize = 5;

/// Quota "Label pairs per Fargate profile selector" (not adjustable).
pub const MAX_LABELS_PER_SELECTOR: usize = 5;

/// Why EKS rejects a profile's selectors (`InvalidParameterException` on `CreateFargateProfile`).
///
/// `Display` is our own wording, for logs; the EKS handler sends the AWS message named on each variant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectorError {
    /// No selectors at all.
    ///
    /// AWS: `Fargate Profile requires at least one selector.`
    NoSelectors,
    /// More than [`MAX_SELECTORS_PER_PROFILE`] selectors.
    ///
    /// AWS: the real text is unknown (the API model also allows `ResourceLimitExceededException`).
    TooManySelectors { count: usize },
    /// The selector at `index` (0-based) has a missing or empty namespace.
    ///
    /// AWS: `Fargate Profile must have at least one selector with at least one namespace value.`
    MissingNamespace { index: usize },
    /// The selector at `index` (0-based) has more than [`MAX_LABELS_PER_SELECTOR`] labels.
    ///
    /// AWS: `Request contains Selector with more than 5 Label pairs`
    TooManyLabels { index: usize, count: usize },
}

/// Checks selectors as EKS does on `CreateFargateProfile`, returning the first problem: none at all, too
/// many, then per selector in order a missing namespace and too many labels (moto's order; AWS's is not
/// documented). Wildcards are allowed anywhere and are not checked.
///
/// # Errors
///
/// The first [`SelectorError`] found.
pub fn validate_selectors(selectors: &[Selector]) -> Result<(), SelectorError> {
    if selectors.is_empty() {
        return Err(SelectorError::NoSelectors);
    }
    if selectors.len() > MAX_SELECTORS_PER_PROFILE {
        return Err(SelectorError::TooManySelectors {
            count: selectors.len(),
        });
    }
    for (index, selector) in selectors.iter().enumerate() {
        if selector.namespace.is_empty() {
            return Err(SelectorError::MissingNamespace { index });
        }
        if selector.labels.len() > MAX_LABELS_PER_SELECTOR {
            return Err(SelectorError::TooManyLabels {
                index,
                count: selector.labels.len(),
            });
        }
    }
    Ok(())
}

impl fmt::Display for SelectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoSelectors => f.write_str("the profile has no selectors"),
            Self::TooManySelectors { count } => write!(
                f,
                "the profile has {count} selectors, more than {MAX_SELECTORS_PER_PROFILE}"
            ),
            Self::MissingNamespace { index } => {
                write!(f, "selector #{} has no namespace", index + 1)
            }
            Self::TooManyLabels { index, count } => write!(
                f,
                "selector #{} has {count} labels, more than {MAX_LABELS_PER_SELECTOR}",
                index + 1
            ),
        }
    }
}

impl Error for SelectorError {}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn selector(namespace: &str, label_count: usize) -> Selector {
        Selector {
            namespace: namespace.to_owned(),
            labels: (0..label_count)
                .map(|i| (format!("k{i}"), "v".to_owned()))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    #[test]
    fn validates_as_eks_does() {
        let table = [
            (vec![], Err(SelectorError::NoSelectors), "no selectors"),
            (
                vec![selector("default", 0)],
                Ok(()),
                "one namespace-only selector",
            ),
            (
                vec![selector("prod*", 5); 5],
                Ok(()),
                "5 selectors of 5 labels is the limit, wildcards allowed",
            ),
            (
                vec![selector("default", 0); 6],
                Err(SelectorError::TooManySelectors { count: 6 }),
                "6 selectors",
            ),
            (
                vec![selector("default", 0), selector("", 0)],
                Err(SelectorError::MissingNamespace { index: 1 }),
                "second selector without namespace",
            ),
            (
                vec![selector("default", 6)],
                Err(SelectorError::TooManyLabels { index: 0, count: 6 }),
                "6 labels",
            ),
            (
                vec![selector("", 6)],
                Err(SelectorError::MissingNamespace { index: 0 }),
                "the namespace is checked before the labels",
            ),
            (
                vec![selector("", 0); 6],
                Err(SelectorError::TooManySelectors { count: 6 }),
                "the selector count is checked before each selector",
            ),
        ];
        for (selectors, expected, why) in table {
            assert_eq!(validate_selectors(&selectors), expected, "{why}");
        }
    }

    #[test]
    fn missing_namespace_on_the_wire_is_caught() {
        let selectors: Vec<Selector> =
            serde_json::from_str(r#"[{"labels":{"env":"dev"}}]"#).unwrap();
        assert_eq!(
            validate_selectors(&selectors),
            Err(SelectorError::MissingNamespace { index: 0 }),
            "a selector without a namespace key"
        );
    }

    #[test]
    fn displays_one_line_each() {
        let table = [
            (SelectorError::NoSelectors, "the profile has no selectors"),
            (
                SelectorError::TooManySelectors { count: 6 },
                "the profile has 6 selectors, more than 5",
            ),
            (
                SelectorError::MissingNamespace { index: 0 },
                "selector #1 has no namespace",
            ),
            (
                SelectorError::TooManyLabels { index: 1, count: 7 },
                "selector #2 has 7 labels, more than 5",
            ),
        ];
        for (error, expected) in table {
            assert_eq!(error.to_string(), expected, "{error:?}");
        }
    }
}
