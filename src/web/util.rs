//! How numbers, times and path segments are written on the self-test pages.

use time::OffsetDateTime;
use time::macros::format_description;

/// A path segment for a URL: set ids come from files, so they may hold
/// anything.
pub fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Points as people write them: `1`, `0.5`, `0.67`, `−0.25`.
pub fn points(x: f64) -> String {
    let x = (x * 100.0).round() / 100.0;
    let text = if x.fract() == 0.0 {
        format!("{}", x.abs() as i64)
    } else {
        let s = format!("{:.2}", x.abs());
        s.trim_end_matches('0').to_string()
    };
    if x < 0.0 { format!("−{text}") } else { text }
}

/// "1 point", "2 points", "0.5 points".
pub fn points_noun(x: f64) -> &'static str {
    if x == 1.0 { "point" } else { "points" }
}

fn datetime(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// For a `<time datetime>` attribute, which the script shows in local time.
pub fn iso_time(ms: i64) -> String {
    datetime(ms)
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
        ))
        .unwrap_or_default()
}

/// The server does not know the reader's time zone: UTC, said so.
pub fn human_time(ms: i64) -> String {
    datetime(ms)
        .format(format_description!(
            "[day padding:none] [month repr:short] [year], [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

pub fn clock_time(ms: i64) -> String {
    datetime(ms)
        .format(format_description!("[hour]:[minute] UTC"))
        .unwrap_or_default()
}

/// "4 min 12 s", "1 h 3 min", "45 s".
pub fn duration(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (h, m, s) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h} h {m} min")
    } else if m > 0 {
        format!("{m} min {s} s")
    } else {
        format!("{s} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_written_plainly() {
        assert_eq!(points(1.0), "1");
        assert_eq!(points(0.5), "0.5");
        assert_eq!(points(2.0 / 3.0), "0.67");
        assert_eq!(points(-0.25), "−0.25");
        assert_eq!(points(0.0), "0");
        assert_eq!(points(10.10), "10.1");
    }

    #[test]
    fn segments() {
        assert_eq!(path_segment("a b/ü"), "a%20b%2F%C3%BC");
        assert_eq!(path_segment("valdora-1.v2"), "valdora-1.v2");
    }

    #[test]
    fn times() {
        assert_eq!(iso_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(human_time(1_700_000_000_000), "14 Nov 2023, 22:13 UTC");
        assert_eq!(duration(252_000), "4 min 12 s");
        assert_eq!(duration(3_780_000), "1 h 3 min");
    }
}
