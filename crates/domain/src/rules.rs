//! The shape of every validated text value, declared once: the parse functions of this crate
//! check input against these rules, and the HTTP layer states the same rules in its OpenAPI
//! document (lengths, patterns), so a client generated from the document sends what the service
//! accepts.
//!
//! Numeric bounds live beside their types (`Money::MAX_MINOR`, `PageLimit::MAX`,
//! `SessionTtl::MAX_SECONDS`) and are read from there by the document as well.

use crate::error::ValidationError;

/// Which characters a text value may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chars {
    /// ASCII letters (`upper`, `lower`, or both), digits if `digits`, and the punctuation in
    /// `extra`.
    Ascii {
        /// Upper-case letters allowed.
        upper: bool,
        /// Lower-case letters allowed.
        lower: bool,
        /// Digits allowed.
        digits: bool,
        /// Other characters allowed, each an ASCII punctuation character.
        extra: &'static str,
    },
    /// Visible ASCII (`!` to `~`): no spaces, no controls.
    VisibleAscii,
    /// Any characters but control characters (Unicode category Cc), with at least one that is
    /// not white space; the value is stored trimmed of surrounding white space.
    Text,
    /// A key of free-form attributes: no `.` and no NUL anywhere, no `$` first, so that a stored
    /// key can never be read as a query operator or a dotted path.
    AttributeKey,
}

/// The shape of one text value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// The field a violation names.
    pub field: &'static str,
    /// Fewest characters (Unicode scalar values).
    pub min_chars: usize,
    /// Most characters.
    pub max_chars: usize,
    /// Which characters.
    pub chars: Chars,
}

/// White space that is not a control character, as `char::is_whitespace` (Unicode White_Space)
/// knows it; the control characters among White_Space are refused anyway.
const SPACES: &str = "\\u0020\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

/// Control characters (Unicode category Cc), as a character-class range.
const CONTROLS: &str = "\\u0000-\\u001f\\u007f-\\u009f";

impl TextRule {
    const fn ascii(field: &'static str, min_chars: usize, max_chars: usize, chars: Chars) -> Self {
        Self { field, min_chars, max_chars, chars }
    }

    /// Checks `raw` against the rule.
    ///
    /// # Errors
    /// A [`ValidationError`] on the rule's field saying what is wrong.
    pub fn check(&self, raw: &str) -> Result<(), ValidationError> {
        let count = raw.chars().count();
        if count < self.min_chars || count > self.max_chars {
            return Err(ValidationError::new(self.field, self.length_text()));
        }
        let ok = match self.chars {
            Chars::Ascii { upper, lower, digits, extra } => raw.bytes().all(|b| {
                (upper && b.is_ascii_uppercase())
                    || (lower && b.is_ascii_lowercase())
                    || (digits && b.is_ascii_digit())
                    || (b.is_ascii_punctuation() && extra.as_bytes().contains(&b))
            }),
            Chars::VisibleAscii => raw.bytes().all(|b| b.is_ascii_graphic()),
            Chars::AttributeKey => {
                if raw.starts_with('$') {
                    return Err(ValidationError::new(self.field, "keys must not start with '$'"));
                }
                !raw.contains(['.', '\0'])
            }
            Chars::Text => {
                if raw.chars().any(char::is_control) {
                    return Err(ValidationError::new(self.field, "must not contain control characters"));
                }
                !raw.trim().is_empty()
            }
        };
        if ok { Ok(()) } else { Err(ValidationError::new(self.field, self.chars_text())) }
    }

    /// "must be 1 to 64 characters", or "must be 3 characters".
    pub fn length_text(&self) -> String {
        if self.min_chars == self.max_chars {
            format!("must be {} characters", self.min_chars)
        } else {
            format!("must be {} to {} characters", self.min_chars, self.max_chars)
        }
    }

    /// What the characters may be, in words.
    pub fn chars_text(&self) -> String {
        match self.chars {
            Chars::Ascii { upper, lower, digits, extra } => {
                let mut parts = Vec::new();
                match (upper, lower) {
                    (true, true) => parts.push("ASCII letters".to_owned()),
                    (true, false) => parts.push("upper-case ASCII letters".to_owned()),
                    (false, true) => parts.push("lower-case ASCII letters".to_owned()),
                    (false, false) => {}
                }
                if digits {
                    parts.push("digits".to_owned());
                }
                parts.extend(extra.chars().map(|c| format!("'{c}'")));
                let last = parts.pop().unwrap_or_default();
                if parts.is_empty() {
                    format!("may hold only {last}")
                } else {
                    format!("may hold only {} and {last}", parts.join(", "))
                }
            }
            Chars::VisibleAscii => "must be visible ASCII without spaces".to_owned(),
            Chars::AttributeKey => "keys must not contain '.' or NUL".to_owned(),
            Chars::Text => "must not be blank".to_owned(),
        }
    }

    /// The rule as a regular expression over the whole value (ECMA-262, as JSON Schema reads
    /// it); lengths are stated apart (`minLength`, `maxLength`), except in the ASCII classes.
    pub fn pattern(&self) -> String {
        match self.chars {
            Chars::Ascii { upper, lower, digits, extra } => {
                let mut class = String::new();
                if upper {
                    class.push_str("A-Z");
                }
                if lower {
                    class.push_str("a-z");
                }
                if digits {
                    class.push_str("0-9");
                }
                // Inside a class these are literal; `-` goes last, where it cannot form a range.
                class.extend(extra.chars().filter(|c| *c != '-'));
                if extra.contains('-') {
                    class.push('-');
                }
                if self.min_chars == self.max_chars {
                    format!("^[{class}]{{{}}}$", self.min_chars)
                } else {
                    format!("^[{class}]{{{},{}}}$", self.min_chars, self.max_chars)
                }
            }
            Chars::VisibleAscii => format!("^[!-~]{{{},{}}}$", self.min_chars, self.max_chars),
            Chars::Text => format!("^[^{CONTROLS}]*[^{CONTROLS}{SPACES}][^{CONTROLS}]*$"),
            Chars::AttributeKey => "^[^$.\\u0000][^.\\u0000]*$".to_owned(),
        }
    }
}

const fn letters_digits(extra: &'static str) -> Chars {
    Chars::Ascii { upper: true, lower: true, digits: true, extra }
}

/// A product's stock-keeping unit.
pub const SKU: TextRule = TextRule::ascii("sku", 1, 64, letters_digits("-_."));
/// A product's display name.
pub const PRODUCT_NAME: TextRule = TextRule::ascii("name", 1, 200, Chars::Text);
/// A product category.
pub const CATEGORY: TextRule =
    TextRule::ascii("category", 1, 64, Chars::Ascii { upper: false, lower: true, digits: true, extra: "-_" });
/// One product tag.
pub const TAG: TextRule = TextRule::ascii("tags", 1, 32, Chars::Text);
/// An ISO-4217 currency code.
pub const CURRENCY: TextRule =
    TextRule::ascii("currency", 3, 3, Chars::Ascii { upper: true, lower: false, digits: false, extra: "" });
/// A wallet owner's name.
pub const OWNER: TextRule = TextRule::ascii("owner", 1, 200, Chars::Text);
/// An audit event's action.
pub const AUDIT_ACTION: TextRule = TextRule::ascii("action", 1, 64, letters_digits("-_.:"));
/// An audit event's subject.
pub const AUDIT_SUBJECT: TextRule = TextRule::ascii("subject", 1, 128, letters_digits("-_.:"));
/// An idempotency key.
pub const IDEMPOTENCY_KEY: TextRule = TextRule::ascii("Idempotency-Key", 1, 255, Chars::VisibleAscii);
/// A key of free-form product attributes, at any depth (a violation names its path instead).
pub const ATTRIBUTE_KEY: TextRule = TextRule::ascii("attributes", 1, 64, Chars::AttributeKey);
/// A session token: 32 random bytes in URL-safe base64 without padding.
pub const SESSION_TOKEN: TextRule = TextRule::ascii("token", 43, 43, letters_digits("-_"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_patterns_follow_the_rule() {
        assert_eq!(SKU.pattern(), "^[A-Za-z0-9_.-]{1,64}$");
        assert_eq!(CURRENCY.pattern(), "^[A-Z]{3}$");
        assert_eq!(SKU.chars_text(), "may hold only ASCII letters, digits, '-', '_' and '.'");
        assert_eq!(CURRENCY.check("eur").map_err(|e| e.reason), Err("may hold only upper-case ASCII letters".into()));
        assert_eq!(SKU.check("").map_err(|e| e.reason), Err("must be 1 to 64 characters".into()));
    }

    #[test]
    fn text_must_hold_a_visible_character_and_no_control() {
        assert!(PRODUCT_NAME.check(" Lamp ").is_ok());
        assert!(PRODUCT_NAME.check("\u{3000}").is_err());
        assert!(PRODUCT_NAME.check("La\u{7}mp").is_err());
        assert!(PRODUCT_NAME.check("\tLamp").is_err());
        assert!(PRODUCT_NAME.check(&"x".repeat(201)).is_err());
    }
}
