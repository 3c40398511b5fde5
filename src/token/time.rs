//! Times for tokens: the clock, durations (`90s`, `15m`), `--not-before` values, and UTC display.
//!
//! The clock is `JITSI_TOKENS_NOW` (Unix seconds) when set, else the system clock: tests and
//! reproducible reports pin it, so "expired one second ago" is exact rather than timed.

use std::time::{SystemTime, UNIX_EPOCH};

/// The environment variable that pins the clock (Unix seconds).
pub const NOW_VAR: &str = "JITSI_TOKENS_NOW";

/// Now, in Unix seconds (what Prosody's `os.time()` returns).
pub fn now() -> Result<i64, String> {
    if let Some(value) = std::env::var_os(NOW_VAR) {
        let value = value.to_string_lossy();
        return value
            .trim()
            .parse::<i64>()
            .map_err(|_| format!("{NOW_VAR}={value:?} is not a Unix time in seconds"));
    }
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the system clock is before 1970".to_string())?;
    Ok(since.as_secs() as i64)
}

/// A duration such as `3600`, `90s`, `15m`, `2h`, `7d`, with an optional sign, in seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (sign, t) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let (digits, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => t.split_at(i),
        None => (t, "s"),
    };
    let factor = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    let n: i64 = digits.parse().unwrap_or(-1);
    if factor == 0 || n < 0 {
        return Err(format!(
            "{text:?} is not a duration: use seconds or a number with s, m, h or d (90s, 15m, 2h, 7d)"
        ));
    }
    n.checked_mul(factor)
        .map(|v| v * sign)
        .ok_or_else(|| format!("{text:?} is too long a duration"))
}

/// `--not-before`: a Unix time, an RFC 3339 time (`2025-01-31T12:00:00Z`), or a duration from now.
pub fn parse_when(text: &str, now: i64) -> Result<i64, String> {
    let t = text.trim();
    if !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()) && t.len() >= 9 {
        return t
            .parse()
            .map_err(|_| format!("{text:?} is not a Unix time"));
    }
    if t.len() >= 19 && t.as_bytes().get(4) == Some(&b'-') {
        return parse_rfc3339(t);
    }
    parse_duration(t).map(|d| now + d).map_err(|_| {
        format!(
            "{text:?} is not a time: use a Unix time, an RFC 3339 time \
                 (2025-01-31T12:00:00Z) or a duration from now (10m)"
        )
    })
}

fn parse_rfc3339(t: &str) -> Result<i64, String> {
    let err = || format!("{t:?} is not an RFC 3339 time such as 2025-01-31T12:00:00Z");
    let b = t.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Result<i64, String> {
        t.get(range)
            .filter(|s| s.chars().all(|c| c.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or_else(err)
    };
    if b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') || b[13] != b':' || b[16] != b':' {
        return Err(err());
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return Err(err());
    }
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(frac.len());
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && matches!(&rest[..1], "+" | "-") && &rest[3..4] == ":" => {
            let h: i64 = rest[1..3].parse().map_err(|_| err())?;
            let m: i64 = rest[4..6].parse().map_err(|_| err())?;
            let o = h * 3600 + m * 60;
            if rest.starts_with('-') { -o } else { o }
        }
        _ => return Err(err()),
    };
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2025-01-31 12:00:00 UTC` for a Unix time.
pub fn format_utc(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// "1 h 5 min" style for a number of seconds.
pub fn human_span(seconds: i64) -> String {
    let s = seconds.unsigned_abs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7_199 => format!("{} min", s / 60),
        7_200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3600"), Ok(3600));
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("2h"), Ok(7200));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("-5m"), Ok(-300));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(parse_when("1700000000", 0), Ok(1_700_000_000));
        assert_eq!(parse_when("2023-11-14T22:13:20Z", 0), Ok(1_700_000_000));
        assert_eq!(
            parse_when("2023-11-15T00:13:20+02:00", 0),
            Ok(1_700_000_000)
        );
        assert_eq!(parse_when("10m", 1000), Ok(1600));
        assert_eq!(format_utc(1_700_000_000), "2023-11-14 22:13:20 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00:00 UTC");
        assert!(parse_when("yesterday", 0).is_err());
    }
}
