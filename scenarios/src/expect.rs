//! Matching a command's outcome against a step's expectations: exit code, each output stream
//! (contains, not contains, regex, exact text) and the time it took. Pure functions: the runner
//! hands in the outcome and gets back every mismatch, each with what was expected and what came,
//! ready for the transcript. Snapshots are compared in `snapshot.rs`; variables are substituted
//! here ([`resolve`]) because their values are only known while playing.

use std::time::Duration;

use regex::RegexBuilder;

use crate::duration;
use crate::schema::{substitute, ExitExpectation, TextExpect, Took};

/// One expectation that did not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// What was checked, e.g. `stdout contains`.
    pub what: String,
    /// What was expected.
    pub expected: String,
    /// What came (the whole stream for text checks).
    pub actual: String,
    /// A line diff, for exact comparisons.
    pub diff: Option<String>,
}

impl Mismatch {
    fn new(
        what: impl Into<String>,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        Self {
            what: what.into(),
            expected: expected.into(),
            actual: actual.into(),
            diff: None,
        }
    }
}

/// The expectation with every `${var}` replaced: literally in texts, escaped in regexes.
///
/// # Errors
/// The name of a variable that has no value (e.g. its capture never happened).
pub fn resolve(
    expect: &TextExpect,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<TextExpect, String> {
    let literal = |s: &String| substitute(s, lookup);
    let escaped = |s: &String| substitute(s, |n| lookup(n).map(|v| regex::escape(&v)));
    Ok(TextExpect {
        contains: expect
            .contains
            .iter()
            .map(literal)
            .collect::<Result<_, _>>()?,
        not_contains: expect
            .not_contains
            .iter()
            .map(literal)
            .collect::<Result<_, _>>()?,
        matches: expect
            .matches
            .iter()
            .map(escaped)
            .collect::<Result<_, _>>()?,
        equals: expect.equals.as_ref().map(literal).transpose()?,
        snapshot: expect.snapshot.clone(),
        empty: expect.empty,
        pending: match &expect.pending {
            Some((reason, inner)) => Some((reason.clone(), Box::new(resolve(inner, lookup)?))),
            None => None,
        },
    })
}

/// Checks the exit code.
#[must_use]
pub fn check_exit(expect: ExitExpectation, code: i32) -> Option<Mismatch> {
    let ok = match expect {
        ExitExpectation::Code(want) => code == want,
        ExitExpectation::NonZero => code != 0,
        ExitExpectation::Any => true,
    };
    (!ok).then(|| {
        let expected = match expect {
            ExitExpectation::Code(want) => want.to_string(),
            ExitExpectation::NonZero => "non-zero".into(),
            ExitExpectation::Any => "any".into(),
        };
        Mismatch::new("exit code", expected, code.to_string())
    })
}

/// Checks one stream (`name` is `stdout` or `stderr`) against a resolved expectation. The
/// snapshot, if any, is not looked at here.
#[must_use]
pub fn check_text(name: &str, expect: &TextExpect, actual: &str) -> Vec<Mismatch> {
    let mut found = Vec::new();
    for want in &expect.contains {
        if !actual.contains(want.as_str()) {
            found.push(Mismatch::new(format!("{name} contains"), want, actual));
        }
    }
    for unwanted in &expect.not_contains {
        if actual.contains(unwanted.as_str()) {
            found.push(Mismatch::new(
                format!("{name} does not contain"),
                unwanted,
                actual,
            ));
        }
    }
    for pattern in &expect.matches {
        match RegexBuilder::new(pattern).multi_line(true).build() {
            Ok(re) if re.is_match(actual) => {}
            Ok(_) => found.push(Mismatch::new(format!("{name} matches"), pattern, actual)),
            Err(e) => found.push(Mismatch::new(
                format!("{name} matches"),
                format!("{pattern} (invalid once variables were substituted: {e})"),
                actual,
            )),
        }
    }
    if let Some(want) = &expect.equals {
        if want != actual {
            let mut m = Mismatch::new(format!("{name} equals"), want, actual);
            m.diff = Some(diff(want, actual));
            found.push(m);
        }
    }
    if expect.empty && !actual.is_empty() {
        found.push(Mismatch::new(format!("{name} is empty"), "", actual));
    }
    found
}

/// Checks the time a command took.
#[must_use]
pub fn check_took(took: Took, elapsed: Duration) -> Option<Mismatch> {
    let too_short = took.at_least.is_some_and(|min| elapsed < min);
    let too_long = took.at_most.is_some_and(|max| elapsed > max);
    (too_short || too_long).then(|| {
        let expected = match (took.at_least, took.at_most) {
            (Some(min), Some(max)) => {
                format!(
                    "between {} and {}",
                    duration::format(min),
                    duration::format(max)
                )
            }
            (Some(min), None) => format!("at least {}", duration::format(min)),
            (None, Some(max)) => format!("at most {}", duration::format(max)),
            (None, None) => String::new(),
        };
        Mismatch::new("time taken", expected, duration::format(elapsed))
    })
}

/// Sets variables from captures: for each (name, regex), the first group of the first match in
/// stdout, else in stderr.
///
/// # Errors
/// The capture (name, pattern) that found nothing.
pub fn capture(
    captures: &[(String, String)],
    lookup: &dyn Fn(&str) -> Option<String>,
    stdout: &str,
    stderr: &str,
) -> Result<Vec<(String, String)>, Mismatch> {
    let mut values = Vec::new();
    for (name, pattern) in captures {
        let pattern = substitute(pattern, |n| lookup(n).map(|v| regex::escape(&v)))
            .unwrap_or_else(|_| pattern.clone());
        let re = RegexBuilder::new(&pattern)
            .multi_line(true)
            .build()
            .map_err(|e| Mismatch::new(format!("capture {name}"), format!("{pattern}: {e}"), ""))?;
        let value = [stdout, stderr]
            .iter()
            .find_map(|text| re.captures(text).and_then(|c| c.get(1)))
            .map(|m| m.as_str().to_owned());
        match value {
            Some(v) => values.push((name.clone(), v)),
            None => {
                return Err(Mismatch::new(
                    format!("capture {name}"),
                    format!("a match of {pattern}"),
                    format!("{stdout}{stderr}"),
                ))
            }
        }
    }
    Ok(values)
}

/// A line diff, `-` expected and `+` actual, tabs shown as `\t`.
#[must_use]
pub fn diff(expected: &str, actual: &str) -> String {
    let mut out = String::new();
    let d = similar::TextDiff::from_lines(expected, actual);
    for change in d.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let line = change.value();
        let (body, newline) = match line.strip_suffix('\n') {
            Some(b) => (b, true),
            None => (line, false),
        };
        out.push(sign);
        out.push_str(&body.replace('\t', "\\t"));
        if !newline {
            out.push_str("⏎ (no newline at end)");
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut TextExpect)) -> TextExpect {
        let mut t = TextExpect::default();
        f(&mut t);
        t
    }

    #[test]
    fn exit_codes() {
        assert_eq!(check_exit(ExitExpectation::Code(0), 0), None);
        assert_eq!(
            check_exit(ExitExpectation::Code(0), 1).unwrap().expected,
            "0"
        );
        assert_eq!(check_exit(ExitExpectation::NonZero, 1), None);
        assert!(check_exit(ExitExpectation::NonZero, 0).is_some());
        assert_eq!(check_exit(ExitExpectation::Any, 7), None);
    }

    #[test]
    fn every_text_check_reports_what_it_wanted() {
        let actual = "[ℹ]  creating Fargate profile \"fp-dev\"\n[✔]  done\n";
        let ok = text(|t| {
            t.contains = vec!["creating Fargate profile".into()];
            t.not_contains = vec!["Error".into()];
            t.matches = vec![r#"^\[✔\]  done$"#.into(), r#"profile "fp-\w+""#.into()];
            t.equals = Some(actual.into());
        });
        assert_eq!(check_text("stdout", &ok, actual), vec![]);

        let bad = text(|t| {
            t.contains = vec!["deleted".into()];
            t.not_contains = vec!["done".into()];
            t.matches = vec!["^done$".into()];
            t.equals = Some("[✔]  done\n".into());
            t.empty = true;
        });
        let found = check_text("stdout", &bad, actual);
        let whats: Vec<&str> = found.iter().map(|m| m.what.as_str()).collect();
        assert_eq!(
            whats,
            [
                "stdout contains",
                "stdout does not contain",
                "stdout matches",
                "stdout equals",
                "stdout is empty"
            ]
        );
        assert_eq!(found[0].expected, "deleted");
        assert_eq!(found[0].actual, actual);
        let diff = found[3].diff.as_deref().unwrap();
        assert!(
            diff.contains("-[✔]  done") || diff.contains(" [✔]  done"),
            "{diff}"
        );
        assert!(diff.contains("+[ℹ]  creating"), "{diff}");
    }

    #[test]
    fn exact_text_tells_a_missing_final_newline() {
        let m = check_text("stdout", &text(|t| t.equals = Some("[]\n".into())), "[]");
        assert_eq!(m.len(), 1);
        assert!(m[0]
            .diff
            .as_deref()
            .unwrap()
            .contains("(no newline at end)"));
    }

    #[test]
    fn tabs_show_in_diffs() {
        assert_eq!(diff("a\tb\n", "a b\n"), "-a\\tb\n+a b\n");
    }

    #[test]
    fn variables_are_literal_in_texts_and_escaped_in_regexes() {
        let lookup = |n: &str| (n == "name").then(|| "fp.1".to_owned());
        let t = text(|t| {
            t.contains = vec!["${name}".into()];
            t.matches = vec!["^${name}$".into()];
        });
        let r = resolve(&t, &lookup).unwrap();
        assert_eq!(r.contains, ["fp.1"]);
        assert_eq!(r.matches, [r"^fp\.1$"]);
        assert!(check_text("stdout", &r, "fpx1").len() == 2);
        let missing = text(|t| t.contains = vec!["${other}".into()]);
        assert_eq!(resolve(&missing, &lookup), Err("other".into()));
    }

    #[test]
    fn durations_within_bounds() {
        let took = Took {
            at_least: Some(Duration::from_secs(60)),
            at_most: Some(Duration::from_secs(300)),
        };
        assert_eq!(check_took(took, Duration::from_secs(127)), None);
        let m = check_took(took, Duration::from_secs(3)).unwrap();
        assert_eq!(
            (m.expected.as_str(), m.actual.as_str()),
            ("between 1m0s and 5m0s", "3s")
        );
    }

    #[test]
    fn captures_take_the_first_group_from_stdout_then_stderr() {
        let lookup = |_: &str| None;
        let caps = vec![
            ("p".to_owned(), r#"profile "(fp-[0-9a-f]{8})""#.to_owned()),
            ("e".to_owned(), "^Error: (.*)$".to_owned()),
        ];
        let got = capture(
            &caps,
            &lookup,
            "creating Fargate profile \"fp-9bfc77ad\"\n",
            "Error: boom\n",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                ("p".into(), "fp-9bfc77ad".into()),
                ("e".into(), "boom".into())
            ]
        );
        let missed = capture(&caps[..1], &lookup, "nothing", "").unwrap_err();
        assert_eq!(missed.what, "capture p");
    }
}
