//! The ANSI (ECMA-48, 5th edition) control sequences the console's screen obeys, so that the
//! line editor and full-screen programs (busybox vi and less; `ls --color`) can drive the
//! screen with the bytes they send a VT100-style terminal:
//!
//! - cursor moves: CUU/CUD/CUF/CUB (§8.3.22/19/20/18), CUP and HVP (§8.3.21/63), CHA and HPA
//!   (§8.3.9/57), VPA (§8.3.158), CNL/CPL (§8.3.12/13); NEL and RI (ESC E, ESC M,
//!   §8.3.86/104) and IND (ESC D, a VT100 one); save and restore (DEC's ESC 7 / ESC 8, and
//!   CSI s / CSI u);
//! - erasures: ED 0/1/2/3 (§8.3.39), EL 0/1/2 (§8.3.41), ECH (§8.3.38);
//! - editing: IL/DL (§8.3.67/32), ICH/DCH (§8.3.64/26), SU/SD (§8.3.147/113), and the scrolling
//!   region DECSTBM (CSI top;bottom r, a DEC private sequence);
//! - SGR (§8.3.117): colours and renditions, handed over as [`Params`] (see `console::sgr`);
//! - DEC private modes (CSI ? n h/l): cursor visibility (25) and the alternate screen (47,
//!   1047, 1049); others are accepted and ignored;
//! - DSR (§8.3.35): status (5) and cursor position (6, answered with CPR, §8.3.14) reports;
//!   RIS (ESC c, §8.3.105) resets.
//!
//! Everything else that is well formed, including character set selection (ESC ( B) and
//! operating system commands (ESC ] ... BEL), is recognised and dropped, so it never shows as
//! text. The parser is a pure state machine with fixed storage: at most [`MAX_PARAMS`]
//! parameters are kept (more are ignored) and each saturates at 65535, so no input can make it
//! panic, allocate or loop.

/// Parameters kept per sequence; further ones are read and dropped.
pub const MAX_PARAMS: usize = 16;

/// The numeric parameters of one control sequence, as sent (0 where omitted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    values: [u16; MAX_PARAMS],
    len: usize,
}

impl Params {
    const EMPTY: Params = Params {
        values: [0; MAX_PARAMS],
        len: 0,
    };

    /// Parameter `index`, 0 when omitted.
    pub fn get(&self, index: usize) -> u16 {
        if index < self.len {
            self.values[index]
        } else {
            0
        }
    }

    /// Parameter `index` as a count: a missing or zero count means one (ECMA-48 §5.4.2).
    pub fn count(&self, index: usize) -> usize {
        usize::from(self.get(index)).max(1)
    }

    /// The parameters sent; an empty list reads as a single 0 (SGR's "reset").
    pub fn as_slice(&self) -> &[u16] {
        if self.len == 0 {
            &[0]
        } else {
            &self.values[..self.len]
        }
    }

    pub fn from_slice(values: &[u16]) -> Params {
        let mut params = Params::EMPTY;
        for &value in values.iter().take(MAX_PARAMS) {
            params.values[params.len] = value;
            params.len += 1;
        }
        params
    }
}

/// What the screen should do. Rows and columns are from 0, relative to the text area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// An ordinary character, or a control other than ESC (NL, CR, BS, HT, BEL), to write.
    Print(char),
    Up(usize),
    Down(usize),
    Forward(usize),
    Back(usize),
    /// Row and column.
    Position(usize, usize),
    /// CHA: the column, on the same row.
    Column(usize),
    /// VPA: the row, in the same column.
    Row(usize),
    /// CNL (true) / CPL (false): that many rows down or up, to the first column.
    NextLine(usize, bool),
    /// IND: down a row, scrolling the region up at its bottom.
    Index,
    /// RI: up a row, scrolling the region down at its top.
    ReverseIndex,
    /// NEL: the first column of the next row, scrolling like IND.
    NewLine,
    /// ED 0: from the cursor to the end of the screen.
    EraseBelow,
    /// ED 1: from the start of the screen to the cursor, inclusive.
    EraseAbove,
    /// ED 2 (and 3): the whole screen; the cursor stays.
    EraseScreen,
    /// EL 0: from the cursor to the end of its row.
    EraseLineRight,
    /// EL 1: from the start of the row to the cursor, inclusive.
    EraseLineLeft,
    /// EL 2: the whole row.
    EraseLine,
    /// ECH: that many cells from the cursor on, without moving anything.
    EraseChars(usize),
    /// IL / DL: blank rows in at the cursor row, or rows out, within the scrolling region.
    InsertLines(usize),
    DeleteLines(usize),
    /// ICH / DCH: blank cells in at the cursor, or cells out, within the row.
    InsertChars(usize),
    DeleteChars(usize),
    /// SU / SD: the scrolling region's contents up or down by that many rows.
    ScrollUp(usize),
    ScrollDown(usize),
    /// DECSTBM: the scrolling region's first and last row (inclusive); `None` for the last row
    /// of the screen.
    SetMargins(usize, Option<usize>),
    /// SGR: the renditions to apply, in order.
    Sgr(Params),
    SaveCursor,
    RestoreCursor,
    ShowCursor(bool),
    /// The alternate screen on (true) or off (false).
    AlternateScreen(bool),
    /// DSR 6: answer with the cursor position (CPR).
    ReportPosition,
    /// DSR 5: answer "no malfunction".
    ReportStatus,
    /// RIS: back to the power-on state, screen cleared.
    Reset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    Escape,
    /// After ESC and an intermediate byte (ESC ( B selects a character set): the final byte
    /// ends it.
    EscapeIntermediate,
    Csi,
    /// A string (OSC, DCS, APC, PM, SOS): swallowed up to BEL or ST (ESC \).
    String,
}

#[derive(Debug)]
pub struct AnsiParser {
    state: State,
    params: Params,
    /// The private marker (`?`, `>`, `=`, `<`) of this sequence, or 0.
    private: u8,
    /// Whether an intermediate byte (0x20..=0x2F) came: such sequences are not ones the screen
    /// obeys, so they are dropped whole.
    intermediate: bool,
    /// Parameter bytes in an order ECMA-48 does not allow: the sequence is dropped.
    malformed: bool,
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
            params: Params::EMPTY,
            private: 0,
            intermediate: false,
            malformed: false,
        }
    }

    pub fn feed(&mut self, ch: char) -> Option<Action> {
        match (self.state, ch) {
            // CAN and SUB abort a sequence (ECMA-48 §8.3.6, §8.3.148).
            (State::String, '\u{7}') | (_, '\u{18}' | '\u{1a}') => {
                self.state = State::Ground;
                None
            }
            (_, '\u{1b}') => {
                // In a string, ESC starts ST (ESC \), whose backslash the escape state drops.
                self.state = State::Escape;
                None
            }
            (State::String, _) => None,
            (State::Ground, ch) => Some(Action::Print(ch)),
            // Controls inside a sequence take effect at once (ECMA-48 §5.5).
            (State::Escape | State::EscapeIntermediate | State::Csi, '\u{0}'..='\u{1f}') => {
                Some(Action::Print(ch))
            }
            (State::Escape | State::EscapeIntermediate, '\u{20}'..='\u{2f}') => {
                self.state = State::EscapeIntermediate;
                None
            }
            (State::EscapeIntermediate, _) => {
                self.state = State::Ground;
                None
            }
            (State::Escape, '[') => {
                self.state = State::Csi;
                self.params = Params::EMPTY;
                self.private = 0;
                self.intermediate = false;
                self.malformed = false;
                None
            }
            (State::Escape, ']' | 'P' | '_' | '^' | 'X') => {
                self.state = State::String;
                None
            }
            (State::Escape, ch) => {
                self.state = State::Ground;
                match ch {
                    '7' => Some(Action::SaveCursor),
                    '8' => Some(Action::RestoreCursor),
                    'D' => Some(Action::Index),
                    'E' => Some(Action::NewLine),
                    'M' => Some(Action::ReverseIndex),
                    'c' => Some(Action::Reset),
                    // Keypad modes (ESC = / ESC >), and anything else: nothing to show.
                    _ => None,
                }
            }
            (State::Csi, '0'..='9') => {
                self.intermediate_check();
                if self.params.len == 0 {
                    self.params.len = 1;
                }
                if let Some(param) = self.params.values.get_mut(self.params.len - 1) {
                    let digit = ch as u16 - u16::from(b'0');
                    *param = param.saturating_mul(10).saturating_add(digit);
                }
                None
            }
            // ':' separates sub-parameters (SGR 38:5:n): read like ';'.
            (State::Csi, ';' | ':') => {
                self.intermediate_check();
                // A list that starts with a separator has an omitted first parameter.
                self.params.len = (self.params.len.max(1) + 1).min(MAX_PARAMS + 1);
                if let Some(param) = self.params.values.get_mut(self.params.len - 1) {
                    *param = 0;
                }
                None
            }
            (State::Csi, '<'..='?') => {
                if self.params.len == 0 && self.private == 0 && !self.intermediate {
                    self.private = ch as u8;
                } else {
                    self.malformed = true;
                }
                None
            }
            (State::Csi, '\u{20}'..='\u{2f}') => {
                self.intermediate = true;
                None
            }
            (State::Csi, '\u{40}'..='\u{7e}') => {
                self.state = State::Ground;
                // Past MAX_PARAMS the count pointed one beyond the kept values.
                self.params.len = self.params.len.min(MAX_PARAMS);
                if self.intermediate || self.malformed {
                    return None;
                }
                match self.private {
                    0 => self.action(ch),
                    b'?' => self.private_action(ch),
                    _ => None,
                }
            }
            (State::Csi, _) => {
                // DEL is ignored; anything beyond ASCII ends the sequence unobeyed.
                if ch != '\u{7f}' {
                    self.state = State::Ground;
                }
                None
            }
        }
    }

    /// A parameter byte after an intermediate one breaks ECMA-48 §5.4's order.
    fn intermediate_check(&mut self) {
        if self.intermediate {
            self.malformed = true;
        }
    }

    fn action(&self, final_char: char) -> Option<Action> {
        let params = &self.params;
        let count = params.count(0);
        Some(match final_char {
            'A' => Action::Up(count),
            'B' | 'e' => Action::Down(count),
            'C' | 'a' => Action::Forward(count),
            'D' => Action::Back(count),
            'E' => Action::NextLine(count, true),
            'F' => Action::NextLine(count, false),
            'G' | '`' => Action::Column(count - 1),
            'd' => Action::Row(count - 1),
            'H' | 'f' => Action::Position(count - 1, params.count(1) - 1),
            'J' => match params.get(0) {
                0 => Action::EraseBelow,
                1 => Action::EraseAbove,
                2 | 3 => Action::EraseScreen,
                _ => return None,
            },
            'K' => match params.get(0) {
                0 => Action::EraseLineRight,
                1 => Action::EraseLineLeft,
                2 => Action::EraseLine,
                _ => return None,
            },
            'X' => Action::EraseChars(count),
            'L' => Action::InsertLines(count),
            'M' => Action::DeleteLines(count),
            '@' => Action::InsertChars(count),
            'P' => Action::DeleteChars(count),
            'S' => Action::ScrollUp(count),
            'T' => Action::ScrollDown(count),
            'r' => {
                let bottom = match params.get(1) {
                    0 => None,
                    row => Some(usize::from(row) - 1),
                };
                Action::SetMargins(count - 1, bottom)
            }
            'm' => Action::Sgr(*params),
            's' => Action::SaveCursor,
            'u' => Action::RestoreCursor,
            'n' => match params.get(0) {
                5 => Action::ReportStatus,
                6 => Action::ReportPosition,
                _ => return None,
            },
            _ => return None,
        })
    }

    /// DEC private modes: CSI ? n h sets, CSI ? n l resets. Only the first parameter counts.
    fn private_action(&self, final_char: char) -> Option<Action> {
        let on = match final_char {
            'h' => true,
            'l' => false,
            _ => return None,
        };
        match self.params.get(0) {
            25 => Some(Action::ShowCursor(on)),
            47 | 1047 | 1049 => Some(Action::AlternateScreen(on)),
            _ => None,
        }
    }
}

/// The reply to a report request, as a terminal sends it back (its bytes go to the TTY's input
/// as if typed). Fixed storage: the longest is `ESC [ 65535 ; 65535 R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    bytes: [u8; 16],
    len: usize,
}

impl Reply {
    /// CPR (ECMA-48 §8.3.14): `ESC [ row ; column R`, both from 1.
    pub fn position(row: usize, col: usize) -> Reply {
        let mut reply = Reply {
            bytes: [0; 16],
            len: 0,
        };
        reply.push(b"\x1b[");
        reply.push_number(row.saturating_add(1));
        reply.push(b";");
        reply.push_number(col.saturating_add(1));
        reply.push(b"R");
        reply
    }

    /// DSR 0: ready, no malfunction.
    pub fn status_ok() -> Reply {
        let mut reply = Reply {
            bytes: [0; 16],
            len: 0,
        };
        reply.push(b"\x1b[0n");
        reply
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn push(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = byte;
                self.len += 1;
            }
        }
    }

    fn push_number(&mut self, value: usize) {
        let value = value.min(usize::from(u16::MAX));
        let mut digits = [0u8; 5];
        let mut n = value;
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.push(&digits[start..]);
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
        assert_eq!(
            actions("\x1b[1J\x1b[1K\x1b[2K\x1b[4X\x1b[9G\x1b[3d\x1b[;5H\x1b[2E\x1b[F"),
            [
                EraseAbove,
                EraseLineLeft,
                EraseLine,
                EraseChars(4),
                Column(8),
                Row(2),
                Position(0, 4),
                NextLine(2, true),
                NextLine(1, false)
            ]
        );
    }

    #[test]
    fn editing_and_scrolling_region() {
        use Action::*;
        assert_eq!(
            actions("\x1b[2L\x1b[M\x1b[3@\x1b[P\x1b[S\x1b[2T\x1b[2;20r\x1b[r\x1bM\x1bD\x1bE"),
            [
                InsertLines(2),
                DeleteLines(1),
                InsertChars(3),
                DeleteChars(1),
                ScrollUp(1),
                ScrollDown(2),
                SetMargins(1, Some(19)),
                SetMargins(0, None),
                ReverseIndex,
                Index,
                NewLine
            ]
        );
    }

    #[test]
    fn renditions_modes_and_reports() {
        use Action::*;
        assert_eq!(
            actions("\x1b[m\x1b[1;7;31m\x1b[38;5;196m\x1b7\x1b8\x1b[s\x1b[u"),
            [
                Sgr(Params::from_slice(&[])),
                Sgr(Params::from_slice(&[1, 7, 31])),
                Sgr(Params::from_slice(&[38, 5, 196])),
                SaveCursor,
                RestoreCursor,
                SaveCursor,
                RestoreCursor
            ]
        );
        assert_eq!(Params::from_slice(&[]).as_slice(), [0]);
        assert_eq!(
            actions("\x1b[?25l\x1b[?25h\x1b[?1049h\x1b[?1049l\x1b[?1h\x1b[6n\x1b[5n\x1bc"),
            [
                ShowCursor(false),
                ShowCursor(true),
                AlternateScreen(true),
                AlternateScreen(false),
                ReportPosition,
                ReportStatus,
                Reset
            ]
        );
    }

    #[test]
    fn other_sequences_are_dropped() {
        assert_eq!(
            actions("\x1b(Bx\x1b]0;title\x07y\x1b]2;t\x1b\\z\x1b=\x1b>\x1b[>0c\x1b[1 q!"),
            [
                Action::Print('x'),
                Action::Print('y'),
                Action::Print('z'),
                Action::Print('!')
            ]
        );
        // Cancelled halfway, a sequence is gone; a control inside one still acts.
        assert_eq!(
            actions("\x1b[12\x18a\x1b[1\n2A\x1b\rM"),
            [
                Action::Print('a'),
                Action::Print('\n'),
                Action::Up(12),
                Action::Print('\r'),
                Action::ReverseIndex
            ]
        );
    }

    #[test]
    fn parameters_are_bounded() {
        let mut long = alloc::string::String::from("\x1b[");
        for i in 0..100 {
            long.push_str(&alloc::format!("{};", i));
        }
        long.push_str("99999999999m");
        let got = actions(&long);
        let expected: Vec<u16> = (0..MAX_PARAMS as u16).collect();
        assert_eq!(got, [Action::Sgr(Params::from_slice(&expected))]);
        assert_eq!(actions("\x1b[99999999H"), [Action::Position(65534, 0)]);
    }

    #[test]
    fn garbage_never_panics() {
        // A deterministic flood of every kind of byte, sequences cut off everywhere.
        let mut parser = AnsiParser::new();
        let mut seed = 0x1234_5678u32;
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            let ch = match seed % 4 {
                0 => '\u{1b}',
                1 => char::from(b"[;?0123456789"[(seed >> 8) as usize % 13]),
                _ => char::from_u32(seed >> 12 & 0x1ff).unwrap_or('x'),
            };
            let _ = parser.feed(ch);
        }
        // And it still reads what follows.
        assert_eq!(parser.feed('\u{18}'), None);
        assert_eq!(parser.feed('a'), Some(Action::Print('a')));
    }

    #[test]
    fn replies() {
        assert_eq!(Reply::position(0, 0).as_bytes(), b"\x1b[1;1R");
        assert_eq!(Reply::position(23, 79).as_bytes(), b"\x1b[24;80R");
        assert_eq!(
            Reply::position(usize::MAX - 1, 99_999).as_bytes(),
            b"\x1b[65535;65535R"
        );
        assert_eq!(Reply::status_ok().as_bytes(), b"\x1b[0n");
    }
}
