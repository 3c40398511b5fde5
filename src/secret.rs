//! Secrets that cannot leak by accident: `Debug` and `Display` print `****`, the bytes are
//! wiped when dropped, and reading the value takes an explicit [`Secret::expose`].

use std::fmt;

/// What a masked secret looks like wherever one would be shown.
pub const MASK: &str = "****";

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }

    /// The secret itself. Call only where the value must be written or compared.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// At least 256 random bits from the operating system, URL-safe base64 without padding.
    pub fn generate() -> Result<Self, getrandom::Error> {
        use base64::Engine;
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
        bytes.fill(0);
        Ok(Secret(encoded))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // SAFETY: zero bytes are valid UTF-8; the string is dropped right after.
        for b in unsafe { self.0.as_bytes_mut() } {
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

/// Checks a value the user typed for app_id or app_secret: it must be non-empty, printable
/// (no control characters, which no configuration quoting should have to carry), and of a sane
/// length. Any printable character is fine: quoting makes it exact in Lua and JavaScript.
pub fn validate_printable(what: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if value.len() > 4096 {
        return Err(format!("{what} is longer than 4096 bytes"));
    }
    if let Some((i, c)) = value.char_indices().find(|(_, c)| c.is_control()) {
        return Err(format!(
            "{what} contains the control character U+{:04X} at byte {i}; use printable characters only",
            c as u32
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("hunter2".into());
        assert_eq!(format!("{s} {s:?}"), "**** ****");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn generated_secrets_are_long_and_url_safe() {
        let s = Secret::generate().unwrap();
        assert_eq!(s.expose().len(), 43);
        assert!(
            s.expose()
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_ne!(s, Secret::generate().unwrap());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(validate_printable("app_secret", "a\u{7}b").is_err());
        assert!(validate_printable("app_secret", "tab\there").is_err());
        assert!(validate_printable("app_secret", "").is_err());
        assert!(validate_printable("app_secret", "ok/&$`\"'\\]]€").is_ok());
    }
}
