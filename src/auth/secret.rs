//! A wrapper for secret strings (the JWT secret, partner key plaintexts).
//!
//! Its only job is to keep the value out of logs and error messages: `Debug` and `Display`
//! print `[redacted]`. It must not implement `Serialize` or any other way to print the value
//! by accident; reading it takes an explicit [`Secret::expose`].

use std::fmt;

/// A string that never prints itself.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The secret value itself. Call it only where the value is actually used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_value() {
        let secret = Secret::from("hunter2".to_owned());
        assert_eq!(format!("{secret}"), "[redacted]");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&secret)), "Some([redacted])");
        assert_eq!(secret.expose(), "hunter2");
    }
}
