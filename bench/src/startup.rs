//! Start-up and idle memory of a server process: spawn it, poll with a fresh connection every
//! millisecond until one `GET /` gets any HTTP answer, then let it idle and read its `VmRSS`.
//! Also the servers the other benches spawn ([`Server`]), killed when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::aws::Error;
use crate::stats::rss_kib;

/// Which server.
#[derive(Debug, Clone)]
pub enum Kind {
    /// `eks-emulator` at this path (run with `--timing instant`).
    Emulator(String),
    /// `moto_server` at this path.
    Moto(String),
}

impl Kind {
    fn command(&self, port: u16) -> Command {
        match self {
            Self::Emulator(bin) => {
                let mut cmd = Command::new(bin);
                cmd.args([
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                    "--kube-listen",
                    "127.0.0.1:0",
                    "--timing",
                    "instant",
                ]);
                cmd
            }
            Self::Moto(bin) => {
                let mut cmd = Command::new(bin);
                cmd.args(["-p", &port.to_string()]);
                cmd
            }
        }
    }
}

/// A running server, killed when dropped.
pub struct Server {
    child: Child,
    port: u16,
    /// From spawn to its first HTTP answer.
    pub first_answer: Duration,
}

impl Server {
    /// Spawns `kind` on a free port and waits (up to 60 s) for its first HTTP answer.
    ///
    /// # Errors
    /// When it cannot be spawned, exits, or does not answer in time.
    pub fn spawn(kind: &Kind) -> Result<Self, Error> {
        let port = free_port()?;
        let mut cmd = kind.command(port);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let started = Instant::now();
        let child = cmd.spawn().map_err(|e| format!("spawning {kind:?}: {e}"))?;
        let mut server = Self {
            child,
            port,
            first_answer: Duration::ZERO,
        };
        while !answers(port) {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("{kind:?} exited with {status} before answering"));
            }
            if started.elapsed() > Duration::from_secs(60) {
                return Err(format!("{kind:?} did not answer within 60 s"));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        server.first_answer = started.elapsed();
        Ok(server)
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Its process id.
    #[must_use]
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its `VmRSS` now, in KiB.
    #[must_use]
    pub fn rss_kib(&self) -> Option<u64> {
        rss_kib(self.pid())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What [`measure`] found.
#[derive(Debug, Clone)]
pub struct Startup {
    /// Start-up to first answer, one per run.
    pub first_answer: Vec<Duration>,
    /// `VmRSS` after `idle` without requests, one per run (KiB).
    pub idle_rss_kib: Vec<u64>,
}

/// Starts `kind` `runs` times; each time measures the first answer, then the RSS after `idle`.
///
/// # Errors
/// When a start fails.
pub fn measure(kind: &Kind, runs: usize, idle: Duration) -> Result<Startup, Error> {
    let mut out = Startup {
        first_answer: Vec::new(),
        idle_rss_kib: Vec::new(),
    };
    for _ in 0..runs {
        let server = Server::spawn(kind)?;
        out.first_answer.push(server.first_answer);
        std::thread::sleep(idle);
        out.idle_rss_kib.push(
            server
                .rss_kib()
                .ok_or_else(|| format!("no VmRSS for {kind:?}"))?,
        );
    }
    Ok(out)
}

/// A loopback port nobody listens on now.
fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

/// Whether `GET /` on a fresh connection gets an HTTP status line back.
fn answers(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    if stream
        .write_all(b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 8];
    matches!(stream.read_exact(&mut head), Ok(()) if head.starts_with(b"HTTP/1."))
}
