//! The emulator's state: `Emulator` (a cheap handle: settings, clock, addresses, CA and the world
//! behind one lock) and `World` (accounts → IAM and regions → each service's store). Handlers reach
//! the world only through [`Emulator::with_world`], which first applies every transition the virtual
//! clock has passed.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

use crate::autoscaling::model::AutoScalingRegion;
use crate::clock::{Clock, Timestamp};
use crate::cloudformation::model::CfnRegion;
use crate::cloudformation::resources::{Services, Site};
use crate::config::Config;
use crate::durable::Durable;
use crate::ec2::model::Ec2Region;
use crate::eks::model::EksRegion;
use crate::faults::Faults;
use crate::iam::model::IamAccount;
use crate::ids::IdGen;
use crate::lifecycle::Timing;
use crate::tls::CertificateAuthority;

/// The addresses actually bound (or, for an in-process `app()`, the configured ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addresses {
    /// The AWS endpoint (every service).
    pub aws: SocketAddr,
    /// The clusters' Kubernetes API (HTTPS).
    pub kube: SocketAddr,
}

/// A handle on one emulator: clone it freely.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    clock: Clock,
    addresses: Addresses,
    ca: CertificateAuthority,
    kube_hub: crate::k8s::Hub,
    world: Mutex<World>,
    /// The state directory, with `--state-dir` (see `durable.rs`).
    durable: Option<Durable>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("addresses", &self.inner.addresses)
            .finish_non_exhaustive()
    }
}

/// What a model needs to know about the request it serves: the time, the timing profile, and whose
/// and where it is.
#[derive(Debug, Clone, Copy)]
pub struct Env<'a> {
    /// The virtual now.
    pub now: Timestamp,
    /// How long transitions take.
    pub timing: Timing,
    /// The caller's account id.
    pub account: &'a str,
    /// The region the request was signed for.
    pub region: &'a str,
}

impl Emulator {
    /// An emulator whose addresses are the configured ones (for `app()` without sockets).
    #[must_use]
    pub fn new(config: Config) -> Self {
        let addresses = Addresses {
            aws: config.listen,
            kube: config.kube_listen,
        };
        Self::with_addresses(config, addresses)
    }

    /// An emulator that reports `addresses` (the ones actually bound) in its responses. It starts
    /// empty and never reads or writes `config.state_dir`: [`Emulator::open`] does.
    #[must_use]
    pub fn with_addresses(config: Config, addresses: Addresses) -> Self {
        let world = World::new(config.seed);
        Self::build(config, addresses, world, None)
    }

    /// An emulator over `world`, kept in `durable` when given (see [`Emulator::open`]).
    pub(crate) fn build(
        config: Config,
        addresses: Addresses,
        world: World,
        durable: Option<Durable>,
    ) -> Self {
        let clock = if config.manual_clock {
            Clock::manual()
        } else {
            Clock::System
        };
        let ca = CertificateAuthority::from_seed(config.seed, Some(addresses.kube.ip()));
        Self {
            inner: Arc::new(Inner {
                config,
                clock,
                addresses,
                ca,
                kube_hub: crate::k8s::Hub::default(),
                world: Mutex::new(world),
                durable,
            }),
        }
    }

    /// The state directory, when the emulator keeps one.
    pub(crate) fn durable(&self) -> Option<&Durable> {
        self.inner.durable.as_ref()
    }

    /// The world as it is, without applying due transitions (for snapshots).
    pub(crate) fn lock_world(&self) -> MutexGuard<'_, World> {
        let mut world = self.lock();
        world.settled = None;
        world
    }

    /// The settings it was started with.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The virtual clock.
    #[must_use]
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
    }

    /// The timing profile.
    #[must_use]
    pub fn timing(&self) -> Timing {
        self.inner.config.timing
    }

    /// The addresses it answers on.
    #[must_use]
    pub fn addresses(&self) -> Addresses {
        self.inner.addresses
    }

    /// The certificate authority of the Kubernetes endpoints.
    #[must_use]
    pub fn ca(&self) -> &CertificateAuthority {
        &self.inner.ca
    }

    /// A cluster's Kubernetes API endpoint: `https://<kube-listen>/k8s/<region>/<cluster>`.
    #[must_use]
    pub fn kube_endpoint(&self, region: &str, cluster: &str) -> String {
        self.site().kube_endpoint(region, cluster)
    }

    /// What CloudFormation's providers need to know about this emulator (not its state).
    #[must_use]
    pub fn site(&self) -> Site<'_> {
        Site {
            kube: self.inner.addresses.kube,
            ca_data: self.inner.ca.pem_base64(),
        }
    }

    /// Runs `f` on the world after applying every transition due by now. The one way handlers touch
    /// state; the lock is held for the whole call, so each request is atomic.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World, Timestamp) -> R) -> R {
        let mut world = self.lock();
        let now = self.settle(&mut world);
        world.settled = None;
        let result = f(&mut world, now);
        self.inner.kube_hub.publish(world.kube_revision());
        result
    }

    /// [`Emulator::with_world`] for bookkeeping that changes nothing a transition or a cluster's
    /// controllers depend on (drawing a request id, deciding an injected fault): the world stays
    /// settled at this instant, so the handler's own `with_world` at the same instant need not apply
    /// transitions again (applying them twice at one instant changes nothing).
    pub fn with_world_bookkeeping<R>(&self, f: impl FnOnce(&mut World, Timestamp) -> R) -> R {
        let mut world = self.lock();
        let now = self.settle(&mut world);
        let result = f(&mut world, now);
        self.inner.kube_hub.publish(world.kube_revision());
        result
    }

    /// Applies every transition due by now, unless the world is already settled at now, and returns
    /// now.
    fn settle(&self, world: &mut World) -> Timestamp {
        let now = self.inner.clock.now();
        if world.settled != Some(now) {
            world.advance(now, self.timing(), self.site());
            world.settled = Some(now);
        }
        now
    }

    /// Forgets every resource (ids restart from the seed; the clock keeps its time).
    pub fn reset(&self) {
        let mut world = self.lock();
        *world = World::new(self.inner.config.seed);
        self.inner.kube_hub.publish(world.kube_revision());
    }

    /// The Kubernetes API's runtime companions: the change signal watches wait on, and the access-key
    /// secrets bearer tokens are checked against.
    #[must_use]
    pub fn kube_hub(&self) -> &crate::k8s::Hub {
        &self.inner.kube_hub
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock cannot leave a half-applied request: handlers validate
        // before they mutate. Keep serving rather than poisoning every later request.
        self.inner
            .world
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Everything the emulator knows, by account.
#[derive(Debug, Serialize, Deserialize)]
pub struct World {
    /// The id generator; part of the state so that a restored emulator goes on where it stopped.
    pub ids: IdGen,
    /// The request ids of SSM, which is read-only and stateless: a stream apart from `ids`, so that
    /// asking SSM (as ekscli does before it creates a nodegroup stack) never shifts resource ids.
    #[serde(default = "stateless_ids")]
    pub stateless_ids: IdGen,
    /// Accounts by id.
    pub accounts: BTreeMap<String, Account>,
    /// Injected faults (`/_emulator/faults`), which the wire layer and the models consult.
    #[serde(default)]
    pub faults: Faults,
    /// The instant every transition due was last applied at, while nothing has changed since (see
    /// [`Emulator::with_world_bookkeeping`]). Runtime only.
    #[serde(skip)]
    settled: Option<Timestamp>,
}

/// One account: its global services and its regions.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Account {
    /// IAM, which is global: the same roles in every region.
    pub iam: IamAccount,
    /// Regions by name, created on first use.
    pub regions: BTreeMap<String, Region>,
}

/// One region of one account: each regional service's store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Region {
    /// EKS clusters, profiles, nodegroups.
    pub eks: EksRegion,
    /// VPCs, subnets, gateways, route tables, security groups, launch templates.
    pub ec2: Ec2Region,
    /// Auto Scaling groups (unmanaged nodegroups).
    #[serde(default)]
    pub autoscaling: AutoScalingRegion,
    /// Stacks.
    pub cloudformation: CfnRegion,
    /// Each cluster's Kubernetes objects.
    #[serde(default)]
    pub kube: crate::k8s::K8sRegion,
    /// The facts the Kubernetes side last read from the services above (a runtime cache).
    #[serde(skip)]
    pub kube_facts: crate::k8s::facts::FactsCache,
}

impl Region {
    /// Applies every transition due at `now` in this region (see [`advance_services`]).
    pub fn advance(&mut self, now: Timestamp) {
        advance_services(&mut self.eks, &mut self.ec2, now);
    }
}

/// Applies every transition due at `now` to a region's provisioned services: EKS clusters and EC2
/// NAT gateways. When a cluster's deletion finishes, the security group EKS made for it goes too,
/// as on AWS. The one per-region step: [`Region::advance`] and CloudFormation's providers
/// (`Services::advance`) both call it.
pub fn advance_services(eks: &mut EksRegion, ec2: &mut Ec2Region, now: Timestamp) {
    // Only a cluster with a change under way can vanish.
    let groups: Vec<(String, String)> = eks
        .clusters
        .values()
        .filter(|c| c.scheduled.is_some())
        .map(|c| (c.name.clone(), c.vpc.cluster_security_group_id.clone()))
        .collect();
    eks.advance(now);
    for (cluster, group) in groups {
        if !eks.clusters.contains_key(&cluster) {
            ec2.forget_security_group(&group);
        }
    }
    ec2.advance(now);
}

/// The parts of the world one request may touch (see [`World::scope`]).
pub struct Scope<'w> {
    /// The id generator.
    pub ids: &'w mut IdGen,
    /// The account's IAM (global).
    pub iam: &'w mut IamAccount,
    /// The region's services.
    pub region: &'w mut Region,
    /// The injected faults, which the models ask when they start creating or deleting a resource.
    pub faults: &'w mut Faults,
}

/// Mixed into the seed of [`World::stateless_ids`].
const STATELESS_SEED: u64 = 0x7373_6d00;

fn stateless_ids() -> IdGen {
    IdGen::new(STATELESS_SEED)
}

impl World {
    /// An empty world whose ids start from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self {
            ids: IdGen::new(seed),
            stateless_ids: IdGen::new(seed ^ STATELESS_SEED),
            accounts: BTreeMap::new(),
            faults: Faults::new(seed),
            settled: None,
        }
    }

    /// The account, created on first use.
    pub fn account(&mut self, account: &str) -> &mut Account {
        self.accounts.entry(account.to_owned()).or_default()
    }

    /// The id generator and a region of an account (created on first use), borrowed together.
    pub fn region(&mut self, account: &str, region: &str) -> (&mut IdGen, &mut Region) {
        let regions = &mut self.accounts.entry(account.to_owned()).or_default().regions;
        (&mut self.ids, regions.entry(region.to_owned()).or_default())
    }

    /// Everything one request in `account`/`region` may touch, borrowed apart so that a model can
    /// read one service (IAM roles, EC2 subnets) while it changes another (EKS) and consults the
    /// injected faults.
    pub fn scope(&mut self, account: &str, region: &str) -> Scope<'_> {
        let account = self.accounts.entry(account.to_owned()).or_default();
        Scope {
            ids: &mut self.ids,
            iam: &mut account.iam,
            region: account.regions.entry(region.to_owned()).or_default(),
            faults: &mut self.faults,
        }
    }

    /// Applies every transition due at `now`, everywhere: stack operations step through the
    /// instants in between (advancing the services they provision to each), then every service
    /// catches up to `now`.
    pub fn advance(&mut self, now: Timestamp, timing: Timing, site: Site<'_>) {
        let Self {
            ids,
            accounts,
            faults,
            ..
        } = self;
        for (account_id, account) in accounts.iter_mut() {
            for (region_name, region) in account.regions.iter_mut() {
                let Region {
                    eks,
                    ec2,
                    autoscaling,
                    cloudformation,
                    ..
                } = region;
                if cloudformation.next_due().is_some_and(|due| due <= now) {
                    let mut services = Services {
                        env: Env {
                            now,
                            timing,
                            account: account_id,
                            region: region_name,
                        },
                        site,
                        ids,
                        iam: &mut account.iam,
                        eks,
                        ec2,
                        autoscaling,
                        faults,
                    };
                    cloudformation.drive(&mut services, now);
                }
                region.advance(now);
                crate::k8s::advance(region, region_name, now, timing);
            }
        }
    }

    /// A number that moves whenever any cluster's Kubernetes objects change (wakes watches).
    #[must_use]
    pub fn kube_revision(&self) -> u64 {
        self.accounts
            .values()
            .flat_map(|a| a.regions.values())
            .map(|r| r.kube.revision())
            .fold(0u64, u64::wrapping_add)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::*;

    fn emulator() -> Emulator {
        Emulator::new(Config::parse_from([
            "eks-emulator",
            "--manual-clock",
            "--timing",
            "instant",
        ]))
    }

    #[test]
    fn bookkeeping_leaves_the_world_settled_only_until_a_handler_or_the_clock_moves() {
        let emu = emulator();
        let first = emu.with_world_bookkeeping(|world, now| {
            world.ids.request_id();
            now
        });
        assert_eq!(emu.lock().settled, Some(first));
        emu.with_world(|_, _| {});
        assert_eq!(emu.lock().settled, None, "a handler may change anything");
        emu.with_world_bookkeeping(|_, _| {});
        assert!(emu.clock().advance(Duration::from_secs(1)));
        let later = emu.with_world_bookkeeping(|_, now| now);
        assert!(later > first);
        assert_eq!(emu.lock().settled, Some(later));
        drop(emu.lock_world());
        assert_eq!(emu.lock().settled, None, "raw access may change anything");
    }
}
