//! The bearer token EKS's Kubernetes API accepts, made as `aws eks get-token` makes it
//! (reference/aws-eks.md §5.9), so no `aws` binary is needed: `k8s-aws-v1.` followed by the
//! unpadded base64url of a presigned `GET` URL for STS `GetCallerIdentity`, signed (SigV4, query
//! string, 60 s) with the header `x-k8s-aws-id: <cluster>` and the SHA-256 of the empty body.
//!
//! The URL's host is the STS endpoint: `https://sts.<region>.amazonaws.com/`, or the endpoint
//! override (`--endpoint-url`/`AWS_ENDPOINT_URL`), as the aws CLI does with `AWS_ENDPOINT_URL`.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// The token prefix.
pub const PREFIX: &str = "k8s-aws-v1.";
/// The header naming the cluster, signed into the URL.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// How long the presigned URL is valid, as the aws CLI signs it.
pub const URL_EXPIRY: Duration = Duration::from_secs(60);

/// RFC 3986 unreserved characters stay; everything else is percent-encoded (SigV4's rule).
const AWS_QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The STS URL the token presigns: the endpoint override's root, else the regional endpoint.
#[must_use]
pub fn sts_base_url(region: &str, endpoint_url: Option<&str>) -> String {
    match endpoint_url {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => format!("https://sts.{region}.amazonaws.com"),
    }
}

/// The presigned `GetCallerIdentity` URL for `cluster`, signed at `time`.
///
/// # Errors
/// A URL the signer cannot parse.
pub fn presigned_url(
    credentials: &Credentials,
    region: &str,
    cluster: &str,
    sts_base: &str,
    time: SystemTime,
) -> Result<String, String> {
    let url = format!("{sts_base}/?Action=GetCallerIdentity&Version=2011-06-15");
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(URL_EXPIRY);
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(time)
        .settings(settings)
        .build()
        .map_err(|e| e.to_string())?
        .into();
    let request = SignableRequest::new(
        "GET",
        url.as_str(),
        [(CLUSTER_ID_HEADER, cluster)].into_iter(),
        SignableBody::Bytes(&[]),
    )
    .map_err(|e| e.to_string())?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| e.to_string())?
        .into_parts();
    let mut signed = url;
    for (name, value) in instructions.params() {
        signed.push('&');
        signed.push_str(name);
        signed.push('=');
        signed.extend(utf8_percent_encode(value, AWS_QUERY));
    }
    Ok(signed)
}

/// The bearer token for `cluster`.
///
/// # Errors
/// See [`presigned_url`].
pub fn token(
    credentials: &Credentials,
    region: &str,
    cluster: &str,
    sts_base: &str,
    time: SystemTime,
) -> Result<String, String> {
    let url = presigned_url(credentials, region, cluster, sts_base, time)?;
    Ok(format!(
        "{PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    fn hmac(key: &[u8], data: &str) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    }

    fn decode(value: &str) -> String {
        percent_encoding::percent_decode_str(value)
            .decode_utf8()
            .unwrap()
            .into_owned()
    }

    /// Recomputes the signature by reference/aws-eks.md §5.9's recipe, independently of
    /// aws-sigv4, and returns (expected, actual).
    fn verify(url: &str, cluster: &str, secret: &str) -> (String, String) {
        let (origin, query) = url.split_once("/?").unwrap();
        let host = origin.split_once("://").unwrap().1;
        let mut pairs: Vec<(String, String)> = query
            .split('&')
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap();
                (decode(k), decode(v))
            })
            .collect();
        let signature = pairs
            .iter()
            .find(|(k, _)| k == "X-Amz-Signature")
            .unwrap()
            .1
            .clone();
        pairs.retain(|(k, _)| k != "X-Amz-Signature");
        pairs.sort();
        let canonical_query = pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    utf8_percent_encode(k, AWS_QUERY),
                    utf8_percent_encode(v, AWS_QUERY)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        let canonical = format!(
            "GET\n/\n{canonical_query}\nhost:{host}\nx-k8s-aws-id:{cluster}\n\nhost;x-k8s-aws-id\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).unwrap().1.clone();
        let date = get("X-Amz-Date");
        let scope = get("X-Amz-Credential")
            .split_once('/')
            .unwrap()
            .1
            .to_owned();
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
            hex::encode(Sha256::digest(canonical.as_bytes()))
        );
        let parts: Vec<&str> = scope.split('/').collect();
        let mut key = hmac(format!("AWS4{secret}").as_bytes(), parts[0]);
        for part in &parts[1..] {
            key = hmac(&key, part);
        }
        let expected = hex::encode(hmac(&key, &string_to_sign));
        (expected, signature)
    }

    fn at(secs: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn a_token_is_a_presigned_sts_url_as_the_aws_cli_makes_it() {
        let creds = Credentials::new("AKIDEXAMPLE", "secret", None, None, "test");
        // 2026-11-28T09:50:05Z
        let t = token(
            &creds,
            "us-west-2",
            "demo",
            &sts_base_url("us-west-2", None),
            at(1_795_859_405),
        )
        .unwrap();
        let url = String::from_utf8(
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(t.strip_prefix(PREFIX).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert!(!t.contains('='), "no padding");
        let prefix = "https://sts.us-west-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261128%2Fus-west-2%2Fsts%2Faws4_request&X-Amz-Date=20261128T095005Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host%3Bx-k8s-aws-id&X-Amz-Signature=";
        assert!(url.starts_with(prefix), "{url}");
        let (expected, actual) = verify(&url, "demo", "secret");
        assert_eq!(actual.len(), 64);
        assert_eq!(expected, actual);
    }

    #[test]
    fn an_endpoint_override_and_a_session_token() {
        let creds = Credentials::new("AKID", "s3cr3t", Some("tok+/=".into()), None, "test");
        let url = presigned_url(
            &creds,
            "ap-northeast-1",
            "fargate-cluster",
            &sts_base_url("ap-northeast-1", Some("http://127.0.0.1:4566/")),
            at(1_767_225_600),
        )
        .unwrap();
        assert!(
            url.starts_with("http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15&"),
            "{url}"
        );
        assert!(url.contains("&X-Amz-Security-Token=tok%2B%2F%3D"), "{url}");
        let (expected, actual) = verify(&url, "fargate-cluster", "s3cr3t");
        assert_eq!(expected, actual);
    }
}
