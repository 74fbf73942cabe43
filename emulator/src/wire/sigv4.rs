//! SigV4 as far as routing needs it: the credential scope (access key, date, region, service) from the
//! `Authorization` header or a presigned URL's `X-Amz-Credential`. Signatures are parsed here and not
//! verified (the default, as in moto); verification is opt-in elsewhere.

/// The parts of a SigV4 credential scope: `AKID/20261128/us-east-1/eks/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// The access key id.
    pub access_key: String,
    /// The `YYYYMMDD` date.
    pub date: String,
    /// The signing region.
    pub region: String,
    /// The signing name of the service (`eks`, `sts`, `iam`, `cloudformation`, `ec2`).
    pub service: String,
}

impl CredentialScope {
    /// Parses `AKID/DATE/REGION/SERVICE/aws4_request`.
    #[must_use]
    pub fn parse(credential: &str) -> Option<Self> {
        let mut parts = credential.trim().split('/');
        let access_key = parts.next()?.to_owned();
        let date = parts.next()?.to_owned();
        let region = parts.next()?.to_owned();
        let service = parts.next()?.to_owned();
        if parts.next()? != "aws4_request"
            || parts.next().is_some()
            || access_key.is_empty()
            || region.is_empty()
            || service.is_empty()
        {
            return None;
        }
        Some(Self {
            access_key,
            date,
            region,
            service,
        })
    }
}

/// A parsed `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationHeader {
    /// The credential scope.
    pub scope: CredentialScope,
    /// The signed header names, lowercase, in the order given.
    pub signed_headers: Vec<String>,
    /// The hex signature.
    pub signature: String,
}

impl AuthorizationHeader {
    /// Parses the header value; `None` for anything that is not SigV4.
    #[must_use]
    pub fn parse(value: &str) -> Option<Self> {
        let rest = value.trim().strip_prefix("AWS4-HMAC-SHA256")?;
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let (key, val) = part.trim().split_once('=')?;
            match key.trim() {
                "Credential" => credential = Some(val.trim()),
                "SignedHeaders" => signed = Some(val.trim()),
                "Signature" => signature = Some(val.trim()),
                _ => {}
            }
        }
        Some(Self {
            scope: CredentialScope::parse(credential?)?,
            signed_headers: signed
                .unwrap_or_default()
                .split(';')
                .filter(|h| !h.is_empty())
                .map(str::to_ascii_lowercase)
                .collect(),
            signature: signature.unwrap_or_default().to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_header_the_rust_sdk_sends() {
        let header =
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/ap-northeast-1/eks/aws4_request, \
                      SignedHeaders=host;x-amz-date;x-amz-user-agent, Signature=abc123";
        let auth = AuthorizationHeader::parse(header).unwrap();
        assert_eq!(auth.scope.access_key, "AKIDEXAMPLE");
        assert_eq!(auth.scope.region, "ap-northeast-1");
        assert_eq!(auth.scope.service, "eks");
        assert_eq!(
            auth.signed_headers,
            ["host", "x-amz-date", "x-amz-user-agent"]
        );
        assert_eq!(auth.signature, "abc123");
    }

    #[test]
    fn refuses_what_is_not_a_scope() {
        for bad in [
            "",
            "AKID",
            "AKID/20261128/us-east-1/eks",
            "AKID/20261128/us-east-1/eks/aws4_request/x",
            "/d/r/s/aws4_request",
        ] {
            assert_eq!(CredentialScope::parse(bad), None, "{bad:?}");
        }
        assert_eq!(AuthorizationHeader::parse("Basic Zm9vOmJhcg=="), None);
    }
}
