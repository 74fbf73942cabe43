//! Amazon EC2 Auto Scaling, as far as unmanaged (self-managed) nodegroups need it: groups recorded
//! with their sizes, launch template and subnets. No wire API yet: CloudFormation's
//! `AWS::AutoScaling::AutoScalingGroup` is the one way in, and the Kubernetes side reads the groups
//! through the model (see [`model`] for the read API).

pub mod error;
pub mod model;
