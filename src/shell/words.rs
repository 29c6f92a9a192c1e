//! Splitting a program's command line into its arguments, with the quoting of a POSIX shell
//! (`sh(1)`, "Quoting") but nothing else: `'...'` keeps everything literally, `"..."` keeps
//! everything but `\"` and `\\`, and a backslash outside quotes takes the next character as
//! it is. So `/bin/sh -c 'echo $((6*7))'` hands ash one argument with the `$` untouched.
//! A trailing unquoted `&` asks for the background (host-tested).

use alloc::vec::Vec;

/// A line split into words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Words {
    pub words: Vec<Vec<u8>>,
    /// The line ended with an unquoted `&`.
    pub background: bool,
}

/// Why a line cannot be split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitError {
    /// A `'` or `"` opened and never closed.
    UnterminatedQuote(char),
    /// A backslash at the very end of the line.
    TrailingBackslash,
}

impl core::fmt::Display for SplitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SplitError::UnterminatedQuote(q) => write!(f, "unterminated {q} quote"),
            SplitError::TrailingBackslash => f.write_str("backslash at the end of the line"),
        }
    }
}

pub fn split(line: &str) -> Result<Words, SplitError> {
    let mut words = Vec::new();
    // The word being built; `None` between words (so that `''` still makes an empty word).
    let mut word: Option<Vec<u8>> = None;
    let mut background = false;
    let mut chars = line.chars();
    let mut utf8 = [0u8; 4];
    while let Some(ch) = chars.next() {
        match ch {
            c if c.is_whitespace() => {
                if let Some(done) = word.take() {
                    words.push(done);
                }
            }
            // Only at the end of the line; elsewhere `&` is an ordinary character.
            '&' if chars.as_str().trim().is_empty() => {
                background = true;
                break;
            }
            '\'' => {
                let current = word.get_or_insert_with(Vec::new);
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => current.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes()),
                        None => return Err(SplitError::UnterminatedQuote('\'')),
                    }
                }
            }
            '"' => {
                let current = word.get_or_insert_with(Vec::new);
                loop {
                    let c = match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => c,
                            Some(c) => {
                                current.push(b'\\');
                                c
                            }
                            None => return Err(SplitError::UnterminatedQuote('"')),
                        },
                        Some(c) => c,
                        None => return Err(SplitError::UnterminatedQuote('"')),
                    };
                    current.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
                }
            }
            '\\' => {
                let c = chars.next().ok_or(SplitError::TrailingBackslash)?;
                word.get_or_insert_with(Vec::new)
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
            c => word
                .get_or_insert_with(Vec::new)
                .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes()),
        }
    }
    if let Some(done) = word {
        words.push(done);
    }
    Ok(Words { words, background })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<alloc::string::String> {
        let split = split(line).expect("splits");
        assert!(!split.background, "{line}");
        split
            .words
            .into_iter()
            .map(|w| alloc::string::String::from_utf8(w).unwrap())
            .collect()
    }

    #[test]
    fn whitespace_separates_words() {
        assert_eq!(
            words("  /bin/hello  one\ttwo "),
            ["/bin/hello", "one", "two"]
        );
        assert!(words("   ").is_empty());
        assert!(split("").unwrap().words.is_empty());
    }

    #[test]
    fn single_quotes_keep_everything() {
        assert_eq!(
            words("/bin/sh -c 'echo $((6*7)) \"x\" \\n'"),
            ["/bin/sh", "-c", "echo $((6*7)) \"x\" \\n"]
        );
        assert_eq!(words("a''b ''"), ["ab", ""]);
    }

    #[test]
    fn double_quotes_take_escaped_quotes_and_backslashes() {
        assert_eq!(
            words(r#"/bin/sh -c "echo \"hi\" \\ \$x ' ok""#),
            ["/bin/sh", "-c", r#"echo "hi" \ \$x ' ok"#]
        );
    }

    #[test]
    fn backslash_escapes_outside_quotes() {
        assert_eq!(words(r"a\ b \'c"), ["a b", "'c"]);
        assert_eq!(split(r"a\"), Err(SplitError::TrailingBackslash));
    }

    #[test]
    fn unterminated_quotes_are_errors() {
        assert_eq!(split("echo 'x"), Err(SplitError::UnterminatedQuote('\'')));
        assert_eq!(split("echo \"x"), Err(SplitError::UnterminatedQuote('"')));
        assert_eq!(split("echo \"x\\"), Err(SplitError::UnterminatedQuote('"')));
    }

    #[test]
    fn a_trailing_ampersand_means_background() {
        let split_line = split("/bin/spin 5 &").unwrap();
        assert!(split_line.background);
        assert_eq!(split_line.words, [b"/bin/spin".to_vec(), b"5".to_vec()]);
        assert!(split("/bin/spin&").unwrap().background);
        assert!(split("/bin/spin & ").unwrap().background);
        // Quoted or in the middle: an ordinary argument.
        assert_eq!(words("/bin/echo '&'"), ["/bin/echo", "&"]);
        assert_eq!(words("/bin/echo & x"), ["/bin/echo", "&", "x"]);
        assert_eq!(words("/bin/echo a&b"), ["/bin/echo", "a&b"]);
    }

    #[test]
    fn utf8_survives() {
        assert_eq!(words("/bin/echo 'ß ö' €"), ["/bin/echo", "ß ö", "€"]);
    }
}
