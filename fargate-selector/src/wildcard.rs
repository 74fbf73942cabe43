//! The Fargate wildcard matcher: `*` and `?` over chars, every other character literal. Owns nothing else.
//!
//! EKS allows exactly two wildcards in selector namespaces, label keys and label values
//! ("Fargate profile wildcards", EKS user guide, 2022-08-16):
//!
//! | in the pattern | matches in the text                 |
//! |----------------|-------------------------------------|
//! | `*`            | zero or more characters             |
//! | `?`            | exactly one character               |
//! | anything else  | that same character, and only it    |
//!
//! "Other wildcards and forms of pattern matching, such as regular expressions, aren't supported", so
//! `[`, `.`, `\` and friends are plain characters, and there is no escape: a pattern cannot ask for a literal
//! `*` or `?` except through the wildcard itself. A "character" is a Unicode scalar value (`char`), not a
//! byte: `?` matches `é` (two UTF-8 bytes) and does not match half of it.

/// Does `text` match the wildcard `pattern` as a whole (anchored at both ends)?
///
/// ```
/// use fargate_selector::wildcard_match;
///
/// assert!(wildcard_match("prod*", "production"));
/// assert!(wildcard_match("*dev*", "my-dev-ns"));
/// assert!(wildcard_match("frontend*?", "frontend-1"));
/// assert!(!wildcard_match("frontend*?", "frontend"), "`?` needs one character after `*` took none");
/// assert!(wildcard_match("a.b", "a.b"));
/// assert!(!wildcard_match("a.b", "axb"), "`.` is literal");
/// ```
///
/// # Algorithm
///
/// The classic two-pointer glob with a single backtrack point. Walk pattern and text together; a literal
/// or `?` consumes one character of each. On `*`, remember where we are (the pattern just after the star
/// and the text position) and first let the star match nothing. On a mismatch, go back to the most recent
/// star and let it swallow one more character of text, then retry. If there is no star to go back to,
/// the match fails. When the text is used up, the rest of the pattern must be only stars.
///
/// Only the most recent star is ever revisited: once the part of the pattern between two stars has
/// matched, a later star can absorb anything an earlier star could have, so retrying an earlier star
/// never helps. Hence no recursion and no exponential blow-up: the work is at most
/// O(|pattern| × |text|) characters and linear for the patterns people write (`prod*`, `*dev*`).
/// Nothing is allocated.
#[must_use]
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    // Byte offsets into `pattern` and `text`; both always sit on char boundaries.
    let mut p = 0;
    let mut t = 0;
    // The latest star seen: (offset in `pattern` just after it, offset in `text` where its match ends).
    let mut last_star: Option<(usize, usize)> = None;

    while let Some(text_char) = text[t..].chars().next() {
        match pattern[p..].chars().next() {
            Some('*') => {
                p += 1;
                last_star = Some((p, t));
                continue;
            }
            Some('?') => {
                p += 1;
                t += text_char.len_utf8();
                continue;
            }
            Some(pattern_char) if pattern_char == text_char => {
                p += pattern_char.len_utf8();
                t += text_char.len_utf8();
                continue;
            }
            _ => {}
        }
        // Mismatch (or pattern exhausted with text left): let the latest star take one more character.
        let Some((after_star, star_end)) = last_star else {
            return false;
        };
        let swallowed = text[star_end..].chars().next().map_or(0, char::len_utf8);
        last_star = Some((after_star, star_end + swallowed));
        p = after_star;
        t = star_end + swallowed;
    }
    pattern[p..].bytes().all(|b| b == b'*')
}

/// Does `pattern` contain a wildcard (`*` or `?`)? A pattern without one matches only itself, which
/// lets callers use a map lookup instead of a scan.
#[must_use]
pub fn has_wildcard(pattern: &str) -> bool {
    pattern.bytes().any(|b| b == b'*' || b == b'?')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn matches_the_aws_documentation_examples() {
        let table = [
            ("prod*", "prod", true, "`*` may match nothing"),
            ("prod*", "production", true, "`*` matches a suffix"),
            ("prod*", "pro", false, "the literal prefix must be complete"),
            (
                "prod*",
                "preprod",
                false,
                "a trailing star does not float the prefix",
            ),
            ("*dev", "my-dev", true, "leading star"),
            ("*dev", "dev-1", false, "`*dev` must end in dev"),
            ("*dev*", "dev", true, "both stars empty"),
            ("*dev*", "team-dev-1", true, "dev in the middle"),
            ("*dev*", "de-v", false, "dev must be contiguous"),
            (
                "frontend*?",
                "frontend1",
                true,
                "`*?` needs at least one character",
            ),
            ("frontend*?", "frontend-web", true, "`*?` takes several"),
            ("frontend*?", "frontend", false, "`*?` cannot be empty"),
            ("labelname*?", "labelname1", true, "the CLI example key"),
            (
                "*value1",
                "value1",
                true,
                "the CLI example value, star empty",
            ),
            ("*value1", "my-value1", true, "the CLI example value"),
            ("*value1", "value10", false, "`*value1` must end in value1"),
        ];
        for (pattern, text, expected, why) in table {
            assert_eq!(
                wildcard_match(pattern, text),
                expected,
                "{pattern:?} vs {text:?}: {why}"
            );
        }
    }

    #[test]
    fn treats_everything_but_star_and_question_mark_literally() {
        let table = [
            ("a.b", "a.b", true, "`.` matches itself"),
            ("a.b", "axb", false, "`.` is not any-character"),
            ("[ab]", "[ab]", true, "`[` opens no class"),
            ("[ab]", "a", false, "`[ab]` is not a class"),
            (
                "a\\*",
                "a\\x",
                true,
                "`\\` escapes nothing: `\\*` is a backslash then a star",
            ),
            ("a\\*", "a*", false, "there is no escape for `*`"),
            ("^dev$", "dev", false, "no anchors"),
            ("a+", "aa", false, "no repetition"),
            ("", "", true, "empty matches empty"),
            ("", "a", false, "empty matches only empty"),
            ("?", "é", true, "`?` is one char even when two bytes"),
            ("??", "é", false, "`??` is two chars, not two bytes"),
            ("*é", "café", true, "a multi-byte literal after a star"),
            ("日*", "日本", true, "a multi-byte literal before a star"),
        ];
        for (pattern, text, expected, why) in table {
            assert_eq!(
                wildcard_match(pattern, text),
                expected,
                "{pattern:?} vs {text:?}: {why}"
            );
        }
    }

    #[test]
    fn backtracks_to_the_latest_star_only() {
        let table = [
            ("*a*b", "xaxxb", true, "second star absorbs"),
            (
                "*ab",
                "aab",
                true,
                "first try at the first a fails, retry one further",
            ),
            ("a*b*c", "abbbc", true, "stars in the middle"),
            ("a*b*c", "abbb", false, "missing final literal"),
            ("*?*?", "ab", true, "two `?` around empty stars"),
            ("*?*?", "a", false, "two `?` need two characters"),
            ("**", "", true, "stars only, empty text"),
            (
                "*aaaab",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
                true,
                "worst-case shape still succeeds",
            ),
            (
                "*aaaab",
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                false,
                "worst-case shape still fails",
            ),
        ];
        for (pattern, text, expected, why) in table {
            assert_eq!(
                wildcard_match(pattern, text),
                expected,
                "{pattern:?} vs {text:?}: {why}"
            );
        }
    }

    #[test]
    fn has_wildcard_sees_only_star_and_question_mark() {
        let table = [
            ("dev", false, "plain name"),
            ("a.b[c]\\", false, "regex metacharacters are not wildcards"),
            ("dev*", true, "star"),
            ("d?v", true, "question mark"),
        ];
        for (pattern, expected, why) in table {
            assert_eq!(has_wildcard(pattern), expected, "{pattern:?}: {why}");
        }
    }

    /// The reference the matcher is checked against: the pattern as an anchored regex, `*` → `.*`,
    /// `?` → `.` (with `s` so `.` also matches `\n`), every other char escaped.
    fn reference_regex(pattern: &str) -> regex::Regex {
        let mut source = String::from("(?s)^");
        for c in pattern.chars() {
            match c {
                '*' => source.push_str(".*"),
                '?' => source.push('.'),
                other => source.push_str(&regex::escape(&other.to_string())),
            }
        }
        source.push('$');
        regex::Regex::new(&source).expect("an escaped pattern is a valid regex")
    }

    /// Patterns and texts over a small alphabet, so they collide often, including the regex
    /// metacharacters `.`, `[`, `\` and a two-byte `é` and a three-byte `日`.
    fn small_alphabet_string(max_len: usize) -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec!['a', 'b', '*', '?', '.', '[', '\\', 'é', '日']),
            0..=max_len,
        )
        .prop_map(|chars| chars.into_iter().collect())
    }

    fn wildcard_free_string(max_len: usize) -> impl Strategy<Value = String> {
        small_alphabet_string(max_len).prop_map(|s| s.replace(['*', '?'], ""))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A pattern without wildcards matches itself and nothing else.
        #[test]
        fn a_pattern_without_wildcards_matches_only_itself(
            pattern in wildcard_free_string(4),
            text in wildcard_free_string(4),
        ) {
            prop_assert!(wildcard_match(&pattern, &pattern));
            prop_assert_eq!(wildcard_match(&pattern, &text), pattern == text);
        }

        /// `*` matches every string.
        #[test]
        fn a_lone_star_matches_every_string(text in any::<String>()) {
            prop_assert!(wildcard_match("*", &text));
        }

        /// `?` matches exactly the strings of one character, counted in chars, not bytes.
        #[test]
        fn a_lone_question_mark_matches_exactly_one_char(text in "\\PC{0,3}") {
            prop_assert_eq!(wildcard_match("?", &text), text.chars().count() == 1);
        }

        /// The matcher agrees with an anchored, escaped regex on random patterns and texts.
        #[test]
        fn agrees_with_an_escaped_regex(
            pattern in small_alphabet_string(6),
            text in small_alphabet_string(8),
        ) {
            let expected = reference_regex(&pattern).is_match(&text);
            prop_assert_eq!(wildcard_match(&pattern, &text), expected);
        }
    }
}
