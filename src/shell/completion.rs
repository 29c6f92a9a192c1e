//! Tab completion. A [`CompletionSource`] names the candidates for the word being typed; the
//! editor asks it and [`complete`] decides what Tab does with them: finish a lone candidate,
//! extend the word by what all candidates share, or list them. Today's source knows the
//! command names and the `keyboard` layouts; a file-system source can answer for paths later,
//! behind the same trait.

use super::command::COMMANDS;
use crate::input::Layout;
use alloc::string::String;
use alloc::vec::Vec;

pub trait CompletionSource {
    /// Appends the candidates for the word that starts with `prefix`; `before` is the line up
    /// to that word (empty for the command name). Candidates that do not start with `prefix`
    /// are ignored, so a source may offer more than fits.
    fn candidates(&self, before: &str, prefix: &str, out: &mut Vec<String>);
}

/// What Tab does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// Nothing fits.
    None,
    /// Insert this after the word: the rest of the only candidate and a space, or the part
    /// that every candidate shares.
    Insert(String),
    /// Several candidates and nothing to add: show them (sorted).
    Choices(Vec<String>),
}

pub fn complete(source: &dyn CompletionSource, before: &str, prefix: &str) -> Completion {
    let mut candidates = Vec::new();
    source.candidates(before, prefix, &mut candidates);
    candidates.retain(|candidate| candidate.starts_with(prefix));
    candidates.sort();
    candidates.dedup();
    match candidates.as_slice() {
        [] => Completion::None,
        [only] => {
            let mut rest = String::from(&only[prefix.len()..]);
            rest.push(' ');
            Completion::Insert(rest)
        }
        [first, others @ ..] => {
            let shared = others.iter().fold(first.len(), |shared, candidate| {
                common_prefix_len(&first[..shared], candidate)
            });
            if shared > prefix.len() {
                Completion::Insert(String::from(&first[prefix.len()..shared]))
            } else {
                Completion::Choices(candidates)
            }
        }
    }
}

/// The length in bytes of what `a` and `b` start with alike.
fn common_prefix_len(a: &str, b: &str) -> usize {
    a.char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((at, _), _)| at)
}

/// The shell's commands, and the layouts after `keyboard`.
pub struct Commands;

impl CompletionSource for Commands {
    fn candidates(&self, before: &str, _prefix: &str, out: &mut Vec<String>) {
        let mut words = before.split_whitespace();
        match (words.next(), words.next()) {
            (None, _) => {
                // Every command has a spec of its own; "/PATH" stands for programs, whose
                // names are paths, not words to complete.
                let names = COMMANDS.iter().map(|spec| spec.name);
                out.extend(
                    names
                        .filter(|name| !name.starts_with('/'))
                        .map(String::from),
                );
            }
            (Some("keyboard"), None) => out.extend(Layout::names().map(String::from)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tab(before: &str, prefix: &str) -> Completion {
        complete(&Commands, before, prefix)
    }

    fn insert(text: &str) -> Completion {
        Completion::Insert(text.into())
    }

    #[test]
    fn a_unique_command_is_finished_with_a_space() {
        assert_eq!(tab("", "upt"), insert("ime "));
        assert_eq!(tab("", "bre"), insert("akpoint "));
        assert_eq!(tab("", "uptime"), insert(" "));
    }

    #[test]
    fn shared_prefixes_extend_and_ambiguity_lists() {
        // halt, help: "h" extends to nothing shared beyond "h"; they are listed.
        assert_eq!(
            tab("", "h"),
            Completion::Choices(["halt".into(), "help".into()].into())
        );
        // sleep, shutdown: listed; "sh" is unique.
        assert_eq!(tab("", "sh"), insert("utdown "));
        assert_eq!(tab("", "zz"), Completion::None);
        let all = match tab("", "") {
            Completion::Choices(all) => all,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            all.len(),
            COMMANDS
                .iter()
                .filter(|spec| !spec.name.starts_with('/'))
                .count()
        );
    }

    #[test]
    fn arguments_complete_from_the_command() {
        assert_eq!(tab("keyboard ", "dv"), insert("orak "));
        assert_eq!(
            tab("keyboard ", "f"),
            Completion::Choices(["fi".into(), "fr".into()].into())
        );
        assert_eq!(tab("echo ", "he"), Completion::None);
        assert_eq!(tab("keyboard de ", "u"), Completion::None);
    }

    #[test]
    fn shared_part_of_several_candidates() {
        struct Paths;
        impl CompletionSource for Paths {
            fn candidates(&self, _before: &str, _prefix: &str, out: &mut Vec<String>) {
                out.extend(["/boot/grub".into(), "/boot/kestrel".into(), "/bin".into()]);
            }
        }
        assert_eq!(complete(&Paths, "cat ", "/bo"), insert("ot/"));
        assert_eq!(
            complete(&Paths, "cat ", "/b"),
            Completion::Choices(
                ["/bin".into(), "/boot/grub".into(), "/boot/kestrel".into()].into()
            )
        );
    }
}
