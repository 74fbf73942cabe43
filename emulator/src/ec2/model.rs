//! EC2 state of one region (VPCs, subnets, gateways, route tables, security groups), filled in by
//! the EC2 issue.

use serde::{Deserialize, Serialize};

/// The EC2 store of one region.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Ec2Region {}
