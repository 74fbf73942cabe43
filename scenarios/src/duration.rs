//! Durations as scenario files write them (`3m`, `90s`, `1h30m`, `500ms`) and as transcripts print
//! them (`2m7s`, Go's `time.Duration` style without fractions). Nothing else lives here.

use std::time::Duration;

/// Parses `1h30m`, `3m`, `90s`, `500ms`, `2m30s`: one or more `<digits><unit>` parts with units
/// `h`, `m`, `s`, `ms`, largest first, and nothing else (no spaces, no bare numbers).
///
/// # Errors
/// A message saying what is wrong with `text`.
pub fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration {text:?}: expected e.g. 90s, 3m, 1h30m or 500ms");
    if text.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    let mut last_rank = u8::MAX;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(bad());
        }
        let value: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit, rank, len) = if rest.starts_with("ms") {
            (Duration::from_millis(1), 0, 2)
        } else if rest.starts_with('h') {
            (Duration::from_secs(3600), 3, 1)
        } else if rest.starts_with('m') {
            (Duration::from_secs(60), 2, 1)
        } else if rest.starts_with('s') {
            (Duration::from_secs(1), 1, 1)
        } else {
            return Err(bad());
        };
        if rank >= last_rank {
            return Err(bad());
        }
        last_rank = rank;
        rest = &rest[len..];
        let part = unit
            .checked_mul(u32::try_from(value).map_err(|_| bad())?)
            .ok_or_else(bad)?;
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    Ok(total)
}

/// Formats like Go's `time.Duration` rounded to the second (`0s`, `45s`, `2m7s`, `1h0m5s`);
/// under a second, milliseconds (`250ms`).
#[must_use]
pub fn format(d: Duration) -> String {
    let secs = d.as_secs();
    if secs == 0 {
        let ms = d.subsec_millis();
        return if ms == 0 {
            "0s".into()
        } else {
            format!("{ms}ms")
        };
    }
    let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_largest_first() {
        assert_eq!(parse("3m"), Ok(Duration::from_secs(180)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse("2m30s"), Ok(Duration::from_secs(150)));
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn refuses_what_is_not_a_duration() {
        for bad in ["", "3", "m", "3 m", "3x", "30s2m", "1m1m", "-1s", "1.5m"] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format(Duration::ZERO), "0s");
        assert_eq!(format(Duration::from_millis(250)), "250ms");
        assert_eq!(format(Duration::from_secs(45)), "45s");
        assert_eq!(format(Duration::from_secs(127)), "2m7s");
        assert_eq!(format(Duration::from_secs(3605)), "1h0m5s");
    }
}
