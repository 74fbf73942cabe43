//! restJson1 plumbing for EKS: percent-decoded path segments, query parameters, JSON bodies decoded
//! with AWS-shaped errors, JSON success responses, and opaque pagination tokens.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::error::AwsError;

/// The path split into percent-decoded segments: `/tags/arn%3Aaws%3A…` gives `["tags", "arn:aws:…"]`,
/// a `%2F` staying inside its segment.
#[must_use]
pub fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect()
}

/// The query string's parameters, decoded, in order (repeated keys kept: `tagKeys=a&tagKeys=b`).
#[must_use]
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The first value of a query parameter.
#[must_use]
pub fn query_param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Decodes a JSON request body; an empty body is an empty object. A body that is not the operation's
/// input shape is a `BadRequestException` (EKS declares it; the real text is not documented, so the
/// message says what could not be read).
pub fn json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, AwsError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| {
        AwsError::new(
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            format!("Could not read the request body: {e}"),
        )
    })
}

/// A 200 JSON response.
#[must_use]
pub fn ok(value: &impl Serialize) -> Response {
    match serde_json::to_string(value) {
        Ok(body) => (StatusCode::OK, [("content-type", "application/json")], body).into_response(),
        Err(e) => AwsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServerException",
            e.to_string(),
        )
        .to_rest_json(),
    }
}

/// `maxResults` as EKS's list operations take it: 1 to 100, 100 when absent.
pub fn max_results(pairs: &[(String, String)]) -> Result<usize, AwsError> {
    let Some(raw) = query_param(pairs, "maxResults") else {
        return Ok(100);
    };
    match raw.parse::<usize>() {
        Ok(n @ 1..=100) => Ok(n),
        // The real text is not documented (reference §7); this names the parameter and the range.
        _ => Err(AwsError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameterException",
            format!("maxResults must be between 1 and 100, got {raw}"),
        )),
    }
}

/// One page of names sorted ascending: the names after the `nextToken` position, at most `max`, and the
/// token for the next page. Tokens are opaque to clients (base64url of the last name returned).
pub fn paginate(
    names: &[String],
    next_token: Option<&str>,
    max: usize,
) -> Result<(Vec<String>, Option<String>), AwsError> {
    let start = match next_token.filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => {
            let after = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(token)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| {
                    AwsError::new(
                        StatusCode::BAD_REQUEST,
                        "InvalidParameterException",
                        "The nextToken is not valid.",
                    )
                })?;
            names.partition_point(|n| n.as_str() <= after.as_str())
        }
    };
    let page: Vec<String> = names.iter().skip(start).take(max).cloned().collect();
    let more = start + page.len() < names.len();
    let token = more.then(|| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(page.last().map(String::as_bytes).unwrap_or_default())
    });
    Ok((page, token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_decode_each_part_alone() {
        assert_eq!(
            segments("/clusters/c%201/fargate-profiles/fp%2Fx"),
            ["clusters", "c 1", "fargate-profiles", "fp/x"]
        );
        assert_eq!(
            segments("/tags/arn%3Aaws%3Aeks%3Aus-west-2%3A1%3Acluster%2Fc1"),
            ["tags", "arn:aws:eks:us-west-2:1:cluster/c1"]
        );
    }

    #[test]
    fn max_results_is_1_to_100_defaulting_to_100() {
        let q = |s: &str| query_pairs(Some(s));
        assert_eq!(max_results(&q("")).unwrap(), 100);
        assert_eq!(max_results(&q("maxResults=1")).unwrap(), 1);
        assert_eq!(max_results(&q("maxResults=100")).unwrap(), 100);
        for bad in ["maxResults=0", "maxResults=101", "maxResults=x"] {
            assert_eq!(
                max_results(&q(bad)).unwrap_err().code,
                "InvalidParameterException",
                "{bad}"
            );
        }
    }

    #[test]
    fn pages_walk_every_name_once() {
        let names: Vec<String> = (0..7).map(|i| format!("n{i}")).collect();
        let mut token = None;
        let mut seen = Vec::new();
        loop {
            let (page, next) = paginate(&names, token.as_deref(), 3).unwrap();
            seen.extend(page);
            match next {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        assert_eq!(seen, names);
        assert!(paginate(&names, Some("%%%"), 3).is_err());
    }
}
