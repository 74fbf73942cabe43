//! IAM state of one account (roles, policies, instance profiles), filled in by the IAM issue.

use serde::{Deserialize, Serialize};

/// The IAM store of one account.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct IamAccount {}
