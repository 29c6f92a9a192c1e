//! The few ANSI (ECMA-48) control sequences the console's screen obeys, so that the line
//! editor can drive the screen with the same bytes it sends a serial terminal: cursor up,
//! down, forward and back (CUU, CUD, CUF, CUB, §8.3.22/19/20/18), cursor position (CUP,
//! §8.3.21), erase in page (ED, §8.3.39) and erase in line (EL, §8.3.41). Other sequences are
//! recognised and dropped, so they never show as text.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An ordinary character (or control other than ESC) to write.
    Print(char),
    Up(usize),
    Down(usize),
    Forward(usize),
    Back(usize),
    /// Row and column, from 0.
    Position(usize, usize),
    /// ED 0: from the cursor to the end of the screen.
    EraseBelow,
    /// ED 2: the whole screen; the cursor stays.
    EraseScreen,
    /// EL 0: from the cursor to the end of its row.
    EraseLineRight,
}

const MAX_PARAMS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    Escape,
    Csi,
}

#[derive(Debug)]
pub struct AnsiParser {
    state: State,
    params: [u16; MAX_PARAMS],
    count: usize,
}

impl Default for AnsiParser {
    fn default() -> Self {
        Self::new()
    }
}

impl AnsiParser {
    pub const fn new() -> Self {
        AnsiParser {
            state: State::Ground,
            params: [0; MAX_PARAMS],
            count: 0,
        }
    }

    pub fn feed(&mut self, ch: char) -> Option<Action> {
        match (self.state, ch) {
            (_, '\u{1b}') => {
                self.state = State::Escape;
                None
            }
            (State::Ground, ch) => Some(Action::Print(ch)),
            (State::Escape, '[') => {
                self.state = State::Csi;
                self.params = [0; MAX_PARAMS];
                self.count = 0;
                None
            }
            (State::Escape, _) => {
                self.state = State::Ground;
                None
            }
            (State::Csi, '0'..='9') => {
                self.count = self.count.max(1);
                if let Some(param) = self.params.get_mut(self.count - 1) {
                    let digit = ch as u16 - u16::from(b'0');
                    *param = param.saturating_mul(10).saturating_add(digit);
                }
                None
            }
            (State::Csi, ';') => {
                self.count = (self.count.max(1) + 1).min(MAX_PARAMS + 1);
                None
            }
            (State::Csi, '\u{20}'..='\u{3f}') => None,
            (State::Csi, '\u{40}'..='\u{7e}') => {
                self.state = State::Ground;
                self.action(ch)
            }
            (State::Csi, _) => {
                self.state = State::Ground;
                None
            }
        }
    }

    fn action(&self, final_char: char) -> Option<Action> {
        // A missing or zero count means one (ECMA-48 §5.4.2).
        let count = usize::from(self.params[0]).max(1);
        Some(match final_char {
            'A' => Action::Up(count),
            'B' => Action::Down(count),
            'C' => Action::Forward(count),
            'D' => Action::Back(count),
            'H' | 'f' => Action::Position(count - 1, usize::from(self.params[1]).max(1) - 1),
            'J' => match self.params[0] {
                0 => Action::EraseBelow,
                2 | 3 => Action::EraseScreen,
                _ => return None,
            },
            'K' if self.params[0] == 0 => Action::EraseLineRight,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn actions(text: &str) -> Vec<Action> {
        let mut parser = AnsiParser::new();
        text.chars().filter_map(|ch| parser.feed(ch)).collect()
    }

    #[test]
    fn moves_and_erases() {
        use Action::*;
        assert_eq!(
            actions("a\x1b[A\x1b[3B\x1b[12C\x1b[D\x1b[J\x1b[2J\x1b[K\x1b[H\x1b[5;7H"),
            [
                Print('a'),
                Up(1),
                Down(3),
                Forward(12),
                Back(1),
                EraseBelow,
                EraseScreen,
                EraseLineRight,
                Position(0, 0),
                Position(4, 6)
            ]
        );
    }

    #[test]
    fn other_sequences_are_dropped() {
        assert_eq!(
            actions("\x1b[?25l\x1b[1;31mx\x1bcy"),
            [Action::Print('x'), Action::Print('y')]
        );
    }
}
