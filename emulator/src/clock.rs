//! The one source of time: the virtual clock every model reads, and the wall clock for client-signed
//! credentials. Nothing else in the emulator calls `SystemTime::now()` or sleeps to make state move.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch on the emulator's virtual clock.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// The instant `d` after this one.
    #[must_use]
    pub fn after(self, d: Duration) -> Self {
        Self(
            self.0
                .saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
        )
    }

    /// Seconds since the epoch with the millisecond fraction, as EKS puts it on the wire
    /// (`"createdAt": 1527807879.988`).
    #[must_use]
    pub fn epoch_seconds(self) -> f64 {
        // Exact for any realistic date: u64 millis below 2^53.
        #[allow(clippy::cast_precision_loss)]
        let millis = self.0 as f64;
        millis / 1000.0
    }

    /// Whole seconds since the epoch.
    #[must_use]
    pub fn unix_seconds(self) -> i64 {
        i64::try_from(self.0 / 1000).unwrap_or(i64::MAX)
    }

    /// ISO 8601 with milliseconds and `Z`, as the query protocols print times (`2016-03-15T20:54:31.809Z`).
    #[must_use]
    pub fn iso8601_millis(self) -> String {
        let dt = self.datetime();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.millisecond()
        )
    }

    /// RFC 3339 to the second (`2026-01-01T00:00:00Z`), as Kubernetes prints `metav1.Time`.
    #[must_use]
    pub fn rfc3339_seconds(self) -> String {
        let dt = self.datetime();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        )
    }

    /// Milliseconds from `earlier` to this instant (zero if `earlier` is later).
    #[must_use]
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    fn datetime(self) -> time::OffsetDateTime {
        let nanos = i128::from(self.0) * 1_000_000;
        time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

/// Where a manual clock starts: a fixed instant, so that the same seed and requests give the same bytes.
pub const MANUAL_CLOCK_START: Timestamp = Timestamp(1_767_225_600_000); // 2026-01-01T00:00:00Z

/// The virtual clock. `System` follows the machine's clock; `Manual` only moves when told to
/// (`POST /_emulator/clock/advance`), so tests and scenarios are deterministic and never sleep.
#[derive(Debug, Clone)]
pub enum Clock {
    /// Real time.
    System,
    /// Frozen time, moved only by [`Clock::advance`].
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A manual clock frozen at [`MANUAL_CLOCK_START`].
    #[must_use]
    pub fn manual() -> Self {
        Self::manual_at(MANUAL_CLOCK_START)
    }

    /// A manual clock frozen at `start`.
    #[must_use]
    pub fn manual_at(start: Timestamp) -> Self {
        Self::Manual(Arc::new(AtomicU64::new(start.0)))
    }

    /// The virtual now.
    #[must_use]
    pub fn now(&self) -> Timestamp {
        match self {
            Self::System => wall_now(),
            Self::Manual(millis) => Timestamp(millis.load(Ordering::SeqCst)),
        }
    }

    /// Moves a manual clock forward; a system clock cannot be moved and reports `false`.
    pub fn advance(&self, by: Duration) -> bool {
        match self {
            Self::System => false,
            Self::Manual(millis) => {
                let add = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
                millis.fetch_add(add, Ordering::SeqCst);
                true
            }
        }
    }

    /// Sets a manual clock to `to` (used when restoring durable state); a system clock ignores it.
    pub fn set(&self, to: Timestamp) {
        if let Self::Manual(millis) = self {
            millis.store(to.0, Ordering::SeqCst);
        }
    }

    /// Whether only the admin API moves this clock.
    #[must_use]
    pub fn is_manual(&self) -> bool {
        matches!(self, Self::Manual(_))
    }
}

/// Holds an answer back for `d` of real time (an injected slow response, `/_emulator/faults`
/// `delayMs`). It never moves the virtual clock or any state.
pub async fn wall_sleep(d: Duration) {
    tokio::time::sleep(d).await;
}

/// The machine's real time, for checking what clients signed with their own clocks (SigV4 dates,
/// `aws eks get-token` expiry). Models never use it.
#[must_use]
pub fn wall_now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(u64::try_from(millis).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = Clock::manual();
        assert_eq!(clock.now(), MANUAL_CLOCK_START);
        assert!(clock.advance(Duration::from_secs(90)));
        assert_eq!(clock.now(), Timestamp(MANUAL_CLOCK_START.0 + 90_000));
    }

    #[test]
    fn system_clock_cannot_be_advanced() {
        assert!(!Clock::System.advance(Duration::from_secs(1)));
    }

    #[test]
    fn formats_match_the_wire() {
        let t = Timestamp(1_527_807_879_988);
        assert_eq!(t.iso8601_millis(), "2018-05-31T23:04:39.988Z");
        assert_eq!(t.rfc3339_seconds(), "2018-05-31T23:04:39Z");
        assert!((t.epoch_seconds() - 1_527_807_879.988).abs() < 1e-6);
        assert_eq!(MANUAL_CLOCK_START.rfc3339_seconds(), "2026-01-01T00:00:00Z");
    }
}
