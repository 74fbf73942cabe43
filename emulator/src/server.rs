//! Binding and serving: the AWS endpoint over HTTP and the Kubernetes endpoint over TLS, with clean
//! shutdown. The addresses actually bound (port 0 picks one) are the ones every response uses.

use std::io;
use std::net::SocketAddr;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::state::{Addresses, Emulator};

/// A started emulator. Dropping it stops both listeners.
#[derive(Debug)]
pub struct RunningEmulator {
    emulator: Emulator,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningEmulator {
    /// The emulator's state handle.
    #[must_use]
    pub fn emulator(&self) -> &Emulator {
        &self.emulator
    }

    /// The bound addresses.
    #[must_use]
    pub fn addresses(&self) -> Addresses {
        self.emulator.addresses()
    }

    /// `http://<aws address>`, for `AWS_ENDPOINT_URL`.
    #[must_use]
    pub fn aws_url(&self) -> String {
        format!("http://{}", self.addresses().aws)
    }

    /// Stops accepting, lets requests in flight finish, and waits for both listeners.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl Emulator {
    /// Binds `config.listen` and `config.kube_listen` and serves until the returned handle is shut
    /// down or dropped.
    ///
    /// With `config.state_dir`, it resumes from the snapshot there ([`Emulator::open`]). A listener
    /// bound to an address other than loopback is logged as a warning.
    ///
    /// # Errors
    /// If a listener cannot be bound, the state directory cannot be used, `--strict-auth` has no
    /// credentials, or the TLS configuration is refused.
    pub async fn start(config: Config) -> io::Result<RunningEmulator> {
        let aws_listener = TcpListener::bind(config.listen).await?;
        let kube_listener = TcpListener::bind(config.kube_listen).await?;
        let addresses = Addresses {
            aws: aws_listener.local_addr()?,
            kube: kube_listener.local_addr()?,
        };
        if config.strict_auth && config.credentials.is_empty() {
            return Err(io::Error::other(
                "--strict-auth needs at least one --credentials ACCESS_KEY_ID:SECRET",
            ));
        }
        for (flag, addr) in [
            ("--listen", addresses.aws),
            ("--kube-listen", addresses.kube),
        ] {
            if !addr.ip().is_loopback() {
                tracing::warn!(
                    "{flag} {addr} is not a loopback address: other machines can reach this \
                     emulator{}",
                    if config.strict_auth {
                        ""
                    } else {
                        ", and without --strict-auth it accepts any credentials"
                    }
                );
            }
        }
        let emulator = Emulator::open(config, addresses).map_err(io::Error::other)?;
        let tls = emulator.ca().server_config().map_err(io::Error::other)?;
        let (stop, stopped) = watch::channel(false);

        let aws_app = crate::app(emulator.clone());
        let mut aws_stopped = stopped.clone();
        let aws_task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = aws_stopped.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(aws_listener, aws_app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!("AWS endpoint stopped: {e}");
            }
        });

        let kube_app = crate::kube_app(emulator.clone());
        let acceptor = tokio_rustls::TlsAcceptor::from(tls);
        let mut kube_stopped = stopped;
        let kube_task = tokio::spawn(async move {
            loop {
                let (tcp, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
                    accepted = kube_listener.accept() => match accepted {
                        Ok(conn) => conn,
                        Err(e) => { tracing::warn!("Kubernetes endpoint accept failed: {e}"); continue; }
                    },
                    _ = kube_stopped.wait_for(|s| *s) => break,
                };
                let acceptor = acceptor.clone();
                let service = TowerToHyperService::new(kube_app.clone());
                tokio::spawn(async move {
                    let tls = match acceptor.accept(tcp).await {
                        Ok(tls) => tls,
                        Err(e) => {
                            tracing::debug!("TLS handshake with {peer} failed: {e}");
                            return;
                        }
                    };
                    if let Err(e) = auto::Builder::new(TokioExecutor::new())
                        .serve_connection_with_upgrades(TokioIo::new(tls), service)
                        .await
                    {
                        tracing::debug!("Kubernetes connection from {peer} ended: {e}");
                    }
                });
            }
        });

        Ok(RunningEmulator {
            emulator,
            stop,
            tasks: vec![aws_task, kube_task],
        })
    }
}
