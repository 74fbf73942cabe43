//! `--state-dir` against the real binary: a process killed with SIGKILL in the middle of a stream of
//! writes restarts with every acknowledged change, nothing half-written, the manual clock where it
//! was and pending transitions still pending.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/eks/aws4_request, SignedHeaders=host;x-amz-date, Signature=0000";

/// A running `eks-emulator` and the address it logged.
struct Process {
    child: Child,
    addr: String,
}

impl Process {
    fn start(state_dir: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eks-emulator"))
            .args(["--listen", "127.0.0.1:0", "--kube-listen", "127.0.0.1:0"])
            .args(["--manual-clock", "--timing", "realistic", "--state-dir"])
            .arg(state_dir)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the emulator binary starts");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("AWS endpoint http://") {
                    let rest = &line[at + "AWS endpoint http://".len()..];
                    let addr: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == ':')
                        .collect();
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(addr);
                    }
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the emulator logs its address");
        Self { child, addr }
    }

    fn kill(mut self) {
        self.child.kill().expect("SIGKILL");
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 exchange; `None` when the connection fails (the process is gone).
fn http(addr: &str, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\nauthorization: {AUTH}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

fn json(addr: &str, method: &str, path: &str, body: &str) -> serde_json::Value {
    let (status, body) = http(addr, method, path, body).expect("the emulator answers");
    assert_eq!(status, 200, "{method} {path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{method} {path}: {e}: {body}"))
}

/// A form-encoded query-protocol call signed for `service` (IAM, EC2); returns the XML body.
fn query(addr: &str, service: &str, form: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect");
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    );
    let request = format!(
        "POST / HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\nauthorization: {auth}\r\n\
         content-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\n\r\n{form}",
        form.len()
    );
    stream.write_all(request.as_bytes()).expect("write");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read");
    assert!(raw.starts_with("HTTP/1.1 200"), "{form}: {raw}");
    raw
}

/// What CreateCluster needs: a role EKS can assume (through IAM) and two default subnets (through
/// EC2), returned as the `roleArn` and the subnet ids.
fn prerequisites(addr: &str) -> (String, Vec<String>) {
    let trust = "%7B%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22eks.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    query(
        addr,
        "iam",
        &format!(
            "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument={trust}"
        ),
    );
    let subnets = query(addr, "ec2", "Action=DescribeSubnets&Version=2016-11-15&Filter.1.Name=default-for-az&Filter.1.Value.1=true");
    let ids = subnets
        .split("<subnetId>")
        .skip(1)
        .filter_map(|rest| rest.split_once("</subnetId>").map(|(id, _)| id.to_owned()))
        .take(2)
        .collect();
    ("arn:aws:iam::123456789012:role/r".to_owned(), ids)
}

fn cluster_body(name: &str, role: &str, subnets: &[String]) -> String {
    format!(
        r#"{{"name":"{name}","roleArn":"{role}","resourcesVpcConfig":{{"subnetIds":["{}","{}"]}}}}"#,
        subnets[0], subnets[1]
    )
}

fn cluster_statuses(state: &serde_json::Value) -> Vec<(String, String)> {
    // The state dump is the World's serde form; find clusters by their `status` next to a `name`.
    fn walk(v: &serde_json::Value, out: &mut Vec<(String, String)>) {
        match v {
            serde_json::Value::Object(map) => {
                if let (
                    Some(serde_json::Value::String(name)),
                    Some(serde_json::Value::String(arn)),
                ) = (map.get("name"), map.get("arn"))
                {
                    if arn.contains(":cluster/") {
                        let status = map
                            .get("status")
                            .map(|s| s.as_str().map_or_else(|| s.to_string(), str::to_owned))
                            .unwrap_or_default();
                        out.push((name.clone(), status));
                    }
                }
                map.values().for_each(|v| walk(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(state, &mut out);
    out
}

fn list_clusters(addr: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let path = match &token {
            Some(t) => format!("/clusters?maxResults=100&nextToken={t}"),
            None => "/clusters?maxResults=100".to_owned(),
        };
        let page = json(addr, "GET", &path, "");
        names.extend(
            page["clusters"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_owned()),
        );
        match page["nextToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => return names,
        }
    }
}

#[test]
fn a_process_killed_mid_stream_restarts_with_every_acknowledged_change() {
    let dir = tempfile::tempdir().unwrap();
    let first = Process::start(dir.path());
    // Move the manual clock before the stream: the restart must resume at this instant.
    let clock = json(
        &first.addr,
        "POST",
        "/_emulator/clock/advance",
        r#"{"seconds": 42}"#,
    );
    let saved_now = clock["epochMillis"].as_u64().unwrap();
    let (role, subnets) = prerequisites(&first.addr);

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (addr, acknowledged, stop) = (first.addr.clone(), acknowledged.clone(), stop.clone());
        let (role, subnets) = (role.clone(), subnets.clone());
        std::thread::spawn(move || {
            for i in 0.. {
                if stop.load(Ordering::SeqCst) {
                    break;
                }
                let name = format!("c{i:04}");
                match http(
                    &addr,
                    "POST",
                    "/clusters",
                    &cluster_body(&name, &role, &subnets),
                ) {
                    Some((200, _)) => acknowledged.lock().unwrap().push(name),
                    Some((status, body)) => panic!("create {name}: {status} {body}"),
                    None => break, // killed
                }
            }
        })
    };
    // Kill it while writes are flowing: once at least 50 are acknowledged, or after 20 seconds.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 50 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
    }
    first.kill();
    stop.store(true, Ordering::SeqCst);
    writer
        .join()
        .expect("the writer thread ends without panicking");
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 50,
        "only {} writes before the kill",
        acknowledged.len()
    );

    // Nothing half-written: the snapshot parses, and no temp file is taken for it.
    let snapshot: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("state.json")).unwrap())
            .expect("state.json is a complete JSON document");
    assert_eq!(snapshot["format"], "eks-emulator-state");

    let second = Process::start(dir.path());
    let names = list_clusters(&second.addr);
    for name in &acknowledged {
        assert!(names.contains(name), "acknowledged {name} was lost");
    }
    // At most the one request in flight at the kill may have been saved without its answer.
    assert!(
        names.len() <= acknowledged.len() + 1,
        "{} clusters for {} acknowledged",
        names.len(),
        acknowledged.len()
    );
    let clock = json(&second.addr, "GET", "/_emulator/clock", "");
    assert_eq!(
        clock["epochMillis"].as_u64().unwrap(),
        saved_now,
        "the manual clock resumes where it was"
    );

    // Pending transitions stay pending, and complete on the restored clock.
    let state = json(&second.addr, "GET", "/_emulator/state", "");
    let statuses = cluster_statuses(&state);
    assert!(!statuses.is_empty());
    assert!(
        statuses.iter().all(|(_, s)| s == "CREATING"),
        "{statuses:?}"
    );
    json(
        &second.addr,
        "POST",
        "/_emulator/clock/advance",
        r#"{"seconds": 600}"#,
    );
    let described = json(
        &second.addr,
        "GET",
        &format!("/clusters/{}", acknowledged[0]),
        "",
    );
    assert_eq!(described["cluster"]["status"], "ACTIVE");

    // The restarted process keeps saving: a new cluster survives a second kill.
    json(
        &second.addr,
        "POST",
        "/clusters",
        &cluster_body("after-restart", &role, &subnets),
    );
    second.kill();
    let third = Process::start(dir.path());
    assert!(list_clusters(&third.addr).contains(&"after-restart".to_owned()));
}

#[test]
fn a_corrupt_snapshot_refuses_to_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("state.json"),
        b"{\"format\":\"eks-emulator-state\",\"vers",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_eks-emulator"))
        .args([
            "--listen",
            "127.0.0.1:0",
            "--kube-listen",
            "127.0.0.1:0",
            "--state-dir",
        ])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("state.json is not a usable eks-emulator state snapshot"),
        "{stderr}"
    );
}
