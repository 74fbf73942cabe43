//! SigV4 verification for `--strict-auth`: rebuilds the canonical request of a header-signed or a
//! presigned request exactly as the AWS signers do (method, double-encoded normalised path, sorted
//! query, the signed headers, the payload hash), derives the signing key from the configured secret,
//! and compares signatures; checks the signing time against the wall clock (15 minutes either way, or
//! a presigned URL's `X-Amz-Expires`). Failures carry the codes and messages real AWS sends, per
//! protocol ([`AuthFailure::to_aws_error`]).
//!
//! Pure functions only: no state, no clock of its own (the caller passes the wall-clock now). The
//! Kubernetes token check can reuse [`verify`] on the presigned STS URL inside a token.

use std::fmt;
use std::str::FromStr;

use axum::http::{HeaderMap, Method, StatusCode, Uri};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::error::AwsError;
use super::sigv4::CredentialScope;
use super::Service;
use crate::clock::Timestamp;

/// The one algorithm SigV4 names.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// How far a header-signed request's `X-Amz-Date` may be from now, either way (AWS: 15 minutes).
pub const MAX_SKEW_MILLIS: u64 = 15 * 60 * 1000;

/// The longest `X-Amz-Expires` AWS accepts on a presigned URL (7 days).
pub const MAX_EXPIRES_SECS: u64 = 7 * 24 * 3600;

/// The hex SHA-256 of the empty string: the payload hash of a request without a body, and the one
/// `aws eks get-token` signs its presigned STS URL with (not `UNSIGNED-PAYLOAD`).
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A configured access key and its secret (`--credentials AKID:SECRET`). Its `Debug` hides the
/// secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    /// The access key id.
    pub access_key: String,
    /// The secret access key.
    pub secret: String,
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credential")
            .field("access_key", &self.access_key)
            .field("secret", &"<hidden>")
            .finish()
    }
}

impl FromStr for Credential {
    type Err = String;

    /// `AKID:SECRET`; the secret may itself contain `:`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.split_once(':') {
            Some((key, secret)) if !key.is_empty() && !secret.is_empty() => Ok(Self {
                access_key: key.to_owned(),
                secret: secret.to_owned(),
            }),
            _ => Err("expected ACCESS_KEY_ID:SECRET_ACCESS_KEY".to_owned()),
        }
    }
}

/// Why a request was refused. Each renders as the error AWS returns for it ([`Self::to_aws_error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthFailure {
    /// Neither an `Authorization` header nor a presigned query.
    Missing,
    /// A SigV4 authorization that lacks a part or is malformed; the message says which.
    Incomplete(String),
    /// The access key is not one of the configured credentials.
    UnknownKey,
    /// The signature is not the one the secret gives.
    BadSignature,
    /// The signing time is more than 15 minutes ago (or a presigned URL has expired); the message is
    /// AWS's `Signature expired: …`.
    Expired(String),
    /// The signing time is more than 15 minutes ahead; AWS's `Signature not yet current: …`.
    NotYetCurrent(String),
    /// The credential scope's date is not the day of `X-Amz-Date`.
    ScopeDate(String),
}

/// AWS's text for a wrong signature (IAM, STS, CloudFormation and JSON services alike).
pub const SIGNATURE_MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

impl AuthFailure {
    /// The error AWS sends for this failure in `service`'s protocol: restJson1 (EKS) uses the
    /// `…Exception` codes, the query services their bare codes, EC2 its `AuthFailure`.
    #[must_use]
    pub fn to_aws_error(&self, service: Service) -> AwsError {
        let json = matches!(service, Service::Eks | Service::Ssm);
        let ec2 = service == Service::Ec2;
        let (status, code, message): (StatusCode, &'static str, String) = match self {
            Self::Missing => (
                StatusCode::FORBIDDEN,
                if json {
                    "MissingAuthenticationTokenException"
                } else {
                    "MissingAuthenticationToken"
                },
                if json {
                    "Missing Authentication Token".to_owned()
                } else {
                    "Request is missing Authentication Token".to_owned()
                },
            ),
            Self::Incomplete(message) => (
                StatusCode::BAD_REQUEST,
                if json {
                    "IncompleteSignatureException"
                } else {
                    "IncompleteSignature"
                },
                message.clone(),
            ),
            Self::UnknownKey if ec2 => (
                StatusCode::UNAUTHORIZED,
                "AuthFailure",
                "AWS was not able to validate the provided access credentials".to_owned(),
            ),
            // Real STS sends the sentence without its final period; JSON services with it.
            Self::UnknownKey => (
                StatusCode::FORBIDDEN,
                if json {
                    "UnrecognizedClientException"
                } else {
                    "InvalidClientTokenId"
                },
                if json {
                    "The security token included in the request is invalid.".to_owned()
                } else {
                    "The security token included in the request is invalid".to_owned()
                },
            ),
            Self::BadSignature | Self::ScopeDate(_) if ec2 => (
                StatusCode::UNAUTHORIZED,
                "AuthFailure",
                "AWS was not able to validate the provided access credentials".to_owned(),
            ),
            Self::Expired(_) | Self::NotYetCurrent(_) if ec2 => (
                StatusCode::BAD_REQUEST,
                "RequestExpired",
                "Request has expired.".to_owned(),
            ),
            Self::BadSignature => (
                StatusCode::FORBIDDEN,
                signature_code(json),
                SIGNATURE_MISMATCH_MESSAGE.to_owned(),
            ),
            Self::Expired(message) | Self::NotYetCurrent(message) | Self::ScopeDate(message) => {
                (StatusCode::FORBIDDEN, signature_code(json), message.clone())
            }
        };
        AwsError::new(status, code, message)
    }
}

fn signature_code(json: bool) -> &'static str {
    if json {
        "InvalidSignatureException"
    } else {
        "SignatureDoesNotMatch"
    }
}

/// What a SigV4 request claims: its scope, signed headers, signature and signing time.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Claim {
    scope: CredentialScope,
    signed_headers: Vec<String>,
    signature: String,
    amz_date: String,
    /// `X-Amz-Expires` of a presigned URL; `None` for a header-signed request.
    expires: Option<u64>,
    /// The payload hash the client declared (`x-amz-content-sha256` / `X-Amz-Content-Sha256`).
    content_sha256: Option<String>,
}

/// Verifies a request's SigV4 signature against the configured `credentials`, at the wall-clock
/// `now`. Returns the access key that signed it.
///
/// # Errors
/// The [`AuthFailure`] AWS would report.
pub fn verify(
    credentials: &[Credential],
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
    now: Timestamp,
) -> Result<String, AuthFailure> {
    let query = uri.query().unwrap_or_default();
    let claim = match header_str(headers, "authorization") {
        Some(auth) => claim_from_header(&auth, headers)?,
        None if has_param(query, "X-Amz-Signature") || has_param(query, "X-Amz-Credential") => {
            claim_from_query(query)?
        }
        None => return Err(AuthFailure::Missing),
    };
    let secret = credentials
        .iter()
        .find(|c| c.access_key == claim.scope.access_key)
        .map(|c| c.secret.as_str())
        .ok_or(AuthFailure::UnknownKey)?;
    let signed_at = parse_amz_date(&claim.amz_date).ok_or_else(|| {
        AuthFailure::Incomplete(format!(
            "Invalid X-Amz-Date '{}': expected the form YYYYMMDD'T'HHMMSS'Z'.",
            claim.amz_date
        ))
    })?;
    if claim.scope.date != claim.amz_date[..8] {
        return Err(AuthFailure::ScopeDate(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            claim.scope.date,
            &claim.amz_date[..8],
            claim.amz_date
        )));
    }
    check_time(signed_at, claim.expires, now)?;

    let presigned = claim.expires.is_some();
    let canonical_headers = canonical_headers(headers, uri, &claim.signed_headers);
    let query = canonical_query(query, presigned);
    let path = canonical_uri(uri.path());
    let declared = claim.content_sha256.clone();
    let mut payload_hashes = vec![declared.unwrap_or_else(|| hex::encode(Sha256::digest(body)))];
    if presigned && claim.content_sha256.is_none() {
        // Presigners for other services sign `UNSIGNED-PAYLOAD`; aws eks get-token signs the empty
        // body's hash. Accept either when the URL does not say.
        payload_hashes.push("UNSIGNED-PAYLOAD".to_owned());
    }
    let key = signing_key(
        secret,
        &claim.scope.date,
        &claim.scope.region,
        &claim.scope.service,
    );
    let scope = format!(
        "{}/{}/{}/aws4_request",
        claim.scope.date, claim.scope.region, claim.scope.service
    );
    for payload_hash in &payload_hashes {
        let canonical = canonical_request(
            method.as_str(),
            &path,
            &query,
            &canonical_headers,
            &claim.signed_headers.join(";"),
            payload_hash,
        );
        let expected = signature(&key, &string_to_sign(&claim.amz_date, &scope, &canonical));
        if constant_time_eq(expected.as_bytes(), claim.signature.as_bytes()) {
            return Ok(claim.scope.access_key);
        }
    }
    Err(AuthFailure::BadSignature)
}

fn check_time(
    signed_at: Timestamp,
    expires: Option<u64>,
    now: Timestamp,
) -> Result<(), AuthFailure> {
    let window = expires.map_or(MAX_SKEW_MILLIS, |secs| secs.saturating_mul(1000));
    if signed_at.0.saturating_add(window) < now.0 {
        let earliest = Timestamp(now.0.saturating_sub(window));
        let text = match expires {
            None => format!(
                "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                amz_date(signed_at),
                amz_date(earliest),
                amz_date(now)
            ),
            // The wording of an expired presigned URL is chosen here, after the header form.
            Some(secs) => format!(
                "Signature expired: {} is now earlier than {} ({} - {secs} sec.)",
                amz_date(signed_at),
                amz_date(earliest),
                amz_date(now)
            ),
        };
        return Err(AuthFailure::Expired(text));
    }
    let latest = now.0.saturating_add(MAX_SKEW_MILLIS);
    if signed_at.0 > latest {
        return Err(AuthFailure::NotYetCurrent(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            amz_date(signed_at),
            amz_date(Timestamp(latest)),
            amz_date(now)
        )));
    }
    Ok(())
}

fn header_str(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn has_param(query: &str, name: &str) -> bool {
    raw_pairs(query).any(|(k, _)| percent_decode(k) == name)
}

fn claim_from_header(auth: &str, headers: &HeaderMap) -> Result<Claim, AuthFailure> {
    let incomplete = |what: &str| {
        AuthFailure::Incomplete(format!(
            "Authorization header requires '{what}' parameter. Authorization={auth}"
        ))
    };
    let Some(rest) = auth.trim().strip_prefix(ALGORITHM) else {
        return Err(AuthFailure::Incomplete(format!(
            "Unsupported authorization type; only {ALGORITHM} is accepted. Authorization={auth}"
        )));
    };
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((key, value)) = part.split_once('=') else {
            return Err(AuthFailure::Incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{auth}'."
            )));
        };
        match key.trim() {
            "Credential" => credential = Some(value.trim()),
            "SignedHeaders" => signed = Some(value.trim()),
            "Signature" => signature = Some(value.trim()),
            _ => {}
        }
    }
    let credential = credential.ok_or_else(|| incomplete("Credential"))?;
    let signed = signed.ok_or_else(|| incomplete("SignedHeaders"))?;
    let signature = signature.ok_or_else(|| incomplete("Signature"))?;
    let scope = CredentialScope::parse(credential).ok_or_else(|| {
        AuthFailure::Incomplete(format!(
            "Credential should be scoped to a valid region, not '{credential}'. "
        ))
    })?;
    let amz_date = header_str(headers, "x-amz-date").ok_or_else(|| {
        AuthFailure::Incomplete(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_owned(),
        )
    })?;
    Ok(Claim {
        scope,
        signed_headers: split_signed_headers(signed),
        signature: signature.to_owned(),
        amz_date: amz_date.trim().to_owned(),
        expires: None,
        content_sha256: header_str(headers, "x-amz-content-sha256").map(|v| v.trim().to_owned()),
    })
}

fn claim_from_query(query: &str) -> Result<Claim, AuthFailure> {
    let params: Vec<(String, String)> = raw_pairs(query)
        .map(|(k, v)| (percent_decode(k), percent_decode(v)))
        .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let require = |name: &str| {
        get(name).ok_or_else(|| {
            AuthFailure::Incomplete(format!(
                "AWS query-string parameters must include '{name}'. Re-examine the query-string parameters."
            ))
        })
    };
    let algorithm = require("X-Amz-Algorithm")?;
    if algorithm != ALGORITHM {
        return Err(AuthFailure::Incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\", not \"{algorithm}\"."
        )));
    }
    let credential = require("X-Amz-Credential")?;
    let scope = CredentialScope::parse(credential).ok_or_else(|| {
        AuthFailure::Incomplete(format!(
            "Credential should be scoped to a valid region, not '{credential}'. "
        ))
    })?;
    let amz_date = require("X-Amz-Date")?.to_owned();
    let expires_raw = require("X-Amz-Expires")?;
    let expires = expires_raw
        .parse::<u64>()
        .ok()
        .filter(|secs| *secs <= MAX_EXPIRES_SECS)
        .ok_or_else(|| {
            AuthFailure::Incomplete(format!(
                "X-Amz-Expires must be a whole number of seconds from 0 to {MAX_EXPIRES_SECS}, not '{expires_raw}'."
            ))
        })?;
    Ok(Claim {
        scope,
        signed_headers: split_signed_headers(require("X-Amz-SignedHeaders")?),
        signature: require("X-Amz-Signature")?.to_owned(),
        amz_date,
        expires: Some(expires),
        content_sha256: get("X-Amz-Content-Sha256").map(str::to_owned),
    })
}

fn split_signed_headers(signed: &str) -> Vec<String> {
    signed
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty())
        .collect()
}

/// `20150830T123600Z` as a timestamp.
#[must_use]
pub fn parse_amz_date(value: &str) -> Option<Timestamp> {
    let format = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    if value.len() != 16 {
        return None;
    }
    let dt = time::PrimitiveDateTime::parse(value, format).ok()?;
    let millis = dt.assume_utc().unix_timestamp().checked_mul(1000)?;
    u64::try_from(millis).ok().map(Timestamp)
}

/// A timestamp as SigV4 writes it: `20150830T123600Z`.
#[must_use]
pub fn amz_date(t: Timestamp) -> String {
    let iso = t.rfc3339_seconds(); // 2015-08-30T12:36:00Z
    iso.chars().filter(|c| *c != '-' && *c != ':').collect()
}

/// The canonical URI of a path as it travels (already percent-encoded): dot segments resolved,
/// repeated slashes collapsed, then every byte but the unreserved ones and `/` percent-encoded once
/// more. That second encoding is what every SigV4 signer except S3's does (`/clusters/c%201` signs as
/// `/clusters/c%25201`). Given a raw path (as the AWS test suite's request lines are), the result is
/// the suite's canonical URI.
#[must_use]
pub fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 8);
    for segment in &segments {
        out.push('/');
        out.push_str(&uri_encode(segment.as_bytes()));
    }
    let trailing = path.len() > 1 && path.ends_with('/') && !segments.is_empty();
    if trailing || out.is_empty() {
        out.push('/');
    }
    out
}

/// The canonical query string: every parameter (less `X-Amz-Signature` when `presigned`), names and
/// values percent-decoded and re-encoded the SigV4 way (`+` stays a literal plus: `%2B`), sorted by
/// name, then value.
#[must_use]
pub fn canonical_query(query: &str, presigned: bool) -> String {
    let mut pairs: Vec<(String, String)> = raw_pairs(query)
        .filter(|(k, _)| !(presigned && percent_decode(k) == "X-Amz-Signature"))
        .map(|(k, v)| {
            (
                uri_encode(&percent_decode_bytes(k)),
                uri_encode(&percent_decode_bytes(v)),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn raw_pairs(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
}

fn percent_decode_bytes(s: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(s).collect()
}

fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s)).into_owned()
}

/// Percent-encodes every byte except the unreserved `A-Z a-z 0-9 - _ . ~`, hex in upper case.
#[must_use]
pub fn uri_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical headers block: one `name:value\n` per signed header, in the order signed (lower
/// case, sorted by the signer), values trimmed with inner runs of spaces collapsed, repeated headers
/// joined by `,`. A `host` not sent as a header (HTTP/2) comes from the URI's authority.
#[must_use]
pub fn canonical_headers(headers: &HeaderMap, uri: &Uri, signed: &[String]) -> String {
    let mut out = String::new();
    for name in signed {
        let mut values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| collapse_spaces(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() && name == "host" {
            if let Some(authority) = uri.authority() {
                values.push(authority.as_str().to_owned());
            }
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request, ready to hash.
#[must_use]
pub fn canonical_request(
    method: &str,
    canonical_uri: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &str,
    payload_hash: &str,
) -> String {
    format!(
        "{method}\n{canonical_uri}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{payload_hash}"
    )
}

/// The string to sign for a canonical request.
#[must_use]
pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The signing key: HMAC-SHA256 chained over `"AWS4" + secret`, the date, the region, the service
/// and `aws4_request`.
#[must_use]
pub fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

/// The hex signature of a string to sign.
#[must_use]
pub fn signature(key: &[u8; 32], string_to_sign: &str) -> String {
    hex::encode(hmac(key, string_to_sign.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const DATE: &str = "20150830T123600Z";

    /// Signs one request of AWS's SigV4 test suite (`aws-sig-v4-test-suite`: AKIDEXAMPLE, us-east-1,
    /// service `service`, 2015-08-30T12:36:00Z) from its raw path, query and headers.
    fn suite_signature(
        method: &str,
        raw_path: &str,
        query: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> String {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let mut signed: Vec<String> = map.keys().map(|k| k.as_str().to_owned()).collect();
        signed.sort();
        signed.dedup();
        let uri: Uri = "/".parse().unwrap();
        let canonical = canonical_request(
            method,
            &canonical_uri(raw_path),
            &canonical_query(query, false),
            &canonical_headers(&map, &uri, &signed),
            &signed.join(";"),
            &hex::encode(Sha256::digest(body)),
        );
        let key = signing_key(SECRET, "20150830", "us-east-1", "service");
        signature(
            &key,
            &string_to_sign(DATE, "20150830/us-east-1/service/aws4_request", &canonical),
        )
    }

    const BASE: [(&str, &str); 2] = [("host", "example.amazonaws.com"), ("x-amz-date", DATE)];

    #[test]
    fn get_vanilla() {
        assert_eq!(
            suite_signature("GET", "/", "", &BASE, b""),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn get_vanilla_query_order_key_case_and_value() {
        assert_eq!(
            suite_signature("GET", "/", "Param2=value2&Param1=value1", &BASE, b""),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
        );
        assert_eq!(
            suite_signature("GET", "/", "Param1=value2&Param1=value1", &BASE, b""),
            "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694"
        );
    }

    #[test]
    fn get_unreserved_slashes_and_utf8_query() {
        assert_eq!(
            suite_signature(
                "GET",
                "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "",
                &BASE,
                b""
            ),
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"
        );
        assert_eq!(
            suite_signature("GET", "//example//", "", &BASE, b""),
            "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"
        );
        assert_eq!(
            suite_signature("GET", "/", "%E1%88%B4=bar", &BASE, b""),
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"
        );
    }

    #[test]
    fn header_values_are_trimmed_ordered_and_joined() {
        let trim = [
            BASE[0],
            BASE[1],
            ("my-header1", " value1"),
            ("my-header2", "\"a   b   c\""),
        ];
        assert_eq!(
            suite_signature("GET", "/", "", &trim, b""),
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"
        );
        let order = [
            BASE[0],
            BASE[1],
            ("my-header1", "value4"),
            ("my-header1", "value1"),
            ("my-header1", "value3"),
            ("my-header1", "value2"),
        ];
        assert_eq!(
            suite_signature("GET", "/", "", &order, b""),
            "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"
        );
        let duplicate = [
            BASE[0],
            BASE[1],
            ("my-header1", "value2"),
            ("my-header1", "value2"),
            ("my-header1", "value1"),
        ];
        assert_eq!(
            suite_signature("GET", "/", "", &duplicate, b""),
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"
        );
    }

    #[test]
    fn post_x_www_form_urlencoded_hashes_the_body() {
        let headers = [
            ("content-type", "application/x-www-form-urlencoded"),
            BASE[0],
            BASE[1],
        ];
        assert_eq!(
            suite_signature("POST", "/", "", &headers, b"Param1=value1"),
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
        );
    }

    #[test]
    fn canonical_uri_double_encodes_what_travels_encoded() {
        assert_eq!(canonical_uri("/example space/"), "/example%20space/");
        assert_eq!(canonical_uri("/clusters/c%201"), "/clusters/c%25201");
        assert_eq!(
            canonical_uri("/tags/arn%3Aaws%3Aeks%3Aus-west-2%3A1%3Acluster%2Fc1"),
            "/tags/arn%253Aaws%253Aeks%253Aus-west-2%253A1%253Acluster%252Fc1"
        );
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a/./b/../c/"), "/a/c/");
        assert_eq!(canonical_query("b&a=1&q=a+b", false), "a=1&b=&q=a%2Bb");
        assert_eq!(
            canonical_query("X-Amz-Signature=00&A=1", true),
            "A=1",
            "a presigned URL's own signature is not signed"
        );
    }

    fn signed_request(secret: &str, date: &str) -> (Uri, HeaderMap) {
        let uri: Uri = "/clusters?maxResults=10".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4566"));
        headers.insert("x-amz-date", HeaderValue::from_str(date).unwrap());
        let signed = vec!["host".to_owned(), "x-amz-date".to_owned()];
        let canonical = canonical_request(
            "GET",
            &canonical_uri(uri.path()),
            &canonical_query(uri.query().unwrap(), false),
            &canonical_headers(&headers, &uri, &signed),
            "host;x-amz-date",
            EMPTY_SHA256,
        );
        let key = signing_key(secret, &date[..8], "us-east-1", "eks");
        let sig = signature(
            &key,
            &string_to_sign(
                date,
                &format!("{}/us-east-1/eks/aws4_request", &date[..8]),
                &canonical,
            ),
        );
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!(
                "AWS4-HMAC-SHA256 Credential=AKID/{}/us-east-1/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature={sig}",
                &date[..8]
            ))
            .unwrap(),
        );
        (uri, headers)
    }

    fn creds() -> Vec<Credential> {
        vec!["AKID:right".parse().unwrap()]
    }

    #[test]
    fn header_signed_requests_pass_with_the_secret_and_fail_without_it() {
        let now = parse_amz_date("20260101T000500Z").unwrap();
        let (uri, headers) = signed_request("right", "20260101T000000Z");
        assert_eq!(
            verify(&creds(), &Method::GET, &uri, &headers, b"", now),
            Ok("AKID".to_owned())
        );
        assert_eq!(
            verify(&creds(), &Method::DELETE, &uri, &headers, b"", now),
            Err(AuthFailure::BadSignature),
            "the method is signed"
        );
        let (uri, headers) = signed_request("wrong", "20260101T000000Z");
        assert_eq!(
            verify(&creds(), &Method::GET, &uri, &headers, b"", now),
            Err(AuthFailure::BadSignature)
        );
        let other: Vec<Credential> = vec!["OTHER:x".parse().unwrap()];
        assert_eq!(
            verify(&other, &Method::GET, &uri, &headers, b"", now),
            Err(AuthFailure::UnknownKey)
        );
        assert_eq!(
            verify(&creds(), &Method::GET, &uri, &HeaderMap::new(), b"", now),
            Err(AuthFailure::Missing)
        );
    }

    #[test]
    fn signing_time_is_checked_15_minutes_either_way() {
        let (uri, headers) = signed_request("right", "20260101T000000Z");
        let late = parse_amz_date("20260101T001501Z").unwrap();
        let err = verify(&creds(), &Method::GET, &uri, &headers, b"", late).unwrap_err();
        assert_eq!(
            err,
            AuthFailure::Expired(
                "Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z (20260101T001501Z - 15 min.)".into()
            )
        );
        let early = parse_amz_date("20251231T234459Z").unwrap();
        let err = verify(&creds(), &Method::GET, &uri, &headers, b"", early).unwrap_err();
        assert_eq!(
            err,
            AuthFailure::NotYetCurrent(
                "Signature not yet current: 20260101T000000Z is still later than 20251231T235959Z (20251231T234459Z + 15 min.)".into()
            )
        );
        let eks = err.to_aws_error(Service::Eks);
        assert_eq!(
            (eks.status, eks.code.as_ref()),
            (StatusCode::FORBIDDEN, "InvalidSignatureException")
        );
        let sts = err.to_aws_error(Service::Sts);
        assert_eq!(sts.code, "SignatureDoesNotMatch");
    }

    #[test]
    fn presigned_urls_verify_with_the_empty_body_hash_and_expire() {
        // A presigned GetCallerIdentity as `aws eks get-token` makes it, signing x-k8s-aws-id.
        let date = "20260101T000000Z";
        let params = format!(
            "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date={date}\
             &X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id"
        );
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4566"));
        headers.insert("x-k8s-aws-id", HeaderValue::from_static("demo"));
        let signed = vec!["host".to_owned(), "x-k8s-aws-id".to_owned()];
        let unsigned_uri: Uri = format!("/?{params}").parse().unwrap();
        let canonical = canonical_request(
            "GET",
            "/",
            &canonical_query(&params, true),
            &canonical_headers(&headers, &unsigned_uri, &signed),
            "host;x-k8s-aws-id",
            EMPTY_SHA256,
        );
        let sig = signature(
            &signing_key("right", "20260101", "us-east-1", "sts"),
            &string_to_sign(date, "20260101/us-east-1/sts/aws4_request", &canonical),
        );
        let uri: Uri = format!("/?{params}&X-Amz-Signature={sig}").parse().unwrap();
        let now = parse_amz_date("20260101T000030Z").unwrap();
        assert_eq!(
            verify(&creds(), &Method::GET, &uri, &headers, b"", now),
            Ok("AKID".to_owned())
        );
        let mut other_cluster = headers.clone();
        other_cluster.insert("x-k8s-aws-id", HeaderValue::from_static("other"));
        assert_eq!(
            verify(&creds(), &Method::GET, &uri, &other_cluster, b"", now),
            Err(AuthFailure::BadSignature)
        );
        let after = parse_amz_date("20260101T000101Z").unwrap();
        assert!(matches!(
            verify(&creds(), &Method::GET, &uri, &headers, b"", after),
            Err(AuthFailure::Expired(_))
        ));
    }

    #[test]
    fn malformed_authorizations_are_incomplete_not_panics() {
        let now = parse_amz_date("20260101T000000Z").unwrap();
        let uri: Uri = "/".parse().unwrap();
        for auth in [
            "AWS4-HMAC-SHA256",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/eks/aws4_request",
            "AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=00",
            "AWS4-HMAC-SHA256 garbage",
            "Basic Zm9vOmJhcg==",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", HeaderValue::from_str(auth).unwrap());
            headers.insert("x-amz-date", HeaderValue::from_static("20260101T000000Z"));
            assert!(
                matches!(
                    verify(&creds(), &Method::GET, &uri, &headers, b"", now),
                    Err(AuthFailure::Incomplete(_))
                ),
                "{auth}"
            );
        }
        let presigned: Uri = "/?X-Amz-Credential=AKID%2F20260101%2Fus-east-1%2Fsts%2Faws4_request"
            .parse()
            .unwrap();
        assert!(matches!(
            verify(
                &creds(),
                &Method::GET,
                &presigned,
                &HeaderMap::new(),
                b"",
                now
            ),
            Err(AuthFailure::Incomplete(_))
        ));
    }

    #[test]
    fn amz_dates_round_trip() {
        let t = parse_amz_date(DATE).unwrap();
        assert_eq!(amz_date(t), DATE);
        assert_eq!(parse_amz_date("2015-08-30"), None);
        assert_eq!(parse_amz_date("20151330T123600Z"), None);
    }
}
