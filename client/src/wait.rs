//! Waiting: the [`Sleeper`] every poll goes through (tokio's timer in a process; tests substitute
//! one that moves an emulator's manual clock instead of sleeping), and eksctl's
//! `TimingOutExponentialBackoff` (`pkg/utils/retry`): poll at once, then after 1 s, 2 s, 4 s, 8 s …,
//! the last sleep cut so the total equals `--timeout`. Elapsed time is the sum of the sleeps, so a
//! substituted sleeper gives virtual time.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// A future a [`Sleeper`] returns.
pub type SleepFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// How to wait for a duration.
#[derive(Clone)]
pub struct Sleeper(Arc<dyn Fn(Duration) -> SleepFuture + Send + Sync>);

impl std::fmt::Debug for Sleeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sleeper")
    }
}

impl Sleeper {
    /// Real sleeping on tokio's timer.
    #[must_use]
    pub fn tokio() -> Self {
        Self::new(|d| Box::pin(tokio::time::sleep(d)))
    }

    /// A sleeper that runs `f` for each wait.
    pub fn new(f: impl Fn(Duration) -> SleepFuture + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// Waits for `d`.
    pub async fn sleep(&self, d: Duration) {
        (self.0)(d).await;
    }
}

/// What time it is, for what must agree with the server's clock (the Kubernetes API token's
/// `X-Amz-Date`): the system clock in a process; tests substitute an emulator's manual clock.
#[derive(Clone)]
pub struct WallClock(Arc<dyn Fn() -> SystemTime + Send + Sync>);

impl std::fmt::Debug for WallClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WallClock")
    }
}

impl WallClock {
    /// The system clock.
    #[must_use]
    pub fn system() -> Self {
        Self::new(SystemTime::now)
    }

    /// A clock that asks `f`.
    pub fn new(f: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        Self(Arc::new(f))
    }

    /// The current time.
    #[must_use]
    pub fn now(&self) -> SystemTime {
        (self.0)()
    }
}

/// eksctl's exponential backoff bounded by a total timeout.
#[derive(Debug, Clone)]
pub struct Backoff {
    timeout: Duration,
    elapsed: Duration,
    next: Duration,
}

impl Backoff {
    /// A backoff that gives up once `timeout` has been slept.
    #[must_use]
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            elapsed: Duration::ZERO,
            next: Duration::from_secs(1),
        }
    }

    /// Sleeps before the next attempt. Returns `false`, without sleeping, once the timeout is used
    /// up.
    pub async fn wait(&mut self, sleeper: &Sleeper) -> bool {
        if self.elapsed >= self.timeout {
            return false;
        }
        let d = self.next.min(self.timeout - self.elapsed);
        sleeper.sleep(d).await;
        self.elapsed += d;
        self.next = self.next.saturating_mul(2);
        true
    }

    /// The time slept so far.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test]
    async fn sleeps_double_and_the_last_is_cut_to_the_timeout() {
        let slept = Arc::new(Mutex::new(Vec::new()));
        let log = slept.clone();
        let sleeper = Sleeper::new(move |d| {
            log.lock().unwrap().push(d.as_secs());
            Box::pin(async {})
        });
        let mut backoff = Backoff::new(Duration::from_secs(20));
        while backoff.wait(&sleeper).await {}
        assert_eq!(*slept.lock().unwrap(), vec![1, 2, 4, 8, 5]);
        assert_eq!(backoff.elapsed(), Duration::from_secs(20));
    }
}
