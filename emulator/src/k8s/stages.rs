//! A pod's life after scheduling, as data (kwok's stages, with Rust enums): each [`Step`] is what
//! happens to a pod once its delay, a [`Transition`] of the timing table, has passed on the virtual
//! clock. The steps wait in [`PodSteps`]; `cluster.rs` applies them in time order. Owns no object
//! changes: `kubelet.rs` says what each step does to the pod.

use serde::{Deserialize, Serialize};

use super::facts::Subnet;
use crate::clock::Timestamp;
use crate::lifecycle::{Timing, Transition};

/// One delayed step of a pod's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Fargate capacity is up: the pod's own node registers and the pod is bound to it. Entered when
    /// fargate-scheduler accepts a pod; left after `FargatePodStart` less `PodStart`, for [`Step::Start`].
    FargateBind {
        /// The profile that admitted the pod.
        profile: String,
        /// The subnet of the pod's ENI.
        subnet: Subnet,
        /// The ENI's private IP: the node's InternalIP and the pod's IP.
        ip: String,
    },
    /// The pod's containers start: Running and Ready. Entered when the pod is bound to a node; left
    /// after `PodStart`, after which nothing is pending for the pod.
    Start,
    /// The containers have stopped after a graceful delete: the pod (and its Fargate node) vanish.
    /// Entered on the delete of a pod bound to a node; left after `PodStop`.
    Stop,
}

impl Step {
    /// How long the step waits under `timing`.
    #[must_use]
    pub fn delay(&self, timing: Timing) -> std::time::Duration {
        match self {
            Self::FargateBind { .. } => timing
                .duration(Transition::FargatePodStart)
                .saturating_sub(timing.duration(Transition::PodStart)),
            Self::Start => timing.duration(Transition::PodStart),
            Self::Stop => timing.duration(Transition::PodStop),
        }
    }
}

/// A step waiting for its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// When it happens.
    pub at: Timestamp,
    /// The pod's namespace.
    pub namespace: String,
    /// The pod's name.
    pub name: String,
    /// The pod's uid (a step for a pod that was replaced under the same name is dropped).
    pub uid: String,
    /// What happens.
    pub step: Step,
}

/// Every pending step of a cluster, at most one per pod.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PodSteps(pub Vec<Due>);

impl PodSteps {
    /// Schedules `step` for the pod `uid` after its delay from `now`, replacing what was pending.
    pub fn schedule(
        &mut self,
        now: Timestamp,
        timing: Timing,
        namespace: &str,
        name: &str,
        uid: &str,
        step: Step,
    ) {
        self.cancel(uid);
        self.0.push(Due {
            at: now.after(step.delay(timing)),
            namespace: namespace.to_owned(),
            name: name.to_owned(),
            uid: uid.to_owned(),
            step,
        });
    }

    /// Forgets the pod's pending step.
    pub fn cancel(&mut self, uid: &str) {
        self.0.retain(|d| d.uid != uid);
    }

    /// The pod's pending step.
    #[must_use]
    pub fn pending(&self, uid: &str) -> Option<&Due> {
        self.0.iter().find(|d| d.uid == uid)
    }

    /// Takes the earliest step due by `now` (ties in scheduling order).
    pub fn take_due(&mut self, now: Timestamp) -> Option<Due> {
        let index = self
            .0
            .iter()
            .enumerate()
            .filter(|(_, d)| d.at <= now)
            .min_by_key(|(i, d)| (d.at, *i))
            .map(|(i, _)| i)?;
        Some(self.0.remove(index))
    }

    /// When the next step is due.
    #[must_use]
    pub fn earliest(&self) -> Option<Timestamp> {
        self.0.iter().map(|d| d.at).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_fargate_pod_is_bound_then_running_within_the_fargate_start_time() {
        let bind = Step::FargateBind {
            profile: "fp".into(),
            subnet: Subnet {
                id: "subnet-1".into(),
                az: "a".into(),
                cidr: "10.0.0.0/24".into(),
            },
            ip: "10.0.0.5".into(),
        };
        let total = bind.delay(Timing::Realistic) + Step::Start.delay(Timing::Realistic);
        assert_eq!(total, Duration::from_secs(60));
        assert_eq!(bind.delay(Timing::Instant), Duration::ZERO);
    }

    #[test]
    fn steps_come_due_in_time_order_one_per_pod() {
        let mut steps = PodSteps::default();
        let t0 = Timestamp(0);
        steps.schedule(t0, Timing::Realistic, "ns", "a", "u1", Step::Start);
        steps.schedule(t0, Timing::Realistic, "ns", "b", "u2", Step::Stop);
        steps.schedule(t0, Timing::Realistic, "ns", "a", "u1", Step::Stop);
        assert_eq!(steps.0.len(), 2, "a pod has one pending step");
        assert_eq!(steps.earliest(), Some(Timestamp(2000)));
        assert!(steps.take_due(Timestamp(1999)).is_none());
        let first = steps.take_due(Timestamp(5000)).unwrap();
        assert_eq!(first.uid, "u2");
        assert_eq!(steps.take_due(Timestamp(5000)).unwrap().uid, "u1");
        assert!(steps.take_due(Timestamp(5000)).is_none());
    }
}
