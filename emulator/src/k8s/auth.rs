//! The EKS bearer token (`aws eks get-token`): `k8s-aws-v1.` + base64url of a presigned STS
//! `GetCallerIdentity` URL whose signature covers the header `x-k8s-aws-id: <cluster>`. Checked as
//! aws-iam-authenticator checks it (reference/aws-eks.md §5.9): form, allow-listed parameters, the
//! signed `x-k8s-aws-id`, expiry at `X-Amz-Date` + 15 minutes on the **wall** clock (clients sign
//! with real time). The cluster name is only inside the signature, so it is checked when the secret
//! of the access key is known ([`verify`] takes a lookup; under `--strict-auth` the caller refuses
//! tokens of keys that are not configured).
//! Pure: no HTTP, no state.

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::clock::Timestamp;
use crate::wire::sigv4::CredentialScope;

/// The token prefix.
pub const TOKEN_PREFIX: &str = "k8s-aws-v1.";
/// The header whose signed value names the cluster.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// How long a token is good for after `X-Amz-Date` (the authenticator ignores `X-Amz-Expires`).
pub const TOKEN_LIFETIME_MS: u64 = 15 * 60 * 1000;
/// The longest token accepted.
pub const MAX_TOKEN_LEN: usize = 4096;
/// SHA-256 of the empty payload, which the presigned GET signs.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The query parameters a token may carry (lowercase), each at most once.
const ALLOWED_PARAMS: &[&str] = &[
    "action",
    "version",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-signedheaders",
];

/// Why a token was refused (each answers 401 `Unauthorized`; the text goes to the log).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization: Bearer …` header.
    #[error("no bearer token")]
    Missing,
    /// Not the shape `aws eks get-token` produces.
    #[error("input token was not properly formatted: {0}")]
    Malformed(String),
    /// Older than `X-Amz-Date` + 15 minutes.
    #[error("token expired at {expired_at}")]
    Expired {
        /// When it expired (ISO 8601).
        expired_at: String,
    },
    /// Signed with an access key the emulator does not know, under `--strict-auth`.
    #[error("the access key {0:?} is not a configured credential")]
    UnknownKey(String),
    /// The signature, recomputed with `x-k8s-aws-id: <this cluster>`, does not match: the token was
    /// made for another cluster (or tampered with).
    #[error("signature does not match a token for cluster {cluster:?}")]
    WrongCluster {
        /// This cluster.
        cluster: String,
    },
}

/// What a valid token says about its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The access key id that signed it.
    pub access_key: String,
    /// Whether the signature was checked (the secret was known).
    pub signature_checked: bool,
}

/// A token as parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresignedToken {
    host: String,
    path: String,
    /// Decoded query parameters, in order.
    params: Vec<(String, String)>,
    scope: CredentialScope,
    amz_date: String,
    signature: String,
}

fn malformed(why: impl Into<String>) -> TokenError {
    TokenError::Malformed(why.into())
}

/// Parses the `Authorization` header value into a token URL's parts.
///
/// # Errors
/// [`TokenError::Missing`] or [`TokenError::Malformed`].
pub fn parse(header: Option<&str>) -> Result<PresignedToken, TokenError> {
    let header = header.ok_or(TokenError::Missing)?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or(TokenError::Missing)?
        .trim();
    if token.len() > MAX_TOKEN_LEN {
        return Err(malformed("token is too large"));
    }
    let encoded = token.strip_prefix(TOKEN_PREFIX).ok_or_else(|| {
        malformed(format!(
            "token is missing expected \"{TOKEN_PREFIX}\" prefix"
        ))
    })?;
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.trim_end_matches('='))
        .map_err(|e| malformed(format!("base64 decode: {e}")))?;
    let url = String::from_utf8(decoded).map_err(|_| malformed("not UTF-8"))?;
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| malformed("unexpected scheme"))?;
    let (authority, path_and_query) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.is_empty() {
        return Err(malformed("missing host"));
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let mut seen = Vec::new();
    for (key, _) in &params {
        let lower = key.to_ascii_lowercase();
        if !ALLOWED_PARAMS.contains(&lower.as_str()) {
            return Err(malformed(format!(
                "non-whitelisted query parameter {key:?}"
            )));
        }
        if seen.contains(&lower) {
            return Err(malformed(format!(
                "query parameter {key:?} appears more than once"
            )));
        }
        seen.push(lower);
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if get("Action") != Some("GetCallerIdentity") {
        return Err(malformed("expected Action=GetCallerIdentity"));
    }
    let signed = get("X-Amz-SignedHeaders").unwrap_or_default();
    if !signed
        .split(';')
        .any(|h| h.eq_ignore_ascii_case(CLUSTER_ID_HEADER))
    {
        return Err(malformed(format!(
            "client did not sign the {CLUSTER_ID_HEADER} header in the pre-signed URL"
        )));
    }
    if let Some(expires) = get("X-Amz-Expires") {
        match expires.parse::<u64>() {
            Ok(secs) if secs <= 900 => {}
            _ => return Err(malformed("X-Amz-Expires parameter out of range")),
        }
    }
    let scope = get("X-Amz-Credential")
        .and_then(CredentialScope::parse)
        .filter(|s| s.service == "sts")
        .ok_or_else(|| malformed("bad X-Amz-Credential"))?;
    let amz_date = get("X-Amz-Date")
        .ok_or_else(|| malformed("missing X-Amz-Date"))?
        .to_owned();
    let signature = get("X-Amz-Signature")
        .ok_or_else(|| malformed("missing X-Amz-Signature"))?
        .to_owned();
    Ok(PresignedToken {
        host: authority.to_owned(),
        path: if path.is_empty() {
            "/".into()
        } else {
            path.to_owned()
        },
        params,
        scope,
        amz_date,
        signature,
    })
}

/// Parses `20261128T121752Z`.
fn parse_amz_date(s: &str) -> Option<Timestamp> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let month = time::Month::try_from(u8::try_from(num(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(num(0..4)?).ok()?,
        month,
        u8::try_from(num(6..8)?).ok()?,
    )
    .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(num(9..11)?).ok()?,
        u8::try_from(num(11..13)?).ok()?,
        u8::try_from(num(13..15)?).ok()?,
    )
    .ok()?;
    let secs = date.with_time(t).assume_utc().unix_timestamp();
    Some(Timestamp(u64::try_from(secs).ok()? * 1000))
}

/// RFC 3986 encoding as SigV4 canonicalises query strings.
fn uri_encode(s: &str) -> String {
    const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

impl PresignedToken {
    /// The signature the token should carry if it was made for `cluster` with `secret`.
    #[must_use]
    pub fn expected_signature(&self, cluster: &str, secret: &str) -> String {
        let mut query: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("X-Amz-Signature"))
            .map(|(k, v)| (uri_encode(k), uri_encode(v)))
            .collect();
        query.sort();
        let canonical_query: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let canonical_request = format!(
            "GET\n{}\n{}\nhost:{}\n{CLUSTER_ID_HEADER}:{cluster}\n\nhost;{CLUSTER_ID_HEADER}\n{EMPTY_SHA256}",
            self.path,
            canonical_query.join("&"),
            self.host
        );
        let scope = format!(
            "{}/{}/{}/aws4_request",
            self.scope.date, self.scope.region, self.scope.service
        );
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
            self.amz_date,
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let mut key = format!("AWS4{secret}").into_bytes();
        for part in [
            self.scope.date.as_str(),
            self.scope.region.as_str(),
            self.scope.service.as_str(),
            "aws4_request",
            string_to_sign.as_str(),
        ] {
            key = hmac(&key, part.as_bytes());
        }
        hex::encode(key)
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Verifies the `Authorization` header of a request to `cluster` at wall-clock `wall_now`.
/// `secret_for` gives the secret of an access key when the emulator knows it; then the signature
/// (and so the cluster name) is checked, else only form and expiry.
///
/// # Errors
/// Why the token is refused.
pub fn verify(
    header: Option<&str>,
    cluster: &str,
    wall_now: Timestamp,
    secret_for: impl Fn(&str) -> Option<String>,
) -> Result<Caller, TokenError> {
    let token = parse(header)?;
    let signed_at = parse_amz_date(&token.amz_date).ok_or_else(|| malformed("bad X-Amz-Date"))?;
    let expires = Timestamp(signed_at.0 + TOKEN_LIFETIME_MS);
    if wall_now > expires {
        return Err(TokenError::Expired {
            expired_at: expires.iso8601_millis(),
        });
    }
    let secret = secret_for(&token.scope.access_key);
    if let Some(secret) = &secret {
        let expected = token.expected_signature(cluster, secret);
        if !constant_time_eq(expected.as_bytes(), token.signature.as_bytes()) {
            return Err(TokenError::WrongCluster {
                cluster: cluster.to_owned(),
            });
        }
    }
    Ok(Caller {
        access_key: token.scope.access_key,
        signature_checked: secret.is_some(),
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Makes a token as `aws eks get-token` does (for tests and tools): presigned against `sts_url`
/// (`https://sts.us-east-1.amazonaws.com` or `http://127.0.0.1:4566`) at `signed_at`.
#[must_use]
pub fn make_token(
    sts_url: &str,
    region: &str,
    cluster: &str,
    access_key: &str,
    secret: &str,
    signed_at: Timestamp,
) -> String {
    let stamp = amz_date(signed_at);
    let date = &stamp[..8];
    let credential = format!("{access_key}/{date}/{region}/sts/aws4_request");
    let query = format!(
        "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={}&X-Amz-Date={stamp}&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3B{CLUSTER_ID_HEADER}",
        uri_encode(&credential)
    );
    let base = sts_url.trim_end_matches('/');
    let unsigned = format!("{base}/?{query}&X-Amz-Signature=0");
    let header = format!(
        "Bearer {TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&unsigned)
    );
    let signature = parse(Some(&header))
        .map_or_else(|_| String::new(), |t| t.expected_signature(cluster, secret));
    let url = format!("{base}/?{query}&X-Amz-Signature={signature}");
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    )
}

/// `20261128T121752Z`.
fn amz_date(at: Timestamp) -> String {
    let iso = at.rfc3339_seconds(); // 2026-11-28T12:17:52Z
    iso.replace(['-', ':'], "")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real token from `aws eks get-token --cluster-name demo --region us-east-1` (aws-cli 1.45.11)
    /// with `AWS_ACCESS_KEY_ID=AKIDTEST`, `AWS_SECRET_ACCESS_KEY=secret` and
    /// `AWS_ENDPOINT_URL=http://127.0.0.1:4566`, signed at 2026-11-28T12:17:52Z.
    const CLI_TOKEN_URL: &str = "http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDTEST%2F20261128%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=20261128T121752Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=da3cfbf6498991ad32f02def57ac4fbe6f5b8f16d4bce2b80c52fd291ac0dd0d";

    fn bearer(url: &str) -> String {
        format!(
            "Bearer {TOKEN_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
        )
    }

    fn signed_at() -> Timestamp {
        parse_amz_date("20261128T121752Z").unwrap()
    }

    fn known(key: &str) -> Option<String> {
        (key == "AKIDTEST").then(|| "secret".to_owned())
    }

    #[test]
    fn the_aws_cli_token_verifies_for_its_cluster_only() {
        let header = bearer(CLI_TOKEN_URL);
        let caller = verify(Some(&header), "demo", signed_at(), known).unwrap();
        assert_eq!(caller.access_key, "AKIDTEST");
        assert!(caller.signature_checked);
        assert_eq!(
            verify(Some(&header), "other", signed_at(), known),
            Err(TokenError::WrongCluster {
                cluster: "other".into()
            })
        );
        let unknown_secret = verify(Some(&header), "other", signed_at(), |_| None).unwrap();
        assert!(!unknown_secret.signature_checked);
    }

    #[test]
    fn a_token_expires_fifteen_minutes_after_its_date() {
        let header = bearer(CLI_TOKEN_URL);
        let t = signed_at();
        assert!(verify(
            Some(&header),
            "demo",
            Timestamp(t.0 + TOKEN_LIFETIME_MS),
            known
        )
        .is_ok());
        assert!(matches!(
            verify(
                Some(&header),
                "demo",
                Timestamp(t.0 + TOKEN_LIFETIME_MS + 1000),
                known
            ),
            Err(TokenError::Expired { .. })
        ));
    }

    #[test]
    fn make_token_signs_as_the_cli_does() {
        let token = make_token(
            "http://127.0.0.1:4566",
            "us-east-1",
            "demo",
            "AKIDTEST",
            "secret",
            signed_at(),
        );
        let header = format!("Bearer {token}");
        let parsed = parse(Some(&header)).unwrap();
        assert_eq!(
            parsed.signature,
            "da3cfbf6498991ad32f02def57ac4fbe6f5b8f16d4bce2b80c52fd291ac0dd0d"
        );
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let table = [
            (None, "no header"),
            (Some("Basic abc".to_owned()), "not bearer"),
            (Some("Bearer abc".to_owned()), "no prefix"),
            (Some(format!("Bearer {TOKEN_PREFIX}!!!")), "not base64"),
            (
                Some(bearer(
                    &CLI_TOKEN_URL.replace("GetCallerIdentity", "AssumeRole"),
                )),
                "another action",
            ),
            (
                Some(bearer(
                    &CLI_TOKEN_URL.replace("host%3Bx-k8s-aws-id", "host"),
                )),
                "cluster header not signed",
            ),
            (
                Some(bearer(&format!("{CLI_TOKEN_URL}&Foo=1"))),
                "a parameter off the allow-list",
            ),
            (
                Some(bearer(&format!("{CLI_TOKEN_URL}&Action=GetCallerIdentity"))),
                "a repeated parameter",
            ),
        ];
        for (header, why) in table {
            assert!(
                verify(header.as_deref(), "demo", signed_at(), known).is_err(),
                "{why}"
            );
        }
    }
}
