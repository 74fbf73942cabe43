//! Runtime-only companions of the Kubernetes API, kept outside the (serialisable) world: the change
//! signal that wakes watches when any cluster's objects change (after a request *or* a clock advance,
//! both of which run `World::advance` inside `Emulator::with_world`), and the secrets of access keys
//! the emulator knows, against which bearer-token signatures are checked.

use std::collections::BTreeMap;
use std::sync::Mutex;

use tokio::sync::watch;

/// The change signal and the known credentials.
#[derive(Debug)]
pub struct Hub {
    changes: watch::Sender<u64>,
    secrets: Mutex<BTreeMap<String, String>>,
}

impl Default for Hub {
    fn default() -> Self {
        Self {
            changes: watch::channel(0).0,
            secrets: Mutex::new(BTreeMap::new()),
        }
    }
}

impl Hub {
    /// A receiver that wakes when [`Hub::publish`] sees a new revision.
    #[must_use]
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Announces the world's Kubernetes revision; wakes watchers if it moved.
    pub fn publish(&self, revision: u64) {
        self.changes.send_if_modified(|current| {
            let moved = *current != revision;
            *current = revision;
            moved
        });
    }

    /// Makes the emulator know the secret of `access_key`: bearer tokens signed with that key are
    /// then checked in full (signature, and so the cluster they were made for).
    pub fn trust_credentials(&self, access_key: &str, secret: &str) {
        self.lock().insert(access_key.to_owned(), secret.to_owned());
    }

    /// The secret of `access_key`, if known.
    #[must_use]
    pub fn secret_for(&self, access_key: &str) -> Option<String> {
        self.lock().get(access_key).cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, String>> {
        self.secrets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
