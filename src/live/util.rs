//! Join codes, nicknames, escaping and CSV fields: the small pieces the
//! rooms, the handlers and the pages share.

use unicode_normalization::UnicodeNormalization;

// Secrets and the clock are the HTTP layer's, shared with the self-tests.
pub use crate::http::clock::now_ms;
pub use crate::http::secret::{Hash, ct_eq, new_secret, random_bytes, random_u64, sha256};

/// A six-digit join code: digits are what a phone's keypad offers first.
pub fn new_code() -> String {
    let n = u32::from_le_bytes(random_bytes::<4>()) % 900_000 + 100_000;
    n.to_string()
}

/// A code as typed: spaces and dashes dropped. `None` if it cannot be one.
pub fn normalize_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

pub const NICKNAME_MAX: usize = 24;

/// Characters that change how text around them is shown without being
/// seen: dropped from nicknames so no one can pass for another.
fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
            | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}')
}

/// A nickname as it will be shown, and the key that makes it unique in a
/// room (case and compatibility forms folded), or why it is refused.
pub fn clean_nickname(input: &str) -> Result<(String, String), String> {
    let visible: String = input.nfc().filter(|c| !invisible(*c)).collect();
    let name = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err("choose a nickname".into());
    }
    let len = name.chars().count();
    if len > NICKNAME_MAX {
        return Err(format!(
            "a nickname has at most {NICKNAME_MAX} characters; this one has {len}"
        ));
    }
    let key: String = name.nfkc().flat_map(char::to_lowercase).collect();
    Ok((name, key))
}

/// Text for HTML element content and quoted attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A CSV field: quoted when needed, and with a leading `'` when a
/// spreadsheet would otherwise run it as a formula.
pub fn csv_field(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r'])
        && text.trim_start_matches(['-', '+']).parse::<f64>().is_err();
    let text = if risky {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// Parses `a..b` (milliseconds) as used by `--think-ms`.
pub fn parse_range(text: &str) -> Result<(u64, u64), String> {
    let (a, b) = match text.split_once("..") {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (text.trim(), text.trim()),
    };
    let a: u64 = a
        .parse()
        .map_err(|_| format!("'{text}' is not a range such as 500..3000"))?;
    let b: u64 = b
        .parse()
        .map_err(|_| format!("'{text}' is not a range such as 500..3000"))?;
    if a > b {
        return Err(format!("'{text}': the low end is above the high end"));
    }
    Ok((a, b))
}

/// Raises this process's soft limit on open files toward `want` (never past
/// the hard limit). Returns the limit now in force.
// `rlim_t` is not u64 on every platform, so the casts stay.
#[allow(clippy::unnecessary_cast)]
pub fn raise_nofile_limit(want: u64) -> Result<u64, String> {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct
        // passed by pointer, which lives for the whole call.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
            return Err(format!(
                "cannot read the open-file limit: {}",
                std::io::Error::last_os_error()
            ));
        }
        let target = (want as libc::rlim_t).min(lim.rlim_max);
        if lim.rlim_cur >= target {
            return Ok(lim.rlim_cur as u64);
        }
        let raised = libc::rlimit {
            rlim_cur: target,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(format!(
                "cannot raise the open-file limit to {target}: {}; raise it with `ulimit -n {target}`",
                std::io::Error::last_os_error()
            ));
        }
        Ok(target as u64)
    }
    #[cfg(not(unix))]
    {
        Ok(want)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_are_trimmed_bounded_and_folded() {
        assert_eq!(
            clean_nickname("  Ann   Lee ").unwrap(),
            ("Ann Lee".into(), "ann lee".into())
        );
        assert_eq!(
            clean_nickname("ANN").unwrap().1,
            clean_nickname("ann").unwrap().1
        );
        // Full-width letters fold to the same key as plain ones.
        assert_eq!(clean_nickname("ＡＮＮ").unwrap().1, "ann");
        assert!(clean_nickname("   ").is_err());
        assert!(clean_nickname("\u{200B}\u{202E}").is_err());
        assert_eq!(clean_nickname("a\u{202E}b").unwrap().0, "ab");
        assert!(clean_nickname(&"x".repeat(24)).is_ok());
        assert!(clean_nickname(&"x".repeat(25)).is_err());
        assert!(
            clean_nickname(&"é".repeat(24)).is_ok(),
            "characters, not bytes"
        );
    }

    #[test]
    fn codes() {
        for _ in 0..100 {
            let c = new_code();
            assert_eq!(normalize_code(&c), Some(c.clone()));
        }
        assert_eq!(normalize_code(" 123-456 "), Some("123456".into()));
        assert_eq!(normalize_code("12345"), None);
        assert_eq!(normalize_code("12345a"), None);
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_html("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("-5"), "-5", "numbers stay numbers");
        assert_eq!(csv_field("-x"), "'-x");
    }

    #[test]
    fn ranges() {
        assert_eq!(parse_range("500..3000"), Ok((500, 3000)));
        assert_eq!(parse_range("700"), Ok((700, 700)));
        assert!(parse_range("3000..500").is_err());
        assert!(parse_range("a..b").is_err());
    }
}
