//! One plain-HTTP/1.1 request to an emulator (the admin API under `/_emulator/`, and the raw
//! service probes): hyper's connection-level client over a fresh TCP connection. Nothing here
//! speaks TLS or follows redirects; real AWS is only ever reached through the SDK and the CLIs.

use bytes::Bytes;
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// A response: status and body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

/// Sends `method path` with `headers` and `body` to `base` (`http://host:port`).
///
/// # Errors
/// A base that is not `http://host:port`, a refused connection, or a broken exchange.
pub async fn request(
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Result<Response, String> {
    let authority = base
        .strip_prefix("http://")
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .ok_or_else(|| format!("{base:?} is not an http://HOST:PORT address"))?;
    let stream = tokio::net::TcpStream::connect(authority)
        .await
        .map_err(|e| format!("cannot connect to {base}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("HTTP handshake with {base} failed: {e}"))?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::HOST, authority);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("bad request {path}: {e}"))?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("{base}{path}: {e}"))?;
    let status = response.status().as_u16();
    let bytes = response
        .into_body()
        .collect()
        .await
        .map_err(|e| format!("{base}{path}: reading the body: {e}"))?
        .to_bytes();
    Ok(Response {
        status,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    })
}

/// A JSON request to the admin API: `/_emulator/<path>`.
///
/// # Errors
/// As [`request`].
pub async fn admin(
    base: &str,
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<Response, String> {
    let body = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
    request(
        base,
        method,
        &format!("/_emulator/{}", path.trim_start_matches('/')),
        &[("content-type", "application/json")],
        body,
    )
    .await
}
