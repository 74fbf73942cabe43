//! Durable state (`--state-dir DIR`): every acknowledged change is on disk before its answer leaves.
//!
//! After each request (a middleware around both endpoints, [`persist_after`]) the world is compared
//! with the last snapshot; if it changed, the whole world (plus a manual clock's now) is written as
//! one JSON snapshot, atomically: to `state.json.tmp`, fsync'd, renamed over `state.json`, and the
//! directory fsync'd. At start ([`Emulator::open`]) the snapshot is read back whole or not at all: a
//! file that does not parse, or is not this format's version, stops the emulator with an error that
//! names it; a stray temp file (a crash mid-write) is removed, since `state.json` beside it is the
//! last complete snapshot. Pending transitions are data in the models, so they resume where they were.
//!
//! What counts as a change: the world serialised *without* its id generator. Every request, reads
//! included, draws a request id, so comparing the generator would write on every read; resource ids
//! are only drawn together with a change that is itself compared. After a restart, request ids
//! drawn by reads since the last write are drawn again — nothing else repeats. Transitions applied
//! lazily on a read (CREATING → ACTIVE) do count: a client that saw ACTIVE sees it again.
//!
//! Whatever the services add to the `World` is persisted with it: the snapshot is the serde form of
//! the whole world.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::config::Config;
use crate::ids::IdGen;
use crate::state::{Addresses, Emulator, World};
use crate::wire::error::AwsError;

/// The snapshot's file name inside the state directory.
pub const STATE_FILE: &str = "state.json";
/// Where a snapshot is written before it is renamed over [`STATE_FILE`].
pub const TEMP_FILE: &str = "state.json.tmp";
/// The `format` every snapshot names.
pub const FORMAT: &str = "eks-emulator-state";
/// The snapshot format's version; a file of another version is refused, not guessed at.
pub const VERSION: u32 = 1;

/// Why the state directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// Reading or writing failed.
    #[error("state directory {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// `state.json` is not a complete snapshot of this format.
    #[error("{} is not a usable eks-emulator state snapshot ({reason}); move it away to start empty, or point --state-dir elsewhere", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The world could not be serialised (a bug: every store must serialise).
    #[error("the state could not be serialised: {0}")]
    Serialize(String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StateError + '_ {
    move |source| StateError::Io {
        path: path.to_owned(),
        source,
    }
}

/// A snapshot as written.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotOut<'a> {
    format: &'static str,
    version: u32,
    /// A manual clock's now; `None` for a clock that follows real time.
    manual_clock: Option<Timestamp>,
    world: &'a World,
}

/// A snapshot as read.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SnapshotIn {
    format: String,
    version: u32,
    manual_clock: Option<Timestamp>,
    world: World,
}

/// A restored snapshot.
#[derive(Debug)]
pub struct Restored {
    /// The world.
    pub world: World,
    /// The manual clock's now when it was written.
    pub manual_clock: Option<Timestamp>,
}

/// The state directory of a running emulator and what it holds.
#[derive(Debug)]
pub struct Durable {
    dir: PathBuf,
    /// The latest snapshot taken (sequence number, comparison key, file bytes).
    latest: Mutex<Latest>,
    /// The sequence number on disk; held while writing, so writes never interleave.
    written: Mutex<u64>,
}

#[derive(Debug, Default)]
struct Latest {
    seq: u64,
    content: Vec<u8>,
    bytes: Arc<Vec<u8>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Durable {
    /// Opens `dir` (creating it), removes a stray temp file, and reads the snapshot if there is one.
    ///
    /// # Errors
    /// If the directory cannot be used or `state.json` is not a complete snapshot.
    pub fn open(dir: &Path) -> Result<(Self, Option<Restored>), StateError> {
        fs::create_dir_all(dir).map_err(io_err(dir))?;
        let temp = dir.join(TEMP_FILE);
        if temp.exists() {
            tracing::warn!(
                "removing {}: a snapshot interrupted before it was complete; {} is the last complete one",
                temp.display(),
                STATE_FILE
            );
            fs::remove_file(&temp).map_err(io_err(&temp))?;
        }
        let restored = load(&dir.join(STATE_FILE))?;
        let durable = Self {
            dir: dir.to_owned(),
            latest: Mutex::new(Latest::default()),
            written: Mutex::new(0),
        };
        Ok((durable, restored))
    }

    /// The directory.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes a snapshot of `world` if it differs from the last one. Called with the world locked, so
    /// snapshots are taken in the order changes were made. Returns the sequence number that must be
    /// on disk before the caller's answer may leave.
    fn take(&self, world: &mut World, manual_clock: Option<Timestamp>) -> Result<u64, StateError> {
        // The comparison key: the world without its id generator (see the module doc).
        let ids = std::mem::replace(&mut world.ids, IdGen::new(0));
        let content = serde_json::to_vec(&(manual_clock, &*world));
        world.ids = ids;
        let content = content.map_err(|e| StateError::Serialize(e.to_string()))?;
        let mut latest = lock(&self.latest);
        if latest.seq > 0 && latest.content == content {
            return Ok(latest.seq);
        }
        let bytes = serde_json::to_vec(&SnapshotOut {
            format: FORMAT,
            version: VERSION,
            manual_clock,
            world,
        })
        .map_err(|e| StateError::Serialize(e.to_string()))?;
        latest.seq += 1;
        latest.content = content;
        latest.bytes = Arc::new(bytes);
        Ok(latest.seq)
    }

    /// Makes sure snapshot `seq` (or a later one) is on disk: whoever holds the writer lock writes the
    /// latest snapshot, which covers every earlier one.
    fn flush(&self, seq: u64) -> Result<(), StateError> {
        let mut written = lock(&self.written);
        if *written >= seq {
            return Ok(());
        }
        let (latest_seq, bytes) = {
            let latest = lock(&self.latest);
            (latest.seq, Arc::clone(&latest.bytes))
        };
        write_atomically(&self.dir, &bytes)?;
        *written = latest_seq;
        Ok(())
    }

    /// Marks the world just restored (or the empty one) as the last snapshot, so that it is not
    /// written again before it changes.
    fn settle(&self, world: &mut World, manual_clock: Option<Timestamp>) -> Result<(), StateError> {
        let seq = self.take(world, manual_clock)?;
        *lock(&self.written) = seq;
        Ok(())
    }
}

/// Reads a snapshot whole: `None` if there is none, an error if it is not complete and ours.
fn load(path: &Path) -> Result<Option<Restored>, StateError> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_err(path)(e)),
    };
    let corrupt = |reason: String| StateError::Corrupt {
        path: path.to_owned(),
        reason,
    };
    let snapshot: SnapshotIn =
        serde_json::from_slice(&bytes).map_err(|e| corrupt(e.to_string()))?;
    if snapshot.format != FORMAT || snapshot.version != VERSION {
        return Err(corrupt(format!(
            "format {:?} version {}, this emulator reads {FORMAT:?} version {VERSION}",
            snapshot.format, snapshot.version
        )));
    }
    Ok(Some(Restored {
        world: snapshot.world,
        manual_clock: snapshot.manual_clock,
    }))
}

/// Writes `bytes` as `dir/state.json` so that a crash at any point leaves either the old or the new
/// file: temp file, fsync, rename, fsync of the directory.
fn write_atomically(dir: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let temp = dir.join(TEMP_FILE);
    let target = dir.join(STATE_FILE);
    {
        let mut file = File::create(&temp).map_err(io_err(&temp))?;
        file.write_all(bytes).map_err(io_err(&temp))?;
        file.sync_all().map_err(io_err(&temp))?;
    }
    fs::rename(&temp, &target).map_err(io_err(&target))?;
    // The rename is durable once the directory entry is; not every platform can open a directory.
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir))?;
    Ok(())
}

impl Emulator {
    /// An emulator for `config` reporting `addresses`, resumed from `config.state_dir` when set: the
    /// world as last acknowledged, and a manual clock at the instant it had then. Without a state
    /// directory this is [`Emulator::with_addresses`].
    ///
    /// # Errors
    /// If the state directory cannot be used or holds a snapshot that is not complete.
    pub fn open(config: Config, addresses: Addresses) -> Result<Self, StateError> {
        let Some(dir) = config.state_dir.clone() else {
            return Ok(Self::with_addresses(config, addresses));
        };
        let (durable, restored) = Durable::open(&dir)?;
        let manual = config.manual_clock;
        let (world, manual_clock) = match restored {
            Some(restored) => {
                tracing::info!("resuming from {}", dir.join(STATE_FILE).display());
                (restored.world, restored.manual_clock)
            }
            None => (World::new(config.seed), None),
        };
        let emulator = Self::build(config, addresses, world, Some(durable));
        match manual_clock {
            Some(at) if manual => emulator.clock().set(at),
            Some(at) => tracing::warn!(
                "the snapshot was taken on a manual clock at {}; this run follows real time",
                at.iso8601_millis()
            ),
            None => {}
        }
        if let Some(durable) = emulator.durable() {
            let now = emulator.manual_now();
            durable.settle(&mut emulator.lock_world(), now)?;
        }
        Ok(emulator)
    }

    /// A manual clock's now (persisted with the world); `None` for real time.
    fn manual_now(&self) -> Option<Timestamp> {
        self.clock().is_manual().then(|| self.clock().now())
    }

    /// Writes the world to the state directory if it changed since the last snapshot, and returns
    /// once that snapshot (or a later one) is on disk. Without a state directory it does nothing.
    ///
    /// # Errors
    /// If the snapshot cannot be serialised or written.
    pub fn persist(&self) -> Result<(), StateError> {
        let Some(durable) = self.durable() else {
            return Ok(());
        };
        let seq = {
            let mut world = self.lock_world();
            let now = self.manual_now();
            durable.take(&mut world, now)?
        };
        durable.flush(seq)
    }
}

/// The middleware that makes every answer wait until the change it acknowledges is durable. A
/// snapshot that cannot be written turns the answer into a 500 `ServerException` (the change stays
/// in memory, but it was not acknowledged).
pub async fn persist_after(State(emu): State<Emulator>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if emu.durable().is_none() {
        return response;
    }
    let persisted = {
        let emu = emu.clone();
        tokio::task::spawn_blocking(move || emu.persist()).await
    };
    let error = match persisted {
        Ok(Ok(())) => return response,
        Ok(Err(e)) => e.to_string(),
        Err(e) => format!("the snapshot writer stopped: {e}"),
    };
    tracing::error!("state not saved: {error}");
    AwsError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "ServerException",
        format!("The change could not be made durable: {error}"),
    )
    .to_rest_json()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::MANUAL_CLOCK_START;
    use std::time::Duration;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "eks-emulator-durable-{name}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn config(dir: &Path) -> Config {
        Config {
            state_dir: Some(dir.to_owned()),
            ..Config::for_tests()
        }
    }

    fn open(dir: &Path) -> Emulator {
        let config = config(dir);
        let addresses = Addresses {
            aws: config.listen,
            kube: config.kube_listen,
        };
        Emulator::open(config, addresses).unwrap()
    }

    fn written(emu: &Emulator) -> u64 {
        *lock(&emu.durable().unwrap().written)
    }

    #[test]
    fn a_change_is_written_and_restored_with_the_manual_clock() {
        let dir = temp_dir("restore");
        let emu = open(&dir);
        assert!(
            !dir.join(STATE_FILE).exists(),
            "nothing written before a change"
        );
        emu.with_world(|world, _| {
            world.account("111122223333");
        });
        emu.clock().advance(Duration::from_secs(90));
        emu.persist().unwrap();
        let text = fs::read_to_string(dir.join(STATE_FILE)).unwrap();
        assert!(
            text.starts_with("{\"format\":\"eks-emulator-state\",\"version\":1"),
            "{text}"
        );
        drop(emu);

        let back = open(&dir);
        assert_eq!(
            back.clock().now(),
            MANUAL_CLOCK_START.after(Duration::from_secs(90))
        );
        assert!(back.with_world(|world, _| world.accounts.contains_key("111122223333")));
        assert_eq!(written(&back), 1, "the restored world is not written again");
        back.persist().unwrap();
        assert_eq!(written(&back), 1);
    }

    #[test]
    fn reads_do_not_write_but_changes_and_clock_moves_do() {
        let dir = temp_dir("reads");
        let emu = open(&dir);
        emu.with_world(|world, _| world.ids.request_id());
        emu.persist().unwrap();
        assert_eq!(written(&emu), 1, "only the initial settle");
        emu.with_world(|world, _| {
            world.account("1");
        });
        emu.persist().unwrap();
        assert_eq!(written(&emu), 2);
        emu.clock().advance(Duration::from_secs(1));
        emu.persist().unwrap();
        assert_eq!(written(&emu), 3);
    }

    #[test]
    fn a_corrupt_snapshot_stops_the_start_and_a_stray_temp_file_is_ignored() {
        let dir = temp_dir("corrupt");
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join(STATE_FILE),
            b"{\"format\":\"eks-emulator-state\",\"version\":1,\"wor",
        )
        .unwrap();
        let config = config(&dir);
        let addresses = Addresses {
            aws: config.listen,
            kube: config.kube_listen,
        };
        let err = Emulator::open(config.clone(), addresses).unwrap_err();
        assert!(matches!(err, StateError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains("state.json"), "{err}");

        fs::write(
            dir.join(STATE_FILE),
            b"{\"format\":\"other\",\"version\":9,\"manualClock\":null,\"world\":{}}",
        )
        .unwrap();
        assert!(Emulator::open(config.clone(), addresses).is_err());

        fs::remove_file(dir.join(STATE_FILE)).unwrap();
        fs::write(dir.join(TEMP_FILE), b"{\"format\":\"eks-emu").unwrap();
        let emu = Emulator::open(config, addresses).unwrap();
        assert!(!dir.join(TEMP_FILE).exists());
        assert!(emu.with_world(|world, _| world.accounts.is_empty()));
    }
}
