//! Lexical path logic: limits, components, splitting, normalising.
//!
//! Lookup itself ([`super::Vfs::resolve`]) walks components one by one against the tree,
//! because `..` after a symbolic link means the parent of the link's *target*; [`normalize`]
//! is only for names that never meet the tree (archive member names, display).

use alloc::vec::Vec;

use super::FsError;

/// Linux's `PATH_MAX`: a path including its terminating NUL fits in 4096 bytes.
pub const PATH_MAX: usize = 4096;
/// Linux's `NAME_MAX`: one component is at most 255 bytes.
pub const NAME_MAX: usize = 255;

/// Refuses the paths no lookup accepts: empty (`ENOENT`, as Linux) or too long.
pub fn check(path: &[u8]) -> Result<(), FsError> {
    if path.is_empty() {
        return Err(FsError::NotFound);
    }
    if path.len() >= PATH_MAX {
        return Err(FsError::NameTooLong);
    }
    Ok(())
}

pub fn is_absolute(path: &[u8]) -> bool {
    path.first() == Some(&b'/')
}

/// The non-empty components of `path`, `.` and `..` included.
pub fn components(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty())
}

/// Splits off the last component: `("/usr", "bin")` for `/usr/bin/` and `("", "a")` for `a`.
/// `None` when there is no component (`/`, empty).
pub fn split_last(path: &[u8]) -> Option<(&[u8], &[u8])> {
    let trimmed_len = path.len() - path.iter().rev().take_while(|&&b| b == b'/').count();
    let trimmed = &path[..trimmed_len];
    if trimmed.is_empty() {
        return None;
    }
    match trimmed.iter().rposition(|&b| b == b'/') {
        Some(slash) => {
            let parent = &trimmed[..slash];
            let parent = if parent.is_empty() {
                &trimmed[..1]
            } else {
                parent
            };
            Some((parent, &trimmed[slash + 1..]))
        }
        None => Some((&[], trimmed)),
    }
}

/// Whether `path` ends with a slash after its last component, which requires that component
/// to be a directory (`file/` is `ENOTDIR`).
pub fn has_trailing_slash(path: &[u8]) -> bool {
    path.len() > 1 && path.last() == Some(&b'/')
}

/// The lexical normal form: single slashes, no `.`, each `..` cancelling the component before
/// it; `..` above the root of an absolute path stays at the root, and leading `..` of a
/// relative path are kept. `""` and `.` normalise to `.`.
pub fn normalize(path: &[u8]) -> Vec<u8> {
    let absolute = is_absolute(path);
    let mut parts: Vec<&[u8]> = Vec::new();
    for c in components(path) {
        match c {
            b"." => {}
            b".." => match parts.last() {
                Some(&last) if last != b".." => {
                    parts.pop();
                }
                _ if absolute => {}
                _ => parts.push(c),
            },
            _ => parts.push(c),
        }
    }
    let mut out = Vec::with_capacity(path.len());
    if absolute {
        out.push(b'/');
    }
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(b'/');
        }
        out.extend_from_slice(part);
    }
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn limits() {
        assert_eq!(check(b""), Err(FsError::NotFound));
        assert_eq!(check(&vec![b'a'; PATH_MAX]), Err(FsError::NameTooLong));
        assert!(check(&vec![b'a'; PATH_MAX - 1]).is_ok());
    }

    #[test]
    fn components_skip_empty_ones() {
        let parts: Vec<&[u8]> = components(b"//usr/./bin//..//").collect();
        assert_eq!(parts, [&b"usr"[..], b".", b"bin", b".."]);
        assert_eq!(components(b"/").count(), 0);
    }

    #[test]
    fn split_last_cases() {
        assert_eq!(split_last(b"/usr/bin/"), Some((&b"/usr"[..], &b"bin"[..])));
        assert_eq!(split_last(b"/etc"), Some((&b"/"[..], &b"etc"[..])));
        assert_eq!(split_last(b"a"), Some((&b""[..], &b"a"[..])));
        assert_eq!(split_last(b"a/b"), Some((&b"a"[..], &b"b"[..])));
        assert_eq!(split_last(b"/"), None);
        assert_eq!(split_last(b"///"), None);
        assert_eq!(split_last(b""), None);
    }

    #[test]
    fn trailing_slashes() {
        assert!(has_trailing_slash(b"a/"));
        assert!(!has_trailing_slash(b"/"));
        assert!(!has_trailing_slash(b"a"));
    }

    #[test]
    fn normalizing() {
        let cases: [(&[u8], &[u8]); 10] = [
            (b"/", b"/"),
            (b"", b"."),
            (b".", b"."),
            (b"./bin/sh", b"bin/sh"),
            (b"/usr//bin/./", b"/usr/bin"),
            (b"/usr/bin/../lib", b"/usr/lib"),
            (b"/../..", b"/"),
            (b"../a/../../b", b"../../b"),
            (b"a/..", b"."),
            (b"a/b/../../..", b".."),
        ];
        for (input, expected) in cases {
            assert_eq!(
                normalize(input),
                expected,
                "{:?}",
                core::str::from_utf8(input)
            );
        }
    }
}
