//! The awsQuery protocol (CloudFormation, IAM, STS; EC2's variant too): form bodies flattened as
//! `Action=…&Version=…&Name.member.N.Field=…`, decoded into [`QueryRequest`]; and the success envelope
//! `<XResponse xmlns><XResult>…</XResult><ResponseMetadata><RequestId>` around a result.

use std::collections::BTreeMap;

use super::xml::Writer;

/// A decoded query-protocol request: the action, the version and every other parameter as given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryRequest {
    /// `Action`.
    pub action: String,
    /// `Version`.
    pub version: String,
    /// Every other parameter, by its flattened name.
    pub params: BTreeMap<String, String>,
}

impl QueryRequest {
    /// Decodes an `application/x-www-form-urlencoded` body (or a query string).
    #[must_use]
    pub fn from_form(form: &[u8]) -> Self {
        let mut request = Self::default();
        for (key, value) in form_urlencoded::parse(form) {
            match key.as_ref() {
                "Action" => request.action = value.into_owned(),
                "Version" => request.version = value.into_owned(),
                _ => {
                    request.params.insert(key.into_owned(), value.into_owned());
                }
            }
        }
        request
    }

    /// A scalar parameter.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// A boolean parameter (`true`/`false`).
    #[must_use]
    pub fn get_bool(&self, name: &str) -> Option<bool> {
        self.get(name).map(|v| v.eq_ignore_ascii_case("true"))
    }

    /// A list of scalars: `prefix.1`, `prefix.2`, … in index order (pass `Name.member` for awsQuery,
    /// `Name` for EC2's flattened lists).
    #[must_use]
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u32, String)> = self
            .params
            .iter()
            .filter_map(|(key, value)| {
                let index = key.strip_prefix(prefix)?.strip_prefix('.')?;
                Some((index.parse().ok()?, value.clone()))
            })
            .collect();
        items.sort_by_key(|(index, _)| *index);
        items.into_iter().map(|(_, value)| value).collect()
    }

    /// A list of structures: `prefix.N.Field=…` grouped by N, each as its fields (with nested names
    /// kept flat: `Field.member.1`).
    #[must_use]
    pub fn structs(&self, prefix: &str) -> Vec<BTreeMap<String, String>> {
        let mut groups: BTreeMap<u32, BTreeMap<String, String>> = BTreeMap::new();
        for (key, value) in &self.params {
            let Some(rest) = key.strip_prefix(prefix).and_then(|r| r.strip_prefix('.')) else {
                continue;
            };
            let Some((index, field)) = rest.split_once('.') else {
                continue;
            };
            let Ok(index) = index.parse::<u32>() else {
                continue;
            };
            groups
                .entry(index)
                .or_default()
                .insert(field.to_owned(), value.clone());
        }
        groups.into_values().collect()
    }

    /// A `Tags.member.N.Key/Value` style list as pairs.
    #[must_use]
    pub fn key_values(&self, prefix: &str, key: &str, value: &str) -> Vec<(String, String)> {
        self.structs(prefix)
            .into_iter()
            .filter_map(|mut fields| {
                Some((
                    fields.remove(key)?,
                    fields.remove(value).unwrap_or_default(),
                ))
            })
            .collect()
    }
}

/// Writes the success envelope: `<{action}Response xmlns><{action}Result>…</…><ResponseMetadata>…`.
/// `result` is the Result's children, already written; `None` leaves the Result out (operations with
/// no output).
#[must_use]
pub fn envelope(action: &str, xmlns: &str, request_id: &str, result: Option<&str>) -> String {
    let mut w = Writer::new();
    let response = format!("{action}Response");
    w.open_ns(&response, xmlns);
    if let Some(result) = result {
        let name = format!("{action}Result");
        w.open(&name);
        w.raw(result);
        w.close(&name);
    }
    w.open("ResponseMetadata");
    w.leaf("RequestId", request_id);
    w.close("ResponseMetadata");
    w.close(&response);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_the_create_stack_example_from_the_reference() {
        let body = b"Action=CreateStack&Version=2010-05-15&StackName=demo&TemplateBody=%7B%22Resources%22%3A%7B%7D%7D\
&Parameters.member.1.ParameterKey=ClusterName&Parameters.member.1.ParameterValue=c1\
&Capabilities.member.1=CAPABILITY_IAM&Capabilities.member.2=CAPABILITY_NAMED_IAM&Tags.member.1.Key=k&Tags.member.1.Value=v&OnFailure=ROLLBACK";
        let req = QueryRequest::from_form(body);
        assert_eq!(req.action, "CreateStack");
        assert_eq!(req.version, "2010-05-15");
        assert_eq!(req.get("TemplateBody"), Some("{\"Resources\":{}}"));
        assert_eq!(
            req.list("Capabilities.member"),
            ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
        );
        assert_eq!(
            req.key_values("Tags.member", "Key", "Value"),
            [("k".to_owned(), "v".to_owned())]
        );
        let params = req.structs("Parameters.member");
        assert_eq!(params[0]["ParameterKey"], "ClusterName");
        assert_eq!(params[0]["ParameterValue"], "c1");
    }

    #[test]
    fn lists_come_back_in_numeric_index_order() {
        let req = QueryRequest::from_form(b"SubnetId.10=j&SubnetId.2=b&SubnetId.1=a");
        assert_eq!(req.list("SubnetId"), ["a", "b", "j"]);
    }

    #[test]
    fn envelope_wraps_result_and_metadata() {
        let xml = envelope(
            "GetCallerIdentity",
            "https://sts.amazonaws.com/doc/2011-06-15/",
            "rid",
            Some("<Account>1</Account>"),
        );
        assert_eq!(
            xml,
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>\
             <Account>1</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>"
        );
    }
}
