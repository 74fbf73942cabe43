//! Kubernetes protobuf request bodies, as kubectl ≥ 1.32 sends them for `kubectl create
//! namespace|configmap|secret|serviceaccount|deployment`: the `k8s\0` magic, a `runtime.Unknown`
//! envelope (`TypeMeta`, raw bytes), and the object's message, decoded into the JSON the rest of the API
//! takes. The message shapes are data ([`Schema`] tables with the field numbers of k8s.io/api's
//! `generated.proto`) for the fields those generators set; other fields are skipped. A small
//! schema-driven reader was chosen over k8s-pb + prost: it is ~200 lines, builds in no time, and a
//! generated type would still need a field-by-field conversion to the JSON/k8s-openapi model.

use base64::Engine;
use serde_json::{json, Map, Value};

use super::status::ApiError;

/// The magic before every Kubernetes protobuf body.
pub const MAGIC: &[u8] = b"k8s\0";
/// The protobuf content type.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// How one field is read.
#[derive(Debug, Clone, Copy)]
enum F {
    Str,
    Bytes,
    Int,
    Bool,
    Msg(&'static Schema),
    /// `map<string, V>` (entries `{1: key, 2: value}`).
    Map(&'static F),
    /// `repeated` of the inner kind.
    Rep(&'static F),
    IntOrString,
    Quantity,
    Time,
}

/// A message: (field number, JSON name, kind).
type Schema = [(u64, &'static str, F)];

const STR_MAP: F = F::Map(&F::Str);
const BYTES_MAP: F = F::Map(&F::Bytes);
const QUANTITY_MAP: F = F::Map(&F::Quantity);
const STRINGS: F = F::Rep(&F::Str);

const OWNER_REFERENCE: &Schema = &[
    (1, "kind", F::Str),
    (3, "name", F::Str),
    (4, "uid", F::Str),
    (5, "apiVersion", F::Str),
    (6, "controller", F::Bool),
    (7, "blockOwnerDeletion", F::Bool),
];
const OBJECT_META: &Schema = &[
    (1, "name", F::Str),
    (2, "generateName", F::Str),
    (3, "namespace", F::Str),
    (5, "uid", F::Str),
    (6, "resourceVersion", F::Str),
    (8, "creationTimestamp", F::Time),
    (11, "labels", STR_MAP),
    (12, "annotations", STR_MAP),
    (13, "ownerReferences", F::Rep(&F::Msg(OWNER_REFERENCE))),
    (14, "finalizers", STRINGS),
];
const NAMESPACE_SPEC: &Schema = &[(1, "finalizers", STRINGS)];
const NAMESPACE: &Schema = &[
    (1, "metadata", F::Msg(OBJECT_META)),
    (2, "spec", F::Msg(NAMESPACE_SPEC)),
];
const CONFIG_MAP: &Schema = &[
    (1, "metadata", F::Msg(OBJECT_META)),
    (2, "data", STR_MAP),
    (3, "binaryData", BYTES_MAP),
    (4, "immutable", F::Bool),
];
const SECRET: &Schema = &[
    (1, "metadata", F::Msg(OBJECT_META)),
    (2, "data", BYTES_MAP),
    (3, "type", F::Str),
    (4, "stringData", STR_MAP),
    (5, "immutable", F::Bool),
];
const LOCAL_OBJECT_REFERENCE: &Schema = &[(1, "name", F::Str)];
const SERVICE_ACCOUNT: &Schema = &[
    (1, "metadata", F::Msg(OBJECT_META)),
    (
        3,
        "imagePullSecrets",
        F::Rep(&F::Msg(LOCAL_OBJECT_REFERENCE)),
    ),
    (4, "automountServiceAccountToken", F::Bool),
];
const LABEL_SELECTOR_REQUIREMENT: &Schema = &[
    (1, "key", F::Str),
    (2, "operator", F::Str),
    (3, "values", STRINGS),
];
const LABEL_SELECTOR: &Schema = &[
    (1, "matchLabels", STR_MAP),
    (
        2,
        "matchExpressions",
        F::Rep(&F::Msg(LABEL_SELECTOR_REQUIREMENT)),
    ),
];
const CONTAINER_PORT: &Schema = &[
    (1, "name", F::Str),
    (2, "hostPort", F::Int),
    (3, "containerPort", F::Int),
    (4, "protocol", F::Str),
    (5, "hostIP", F::Str),
];
const ENV_VAR: &Schema = &[(1, "name", F::Str), (2, "value", F::Str)];
const RESOURCES: &Schema = &[(1, "limits", QUANTITY_MAP), (2, "requests", QUANTITY_MAP)];
const CONTAINER: &Schema = &[
    (1, "name", F::Str),
    (2, "image", F::Str),
    (3, "command", STRINGS),
    (4, "args", STRINGS),
    (5, "workingDir", F::Str),
    (6, "ports", F::Rep(&F::Msg(CONTAINER_PORT))),
    (7, "env", F::Rep(&F::Msg(ENV_VAR))),
    (8, "resources", F::Msg(RESOURCES)),
    (13, "terminationMessagePath", F::Str),
    (14, "imagePullPolicy", F::Str),
    (20, "terminationMessagePolicy", F::Str),
];
const POD_SPEC: &Schema = &[
    (2, "containers", F::Rep(&F::Msg(CONTAINER))),
    (3, "restartPolicy", F::Str),
    (4, "terminationGracePeriodSeconds", F::Int),
    (6, "dnsPolicy", F::Str),
    (7, "nodeSelector", STR_MAP),
    (8, "serviceAccountName", F::Str),
    (10, "nodeName", F::Str),
    (11, "hostNetwork", F::Bool),
    (19, "schedulerName", F::Str),
    (20, "initContainers", F::Rep(&F::Msg(CONTAINER))),
];
const POD_TEMPLATE_SPEC: &Schema = &[
    (1, "metadata", F::Msg(OBJECT_META)),
    (2, "spec", F::Msg(POD_SPEC)),
];
const ROLLING_UPDATE_DEPLOYMENT: &Schema = &[
    (1, "maxUnavailable", F::IntOrString),
    (2, "maxSurge", F::IntOrString),
];
const DEPLOYMENT_STRATEGY: &Schema = &[
    (1, "type", F::Str),
    (2, "rollingUpdate", F::Msg(ROLLING_UPDATE_DEPLOYMENT)),
];
const DEPLOYMENT_SPEC: &Schema = &[
    (1, "replicas", F::Int),
    (2, "selector", F::Msg(LABEL_SELECTOR)),
    (3, "template", F::Msg(POD_TEMPLATE_SPEC)),
    (4, "strategy", F::Msg(DEPLOYMENT_STRATEGY)),
    (5, "minReadySeconds", F::Int),
    (6, "revisionHistoryLimit", F::Int),
    (7, "paused", F::Bool),
    (9, "progressDeadlineSeconds", F::Int),
];
const DEPLOYMENT: &Schema = &[
    (1, "metadata", F::Msg(OBJECT_META)),
    (2, "spec", F::Msg(DEPLOYMENT_SPEC)),
];
const TYPE_META: &Schema = &[(1, "apiVersion", F::Str), (2, "kind", F::Str)];

/// Integer fields kept even when zero (pointer fields in Go, where 0 is a choice).
const KEEP_ZERO: &[&str] = &[
    "replicas",
    "terminationGracePeriodSeconds",
    "minReadySeconds",
];

fn schema_of(kind: &str) -> Option<&'static Schema> {
    Some(match kind {
        "Namespace" => NAMESPACE,
        "ConfigMap" => CONFIG_MAP,
        "Secret" => SECRET,
        "ServiceAccount" => SERVICE_ACCOUNT,
        "Deployment" => DEPLOYMENT,
        _ => return None,
    })
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn truncated() -> ApiError {
    ApiError::bad_request("protobuf body is truncated")
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ApiError> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let byte = *self.buf.get(self.pos).ok_or_else(truncated)?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift.min(63);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ApiError::bad_request("protobuf varint is too long"))
    }

    fn bytes(&mut self) -> Result<&'a [u8], ApiError> {
        let len = usize::try_from(self.varint()?).map_err(|_| truncated())?;
        let end = self.pos.checked_add(len).ok_or_else(truncated)?;
        let slice = self.buf.get(self.pos..end).ok_or_else(truncated)?;
        self.pos = end;
        Ok(slice)
    }

    fn skip(&mut self, wire_type: u64) -> Result<(), ApiError> {
        match wire_type {
            0 => self.varint().map(drop),
            1 => self.advance(8),
            2 => self.bytes().map(drop),
            5 => self.advance(4),
            _ => Err(ApiError::bad_request("unsupported protobuf wire type")),
        }
    }

    fn advance(&mut self, n: usize) -> Result<(), ApiError> {
        if self.pos + n > self.buf.len() {
            return Err(truncated());
        }
        self.pos += n;
        Ok(())
    }
}

fn string(bytes: &[u8]) -> Result<String, ApiError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("protobuf string is not UTF-8"))
}

/// Reads one value of kind `f` (the field key already read).
fn value(r: &mut Reader<'_>, wire_type: u64, f: F) -> Result<Value, ApiError> {
    Ok(match f {
        F::Int => {
            // int32/int64 as two's complement varints.
            #[allow(clippy::cast_possible_wrap)]
            let v = r.varint()? as i64;
            json!(v)
        }
        F::Bool => json!(r.varint()? != 0),
        F::Str if wire_type == 2 => json!(string(r.bytes()?)?),
        F::Bytes if wire_type == 2 => {
            json!(base64::engine::general_purpose::STANDARD.encode(r.bytes()?))
        }
        F::Msg(schema) if wire_type == 2 => Value::Object(message(r.bytes()?, schema)?),
        F::Quantity if wire_type == 2 => {
            let m = message(r.bytes()?, &[(1, "string", F::Str)])?;
            m.get("string").cloned().unwrap_or_else(|| json!("0"))
        }
        F::IntOrString if wire_type == 2 => {
            let m = message(
                r.bytes()?,
                &[
                    (1, "type", F::Int),
                    (2, "intVal", F::Int),
                    (3, "strVal", F::Str),
                ],
            )?;
            if m.get("type").and_then(Value::as_i64) == Some(1) {
                m.get("strVal").cloned().unwrap_or_else(|| json!(""))
            } else {
                m.get("intVal").cloned().unwrap_or_else(|| json!(0))
            }
        }
        F::Time if wire_type == 2 => {
            let m = message(r.bytes()?, &[(1, "seconds", F::Int)])?;
            match m.get("seconds").and_then(Value::as_i64) {
                Some(secs) if secs > 0 => {
                    let t = k8s_openapi::jiff::Timestamp::from_second(secs).unwrap_or_default();
                    json!(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                }
                _ => Value::Null,
            }
        }
        _ => {
            r.skip(wire_type)?;
            Value::Null
        }
    })
}

fn is_empty_scalar(name: &str, v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_i64() == Some(0) && !KEEP_ZERO.contains(&name),
        _ => false,
    }
}

fn message(buf: &[u8], schema: &Schema) -> Result<Map<String, Value>, ApiError> {
    let mut r = Reader { buf, pos: 0 };
    let mut out = Map::new();
    while r.pos < buf.len() {
        let key = r.varint()?;
        let (number, wire_type) = (key >> 3, key & 7);
        let Some((_, name, f)) = schema.iter().find(|(n, _, _)| *n == number) else {
            r.skip(wire_type)?;
            continue;
        };
        match f {
            F::Rep(inner) => {
                let v = value(&mut r, wire_type, **inner)?;
                let slot = out
                    .entry((*name).to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()));
                if let Value::Array(items) = slot {
                    items.push(v);
                }
            }
            F::Map(inner) => {
                let entry = r.bytes()?;
                let mut er = Reader { buf: entry, pos: 0 };
                let (mut k, mut v) = (String::new(), Value::Null);
                while er.pos < entry.len() {
                    let ekey = er.varint()?;
                    match ekey >> 3 {
                        1 => k = string(er.bytes()?)?,
                        2 => v = value(&mut er, ekey & 7, **inner)?,
                        _ => er.skip(ekey & 7)?,
                    }
                }
                if v.is_null() {
                    v = json!("");
                }
                let slot = out
                    .entry((*name).to_owned())
                    .or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(map) = slot {
                    map.insert(k, v);
                }
            }
            _ => {
                let v = value(&mut r, wire_type, *f)?;
                if is_empty_scalar(name, &v) {
                    out.remove(*name);
                } else {
                    out.insert((*name).to_owned(), v);
                }
            }
        }
    }
    Ok(out)
}

/// Decodes a protobuf request body into the object's JSON (with `apiVersion` and `kind`).
///
/// # Errors
/// 415 for a kind this reader has no schema for; 400 for a body that does not decode.
pub fn decode(body: &[u8]) -> Result<Value, ApiError> {
    let envelope = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| ApiError::bad_request("protobuf body without the k8s magic"))?;
    let unknown = message(
        envelope,
        &[(1, "typeMeta", F::Msg(TYPE_META)), (2, "raw", F::Bytes)],
    )?;
    let type_meta = unknown.get("typeMeta").cloned().unwrap_or_default();
    let kind = type_meta
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let schema = schema_of(&kind).ok_or_else(|| ApiError::unsupported_media_type(CONTENT_TYPE))?;
    let raw = unknown
        .get("raw")
        .and_then(Value::as_str)
        .map(|b| base64::engine::general_purpose::STANDARD.decode(b))
        .transpose()
        .map_err(|_| ApiError::bad_request("bad protobuf raw bytes"))?
        .unwrap_or_default();
    let mut object = message(&raw, schema)?;
    object.insert("kind".into(), json!(kind));
    if let Some(api_version) = type_meta.get("apiVersion") {
        object.insert("apiVersion".into(), api_version.clone());
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// kubectl 1.32.4's body for `kubectl create namespace dev` (reference/rust-and-kubectl.md §3).
    const CREATE_NAMESPACE_DEV: &str =
        "6b3873000a0f0a02763112094e616d657370616365121b0a130a0364657612001a0022002a0032003800420012001a020a001a002200";

    #[test]
    fn decodes_kubectls_create_namespace_body() {
        let body = hex::decode(CREATE_NAMESPACE_DEV).unwrap();
        let ns = decode(&body).unwrap();
        assert_eq!(
            ns,
            json!({"kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "dev"}, "spec": {}})
        );
    }

    /// Encodes a length-delimited field.
    fn field(number: u64, bytes: &[u8]) -> Vec<u8> {
        let mut out = vec![u8::try_from((number << 3) | 2).unwrap()];
        out.push(u8::try_from(bytes.len()).unwrap());
        out.extend_from_slice(bytes);
        out
    }

    #[test]
    fn decodes_a_deployment_with_labels_and_containers() {
        let entry = [field(1, b"app"), field(2, b"web")].concat();
        let meta = [field(1, b"web"), field(11, &entry)].concat();
        let container = [field(1, b"nginx"), field(2, b"nginx:1.27")].concat();
        let pod_spec = field(2, &container);
        let template = [field(1, &field(11, &entry)), field(2, &pod_spec)].concat();
        let spec = [
            vec![0x08, 0x03], // replicas: 3
            field(2, &field(1, &entry)),
            field(3, &template),
        ]
        .concat();
        let raw = [field(1, &meta), field(2, &spec)].concat();
        let type_meta = [field(1, b"apps/v1"), field(2, b"Deployment")].concat();
        let body = [MAGIC.to_vec(), field(1, &type_meta), field(2, &raw)].concat();
        let d = decode(&body).unwrap();
        assert_eq!(d["metadata"]["labels"]["app"], "web");
        assert_eq!(d["spec"]["replicas"], 3);
        assert_eq!(d["spec"]["selector"]["matchLabels"]["app"], "web");
        assert_eq!(
            d["spec"]["template"]["spec"]["containers"][0]["image"],
            "nginx:1.27"
        );
    }

    #[test]
    fn refuses_garbage_without_panicking() {
        for body in [&b""[..], b"k8s\0", b"k8s\0\x0a\xff", b"k8s\0\x0a\x05\x0a"] {
            assert!(decode(body).is_err(), "{body:?}");
        }
    }
}
