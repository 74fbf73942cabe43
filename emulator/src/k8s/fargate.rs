//! What Fargate decides about a pod it was given, apart from the profile (the selector crate's job):
//! whether it can run at all (no privileged containers, no host network or host ports, no hostPath
//! volumes; reference/aws-eks.md §3 for the real `FailedScheduling` texts) and what it provisions for
//! it (the sizing table: the larger of the init containers' and the sum of the containers' requests,
//! plus 256 MB, rounded up to a Fargate configuration, e.g. `0.25vCPU 0.5GB`). Pure.

use k8s_openapi::api::core::v1::{Container, PodSpec};

/// The scheduler name of pods that Fargate schedules.
pub const SCHEDULER_NAME: &str = "fargate-scheduler";
/// The annotation with the provisioned size.
pub const CAPACITY_ANNOTATION: &str = "CapacityProvisioned";
/// The annotation saying whether logging is on.
pub const LOGGING_ANNOTATION: &str = "Logging";
/// The condition reason of a pod too large for Fargate.
pub const TOO_LARGE_REASON: &str = "POD_CPU_MEM_EXCEEDS_MAX_FARGATE_SIZE";
/// The message of a pod too large for Fargate.
pub const TOO_LARGE_MESSAGE: &str =
    "Your pod's cpu/memory requirements exceed the max Fargate configuration";
/// The condition reason of a pod Fargate does not support.
pub const UNSUPPORTED_REASON: &str = "POD_UNSUPPORTED_ON_FARGATE";

/// Why Fargate will not run a pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// A feature Fargate lacks; the text is the `FailedScheduling` message.
    Unsupported(String),
    /// More CPU or memory than the largest configuration.
    TooLarge,
}

impl Refusal {
    /// The `FailedScheduling` event message.
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            Self::Unsupported(m) => m.clone(),
            Self::TooLarge => TOO_LARGE_MESSAGE.to_owned(),
        }
    }

    /// The `PodScheduled=False` condition reason.
    #[must_use]
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Unsupported(_) => UNSUPPORTED_REASON,
            Self::TooLarge => TOO_LARGE_REASON,
        }
    }
}

/// A Fargate configuration: vCPU in thousandths, memory in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// vCPU × 1000.
    pub millicpu: u64,
    /// Memory in MiB.
    pub memory_mib: u64,
}

impl Size {
    /// `0.25vCPU 0.5GB`, `2vCPU 9GB`.
    #[must_use]
    pub fn annotation(self) -> String {
        format!(
            "{}vCPU {}GB",
            decimal(self.millicpu, 1000),
            decimal(self.memory_mib, 1024)
        )
    }
}

/// `n / unit` without trailing zeros (`0.25`, `0.5`, `2`).
fn decimal(n: u64, unit: u64) -> String {
    let whole = n / unit;
    let frac = n % unit;
    if frac == 0 {
        return whole.to_string();
    }
    let text = format!("{:.3}", n as f64 / unit as f64);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Every configuration, smallest first (vCPU, then memory).
fn configurations() -> Vec<Size> {
    let gib = |g: u64| g * 1024;
    let mut sizes = vec![
        Size {
            millicpu: 250,
            memory_mib: 512,
        },
        Size {
            millicpu: 250,
            memory_mib: gib(1),
        },
        Size {
            millicpu: 250,
            memory_mib: gib(2),
        },
    ];
    let rows: [(u64, u64, u64, u64); 6] = [
        (500, 1, 4, 1),
        (1000, 2, 8, 1),
        (2000, 4, 16, 1),
        (4000, 8, 30, 1),
        (8000, 16, 60, 4),
        (16000, 32, 120, 8),
    ];
    for (millicpu, from, to, step) in rows {
        let mut g = from;
        while g <= to {
            sizes.push(Size {
                millicpu,
                memory_mib: gib(g),
            });
            g += step;
        }
    }
    sizes
}

/// Parses a Kubernetes quantity into base units (`100m` → 0.1, `70Mi` → 73400320).
#[must_use]
pub fn parse_quantity(q: &str) -> Option<f64> {
    let q = q.trim();
    let suffixes: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1024.0 * 1024.0),
        ("Gi", 1024.0 * 1024.0 * 1024.0),
        ("Ti", 1024f64.powi(4)),
        ("Pi", 1024f64.powi(5)),
        ("Ei", 1024f64.powi(6)),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
    ];
    for (suffix, factor) in suffixes {
        if let Some(number) = q.strip_suffix(suffix) {
            return number.parse::<f64>().ok().map(|n| n * factor);
        }
    }
    q.parse::<f64>().ok()
}

/// (CPU in millicores, memory in MiB) a container asks for: requests, else limits.
fn container_request(c: &Container) -> (f64, f64) {
    let resources = c.resources.clone().unwrap_or_default();
    let get = |name: &str| {
        resources
            .requests
            .as_ref()
            .and_then(|r| r.get(name))
            .or_else(|| resources.limits.as_ref().and_then(|l| l.get(name)))
            .and_then(|q| parse_quantity(&q.0))
            .unwrap_or(0.0)
    };
    (get("cpu") * 1000.0, get("memory") / (1024.0 * 1024.0))
}

/// The configuration Fargate provisions for `spec`, or [`Refusal::TooLarge`].
///
/// # Errors
/// When no configuration is large enough.
pub fn size(spec: &PodSpec) -> Result<Size, Refusal> {
    let (mut cpu, mut memory) = (0.0, 0.0);
    for c in &spec.containers {
        let (c_cpu, c_mem) = container_request(c);
        cpu += c_cpu;
        memory += c_mem;
    }
    for c in spec.init_containers.iter().flatten() {
        let (c_cpu, c_mem) = container_request(c);
        cpu = f64::max(cpu, c_cpu);
        memory = f64::max(memory, c_mem);
    }
    memory += 256.0;
    configurations()
        .into_iter()
        .find(|s| s.millicpu as f64 >= cpu && s.memory_mib as f64 >= memory)
        .ok_or(Refusal::TooLarge)
}

/// Checks what Fargate does not support, with the real messages.
///
/// # Errors
/// The first refusal that applies.
pub fn check_supported(spec: &PodSpec) -> Result<(), Refusal> {
    let containers = || {
        spec.containers
            .iter()
            .chain(spec.init_containers.iter().flatten())
    };
    let privileged = containers()
        .filter(|c| {
            c.security_context
                .as_ref()
                .and_then(|s| s.privileged)
                .unwrap_or(false)
        })
        .count();
    if privileged > 0 {
        return Err(Refusal::Unsupported(format!(
            "Pod not supported on Fargate: invalid SecurityContext fields: {}",
            vec!["Privileged"; privileged].join(",")
        )));
    }
    let mut fields = Vec::new();
    if spec.host_network.unwrap_or(false) {
        fields.push("HostNetwork");
    }
    if spec.host_pid.unwrap_or(false) {
        fields.push("HostPID");
    }
    if spec.host_ipc.unwrap_or(false) {
        fields.push("HostIPC");
    }
    let host_port = containers()
        .flat_map(|c| c.ports.iter().flatten())
        .any(|p| {
            p.host_port.unwrap_or(0) != 0 || p.host_ip.as_deref().is_some_and(|ip| !ip.is_empty())
        });
    if host_port {
        fields.push("port contains HostIP or HostPort");
    }
    if !fields.is_empty() {
        return Err(Refusal::Unsupported(format!(
            "Pod not supported on Fargate: fields not supported: {}",
            fields.join(", ")
        )));
    }
    if let Some(volume) = spec
        .volumes
        .iter()
        .flatten()
        .find(|v| v.host_path.is_some() || v.aws_elastic_block_store.is_some())
    {
        return Err(Refusal::Unsupported(format!(
            "Pod not supported on Fargate: volumes not supported: {} is of an unsupported volume Type",
            volume.name
        )));
    }
    size(spec).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(value: serde_json::Value) -> PodSpec {
        serde_json::from_value(value).unwrap()
    }

    fn requests(cpu: &str, memory: &str) -> PodSpec {
        spec(
            json!({"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": memory}}}]}),
        )
    }

    #[test]
    fn sizes_follow_the_fargate_table() {
        let table = [
            (
                spec(json!({"containers": [{"name": "c"}]})),
                "0.25vCPU 0.5GB",
                "no requests",
            ),
            (requests("100m", "70Mi"), "0.25vCPU 0.5GB", "coredns"),
            (
                requests("250m", "512Mi"),
                "0.25vCPU 1GB",
                "+256 MB pushes past 0.5 GB",
            ),
            (
                requests("1", "8Gi"),
                "2vCPU 9GB",
                "the user guide's example",
            ),
            (
                requests("250m", "3Gi"),
                "0.5vCPU 4GB",
                "memory beyond the 0.25 row",
            ),
            (
                requests("4", "30Gi"),
                "8vCPU 32GB",
                "30 GB + 256 MB needs the 8 vCPU row",
            ),
            (requests("16", "119Gi"), "16vCPU 120GB", "largest"),
        ];
        for (pod, want, why) in table {
            assert_eq!(size(&pod).unwrap().annotation(), want, "{why}");
        }
        assert_eq!(size(&requests("17", "1Gi")), Err(Refusal::TooLarge));
        assert_eq!(size(&requests("1", "121Gi")), Err(Refusal::TooLarge));
    }

    #[test]
    fn init_containers_count_by_their_largest() {
        let pod = spec(json!({
            "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "2", "memory": "1Gi"}}}],
            "containers": [{"name": "a", "resources": {"requests": {"cpu": "250m"}}},
                           {"name": "b", "resources": {"requests": {"cpu": "250m"}}}]
        }));
        assert_eq!(size(&pod).unwrap().annotation(), "2vCPU 4GB");
    }

    #[test]
    fn unsupported_pods_get_the_real_messages() {
        let table = [
            (
                json!({"containers": [{"name": "c", "securityContext": {"privileged": true}}]}),
                "Pod not supported on Fargate: invalid SecurityContext fields: Privileged",
            ),
            (
                json!({"hostNetwork": true, "containers": [{"name": "c", "ports": [{"containerPort": 80, "hostPort": 80}]}]}),
                "Pod not supported on Fargate: fields not supported: HostNetwork, port contains HostIP or HostPort",
            ),
            (
                json!({"containers": [{"name": "c"}], "volumes": [{"name": "logs", "hostPath": {"path": "/var/log"}}]}),
                "Pod not supported on Fargate: volumes not supported: logs is of an unsupported volume Type",
            ),
        ];
        for (pod, want) in table {
            assert_eq!(check_supported(&spec(pod)).unwrap_err().message(), want);
        }
        assert_eq!(
            check_supported(&requests("32", "1Gi"))
                .unwrap_err()
                .message(),
            TOO_LARGE_MESSAGE
        );
        assert!(check_supported(&requests("1", "2Gi")).is_ok());
    }

    #[test]
    fn quantities_parse() {
        assert_eq!(parse_quantity("100m"), Some(0.1));
        assert_eq!(parse_quantity("70Mi"), Some(70.0 * 1024.0 * 1024.0));
        assert_eq!(parse_quantity("2"), Some(2.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("x"), None);
    }
}
