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

/// Why a nickname is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NicknameError {
    #[error("choose a nickname")]
    Empty,
    #[error("a nickname has at most {NICKNAME_MAX} characters; this one has {0}")]
    TooLong(usize),
}

/// A nickname as it will be shown, and the key that makes it unique in a
/// room (case and compatibility forms folded), or why it is refused.
pub fn clean_nickname(input: &str) -> Result<(String, String), NicknameError> {
    let visible: String = input.nfc().filter(|c| !invisible(*c)).collect();
    let name = visible.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(NicknameError::Empty);
    }
    let len = name.chars().count();
    if len > NICKNAME_MAX {
        return Err(NicknameError::TooLong(len));
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
}
