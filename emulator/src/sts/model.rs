//! Who a caller is. Any credentials are accepted; a caller is the account's root user, the identity
//! that dummy credentials on a fresh account would have.

/// The identity `GetCallerIdentity` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account id.
    pub account: String,
    /// `arn:aws:iam::<account>:root`.
    pub arn: String,
    /// For the root user, the account id.
    pub user_id: String,
}

impl CallerIdentity {
    /// The root user of `account`.
    #[must_use]
    pub fn root(account: &str) -> Self {
        Self {
            account: account.to_owned(),
            arn: format!("arn:aws:iam::{account}:root"),
            user_id: account.to_owned(),
        }
    }
}
