//! CloudFormation state of one region (stacks, their resources and events, exports), filled in by
//! the CloudFormation issue.

use serde::{Deserialize, Serialize};

/// The CloudFormation store of one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct CfnRegion {}
