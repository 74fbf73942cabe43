//! Transitions as data: for each kind of resource, from which status to which, and how long real AWS
//! takes. A timing profile scales the realistic durations; models store a [`Scheduled`] next step and
//! apply it lazily when the virtual clock has passed it, on every read and write.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;

/// How long transitions take, relative to real AWS (`--timing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Timing {
    /// Every transition completes at once.
    Instant,
    /// Realistic durations divided by 60 (a 10-minute cluster takes 10 seconds).
    #[default]
    Fast,
    /// The durations observed on real AWS.
    Realistic,
}

impl Timing {
    /// How long `transition` takes under this profile.
    #[must_use]
    pub fn duration(self, transition: Transition) -> Duration {
        let realistic = transition.realistic();
        match self {
            Self::Instant => Duration::ZERO,
            Self::Fast => realistic / 60,
            Self::Realistic => realistic,
        }
    }
}

/// Every delayed transition the emulator models, with its realistic duration (reference/aws-eks.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Transition {
    /// EKS cluster `CREATING` → `ACTIVE`: about 10 minutes.
    ClusterCreate,
    /// EKS cluster `DELETING` → gone: about 5 minutes.
    ClusterDelete,
    /// Fargate profile `CREATING` → `ACTIVE`: 2–5 minutes (5 in 2024, seconds in late 2025).
    FargateProfileCreate,
    /// Fargate profile `DELETING` → gone: about 2 minutes (the seed page's "delayed deletion").
    FargateProfileDelete,
    /// Managed nodegroup `CREATING` → `ACTIVE`: about 3 minutes.
    NodegroupCreate,
    /// Managed nodegroup `DELETING` → gone: about 4 minutes.
    NodegroupDelete,
    /// Managed nodegroup `UPDATING` → `ACTIVE` after a scaling update: about 1 minute.
    NodegroupUpdate,
    /// A CloudFormation resource other than EKS ones (VPC, subnet, role...): a few seconds.
    StackResource,
    /// A NAT gateway `pending` → `available`: about 90 seconds.
    NatGatewayCreate,
    /// An EC2 instance of a nodegroup registering as a Ready node: about 90 seconds.
    NodeReady,
    /// A Fargate pod from admission to Running on its own node: about 60 seconds.
    FargatePodStart,
    /// A pod on an existing EC2 node from scheduling to Running: a few seconds.
    PodStart,
    /// A bound pod from a graceful delete to gone (its containers stop on SIGTERM): a few seconds.
    PodStop,
}

impl Transition {
    /// The duration observed on real AWS.
    #[must_use]
    pub fn realistic(self) -> Duration {
        let secs = match self {
            Self::ClusterCreate => 600,
            Self::ClusterDelete => 300,
            Self::FargateProfileCreate => 180,
            Self::FargateProfileDelete => 120,
            Self::NodegroupCreate => 180,
            Self::NodegroupDelete => 240,
            Self::NodegroupUpdate => 60,
            Self::StackResource => 6,
            Self::NatGatewayCreate => 90,
            Self::NodeReady => 90,
            Self::FargatePodStart => 60,
            Self::PodStart => 3,
            Self::PodStop => 2,
        };
        Duration::from_secs(secs)
    }
}

/// What happens when a scheduled step comes due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Next<S> {
    /// The resource takes this status.
    Become(S),
    /// The resource disappears (a finished delete).
    Vanish,
}

/// A step scheduled on the virtual clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduled<S> {
    /// When the step happens.
    pub at: Timestamp,
    /// What happens then.
    pub next: Next<S>,
}

impl<S> Scheduled<S> {
    /// `next` after `transition` takes its time under `timing`, counting from `now`.
    #[must_use]
    pub fn after(now: Timestamp, timing: Timing, transition: Transition, next: Next<S>) -> Self {
        Self {
            at: now.after(timing.duration(transition)),
            next,
        }
    }

    /// Whether the step is due at `now`.
    #[must_use]
    pub fn is_due(&self, now: Timestamp) -> bool {
        self.at <= now
    }
}

/// The outcome of applying a due step to a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advanced {
    /// Nothing was due.
    Unchanged,
    /// The status changed.
    Changed,
    /// The resource is gone and must be removed by its owner.
    Vanished,
}

/// Applies `scheduled` to `status` if it is due at `now`.
pub fn advance<S>(
    status: &mut S,
    scheduled: &mut Option<Scheduled<S>>,
    now: Timestamp,
) -> Advanced {
    match scheduled.take() {
        Some(step) if step.is_due(now) => match step.next {
            Next::Become(next) => {
                *status = next;
                Advanced::Changed
            }
            Next::Vanish => Advanced::Vanished,
        },
        other => {
            *scheduled = other;
            Advanced::Unchanged
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_profiles_scale_realistic_durations() {
        assert_eq!(
            Timing::Realistic.duration(Transition::ClusterCreate),
            Duration::from_secs(600)
        );
        assert_eq!(
            Timing::Fast.duration(Transition::ClusterCreate),
            Duration::from_secs(10)
        );
        assert_eq!(
            Timing::Instant.duration(Transition::ClusterCreate),
            Duration::ZERO
        );
    }

    #[test]
    fn a_step_applies_only_once_due() {
        let start = Timestamp(1_000);
        let mut status = "CREATING";
        let mut next = Some(Scheduled::after(
            start,
            Timing::Realistic,
            Transition::FargateProfileCreate,
            Next::Become("ACTIVE"),
        ));
        assert_eq!(
            advance(
                &mut status,
                &mut next,
                start.after(Duration::from_secs(179))
            ),
            Advanced::Unchanged
        );
        assert_eq!(status, "CREATING");
        assert_eq!(
            advance(
                &mut status,
                &mut next,
                start.after(Duration::from_secs(180))
            ),
            Advanced::Changed
        );
        assert_eq!(status, "ACTIVE");
        assert!(next.is_none());
        let mut gone = Some(Scheduled {
            at: start,
            next: Next::Vanish,
        });
        assert_eq!(advance(&mut status, &mut gone, start), Advanced::Vanished);
    }
}
