//! Snapshot expectations: a step's whole output compared with a file
//! `<dir>/snapshots/<scenario>@<name>.snap`, in insta's format (a `---` header with `source` and
//! `expression`, then the text) so `cargo insta review` can accept the `.snap.new` files a mismatch
//! leaves. Unlike insta, the comparison is exact (a missing final newline is a difference: eksctl's
//! JSON has none); the file stores the text plus one `\n`.
//!
//! Snapshots hold what the embedded emulator (fixed seed, manual clock) prints; other targets
//! generate other ids, so the runner ignores snapshots there.

use std::path::{Path, PathBuf};

use crate::expect::{diff, Mismatch};

/// What to do with snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Compare; on a difference write `<file>.new` (unless `CI` is set) and fail.
    Compare,
    /// Write every snapshot (`--accept`, or `INSTA_UPDATE=always`).
    Accept,
    /// Do not look at snapshots, for this reason.
    Ignore(String),
}

/// How a snapshot check ended when it did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The text equals the snapshot.
    Matched,
    /// The snapshot was (re)written.
    Written(PathBuf),
    /// Not compared, for this reason.
    Ignored(String),
}

/// The snapshots of one scenario file.
#[derive(Debug, Clone)]
pub struct Snapshots {
    dir: PathBuf,
    scenario: String,
    source: String,
    mode: Mode,
}

impl Snapshots {
    /// The snapshots of the scenario `name` read from `file`.
    #[must_use]
    pub fn new(file: &Path, name: &str, mode: Mode) -> Self {
        let dir = file
            .parent()
            .unwrap_or_else(|| Path::new("."))
            .join("snapshots");
        Self {
            dir,
            scenario: name.to_owned(),
            source: file.display().to_string(),
            mode,
        }
    }

    /// The file of snapshot `name`.
    #[must_use]
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{}@{name}.snap", self.scenario))
    }

    /// Compares `actual` (the output of `expression`) with snapshot `name`.
    ///
    /// # Errors
    /// A mismatch (with a diff), a missing snapshot, or a file that cannot be read or written.
    pub fn check(&self, name: &str, expression: &str, actual: &str) -> Result<Outcome, Mismatch> {
        let path = self.path(name);
        let what = format!("snapshot {}", path.display());
        let io = |e: std::io::Error| Mismatch {
            what: what.clone(),
            expected: "a readable, writable snapshot".into(),
            actual: e.to_string(),
            diff: None,
        };
        match &self.mode {
            Mode::Ignore(reason) => return Ok(Outcome::Ignored(reason.clone())),
            Mode::Accept => {
                std::fs::create_dir_all(&self.dir).map_err(io)?;
                let same = read(&path).ok().flatten().as_deref() == Some(actual);
                if !same {
                    std::fs::write(&path, render(&self.source, expression, actual)).map_err(io)?;
                }
                return Ok(if same {
                    Outcome::Matched
                } else {
                    Outcome::Written(path)
                });
            }
            Mode::Compare => {}
        }
        let stored = read(&path).map_err(io)?;
        if stored.as_deref() == Some(actual) {
            let _ = std::fs::remove_file(new_path(&path));
            return Ok(Outcome::Matched);
        }
        let mut hint = String::from("rerun with --accept to record it");
        if std::env::var_os("CI").is_none() {
            let new = new_path(&path);
            if std::fs::create_dir_all(&self.dir)
                .and_then(|()| std::fs::write(&new, render(&self.source, expression, actual)))
                .is_ok()
            {
                hint = format!(
                    "wrote {}; review with `cargo insta review` or rerun with --accept",
                    new.display()
                );
            }
        }
        Err(match stored {
            None => Mismatch {
                what,
                expected: format!("a recorded snapshot ({hint})"),
                actual: actual.to_owned(),
                diff: None,
            },
            Some(expected) => Mismatch {
                what: format!("{what} ({hint})"),
                diff: Some(diff(&expected, actual)),
                expected,
                actual: actual.to_owned(),
            },
        })
    }
}

fn new_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".new");
    PathBuf::from(s)
}

/// The file's text for `content`.
fn render(source: &str, expression: &str, content: &str) -> String {
    let quoted = serde_json::to_string(expression).unwrap_or_default();
    format!("---\nsource: {source}\nexpression: {quoted}\n---\n{content}\n")
}

/// The stored text, or `None` if there is no snapshot.
fn read(path: &Path) -> std::io::Result<Option<String>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    Ok(Some(parse(&text).to_owned()))
}

/// The content of a snapshot file: what follows the second `---` line, less one final newline.
fn parse(text: &str) -> &str {
    let body = text
        .strip_prefix("---\n")
        .and_then(|rest| rest.find("\n---\n").map(|i| &rest[i + 5..]))
        .unwrap_or(text);
    body.strip_suffix('\n').unwrap_or(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_round_trips_exactly() {
        for content in ["[]", "[]\n", "a\tb\n\n", ""] {
            let file = render("scenarios/x.yaml", "ekscli get", content);
            assert_eq!(parse(&file), content, "{file:?}");
        }
        assert!(render("s", "ekscli \"q\"", "x")
            .starts_with("---\nsource: s\nexpression: \"ekscli \\\"q\\\"\"\n---\n"));
    }

    #[test]
    fn compare_accept_and_new_files() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("demo.yaml");
        let accept = Snapshots::new(&file, "demo", Mode::Accept);
        let path = accept.path("out");
        assert_eq!(path, dir.path().join("snapshots/demo@out.snap"));
        assert_eq!(
            accept.check("out", "cmd", "v1\n"),
            Ok(Outcome::Written(path.clone()))
        );
        assert_eq!(accept.check("out", "cmd", "v1\n"), Ok(Outcome::Matched));

        let compare = Snapshots::new(&file, "demo", Mode::Compare);
        assert_eq!(compare.check("out", "cmd", "v1\n"), Ok(Outcome::Matched));
        let m = compare.check("out", "cmd", "v2\n").unwrap_err();
        assert!(m.diff.as_deref().unwrap().contains("-v1\n+v2\n"), "{m:?}");
        let missing = compare.check("other", "cmd", "x").unwrap_err();
        assert!(
            missing.expected.starts_with("a recorded snapshot"),
            "{missing:?}"
        );

        let ignore = Snapshots::new(&file, "demo", Mode::Ignore("target aws".into()));
        assert_eq!(
            ignore.check("out", "cmd", "anything"),
            Ok(Outcome::Ignored("target aws".into()))
        );
    }
}
