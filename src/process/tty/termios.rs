//! `struct termios` as the Linux x86_64 kernel ABI has it (`uapi/asm-generic/termbits.h`,
//! what `TCGETS` and `TCSETS` copy): four 32-bit flag words, the line discipline byte and 19
//! control characters, 36 bytes. C libraries' own `struct termios` is larger (musl adds
//! speeds) but starts with these bytes. The defaults are Linux's `tty_std_termios`.

pub const TERMIOS_SIZE: usize = 36;
pub const NCCS: usize = 19;

// c_iflag
pub const IGNBRK: u32 = 0o1;
pub const BRKINT: u32 = 0o2;
pub const ISTRIP: u32 = 0o40;
pub const INLCR: u32 = 0o100;
pub const IGNCR: u32 = 0o200;
pub const ICRNL: u32 = 0o400;
pub const IXON: u32 = 0o2000;
pub const IUTF8: u32 = 0o40000;
// c_oflag
pub const OPOST: u32 = 0o1;
pub const ONLCR: u32 = 0o4;
pub const OCRNL: u32 = 0o10;
// c_cflag: 38400 baud, 8 bits, receiver on, hang up on close.
pub const B38400: u32 = 0o17;
pub const CS8: u32 = 0o60;
pub const CREAD: u32 = 0o200;
pub const HUPCL: u32 = 0o2000;
// c_lflag
pub const ISIG: u32 = 0o1;
pub const ICANON: u32 = 0o2;
pub const ECHO: u32 = 0o10;
pub const ECHOE: u32 = 0o20;
pub const ECHOK: u32 = 0o40;
pub const ECHONL: u32 = 0o100;
pub const NOFLSH: u32 = 0o200;
pub const TOSTOP: u32 = 0o400;
pub const ECHOCTL: u32 = 0o1000;
pub const ECHOKE: u32 = 0o4000;
pub const IEXTEN: u32 = 0o100000;

// c_cc indices
pub const VINTR: usize = 0;
pub const VQUIT: usize = 1;
pub const VERASE: usize = 2;
pub const VKILL: usize = 3;
pub const VEOF: usize = 4;
pub const VTIME: usize = 5;
pub const VMIN: usize = 6;
pub const VSTART: usize = 8;
pub const VSTOP: usize = 9;
pub const VSUSP: usize = 10;
pub const VEOL: usize = 11;
pub const VREPRINT: usize = 12;
pub const VWERASE: usize = 14;
pub const VLNEXT: usize = 15;
pub const VEOL2: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Termios {
    pub iflag: u32,
    pub oflag: u32,
    pub cflag: u32,
    pub lflag: u32,
    pub line: u8,
    pub cc: [u8; NCCS],
}

impl Default for Termios {
    /// Linux's defaults for a new terminal: canonical mode with echo and signals, CR read as
    /// NL, NL written as CR NL, ^C ^\ ^? ^U ^D ^Z ^R ^W ^V.
    fn default() -> Self {
        let mut cc = [0u8; NCCS];
        cc[VINTR] = 0x03;
        cc[VQUIT] = 0x1c;
        cc[VERASE] = 0x7f;
        cc[VKILL] = 0x15;
        cc[VEOF] = 0x04;
        cc[VTIME] = 0;
        cc[VMIN] = 1;
        cc[VSTART] = 0x11;
        cc[VSTOP] = 0x13;
        cc[VSUSP] = 0x1a;
        cc[VREPRINT] = 0x12;
        cc[13] = 0x0f; // VDISCARD
        cc[VWERASE] = 0x17;
        cc[VLNEXT] = 0x16;
        Termios {
            iflag: ICRNL | IXON,
            oflag: OPOST | ONLCR,
            cflag: B38400 | CS8 | CREAD | HUPCL,
            lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
            line: 0,
            cc,
        }
    }
}

impl Termios {
    pub fn to_bytes(&self) -> [u8; TERMIOS_SIZE] {
        let mut out = [0u8; TERMIOS_SIZE];
        for (i, word) in [self.iflag, self.oflag, self.cflag, self.lflag]
            .into_iter()
            .enumerate()
        {
            out[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
        }
        out[16] = self.line;
        out[17..].copy_from_slice(&self.cc);
        out
    }

    pub fn from_bytes(bytes: &[u8; TERMIOS_SIZE]) -> Self {
        let word = |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().expect("4"));
        let mut cc = [0u8; NCCS];
        cc.copy_from_slice(&bytes[17..]);
        Termios {
            iflag: word(0),
            oflag: word(1),
            cflag: word(2),
            lflag: word(3),
            line: bytes[16],
            cc,
        }
    }

    pub fn local(&self, flag: u32) -> bool {
        self.lflag & flag != 0
    }

    pub fn input(&self, flag: u32) -> bool {
        self.iflag & flag != 0
    }

    /// Whether `byte` is the control character at `index` (0 disables it: `_POSIX_VDISABLE`).
    pub fn is(&self, index: usize, byte: u8) -> bool {
        self.cc[index] != 0 && self.cc[index] == byte
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_are_linuxs() {
        let t = Termios::default();
        // Linux tty_std_termios (drivers/tty/tty_io.c) and INIT_C_CC.
        assert_eq!(t.iflag, 0x500);
        assert_eq!(t.oflag, 0x5);
        assert_eq!(t.cflag, 0x4bf);
        assert_eq!(t.lflag, 0x8a3b);
        assert_eq!(
            &t.cc[..17],
            &[
                3, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0xf, 0x17, 0x16, 0
            ]
        );
    }

    #[test]
    fn bytes_round_trip() {
        let mut t = Termios::default();
        t.lflag &= !(ICANON | ECHO);
        t.cc[VMIN] = 0;
        t.cc[VTIME] = 5;
        let bytes = t.to_bytes();
        assert_eq!(bytes.len(), 36);
        assert_eq!(bytes[17 + VTIME], 5);
        assert_eq!(Termios::from_bytes(&bytes), t);
    }
}
