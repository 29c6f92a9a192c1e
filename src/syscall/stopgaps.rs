//! Calls that other work owns (the terminal, with the TTY work), answered here just far
//! enough for Debian's busybox to run until the real ones land; each says what it leaves
//! out. Drop an entry when its real implementation arrives.

use super::SysResult;
use super::errno::*;
use super::uaccess::{copy_from_user, copy_to_user};

const TCGETS: u64 = 0x5401;
const TCSETS: u64 = 0x5402;
const TCSETSF: u64 = 0x5404;
/// `struct termios` of the kernel ABI (`asm-generic/termbits.h`): four flag words, the line
/// discipline and 19 control characters.
const TERMIOS_SIZE: usize = 36;

/// The console's terminal calls until the TTY work brings a real line discipline: `TCGETS`
/// describes what the console does now, and `TCSETS*` cannot change it (`EINVAL`); anything
/// else is `ENOTTY`.
///
/// The console collects a line, echoing and erasing as it goes, and hands it over at Enter:
/// canonical mode. It reports ECHO clear, because from the program's side there is nothing
/// left to echo, and because that is what tells a line editor (busybox's, in ash) to read
/// whole lines with `fgets` instead of switching to raw mode, which this console cannot do.
/// isatty(0) then holds, so ash is interactive and prints its prompt.
pub fn console_ioctl(request: u64, arg: u64) -> SysResult {
    match request {
        TCGETS => {
            copy_to_user(arg, &console_termios())?;
            Ok(0)
        }
        TCSETS..=TCSETSF => {
            let mut wanted = [0u8; TERMIOS_SIZE];
            copy_from_user(&mut wanted, arg)?;
            // Setting what is there already (a program restoring the modes) succeeds.
            if wanted == console_termios() {
                Ok(0)
            } else {
                Err(EINVAL)
            }
        }
        _ => Err(ENOTTY),
    }
}

fn console_termios() -> [u8; TERMIOS_SIZE] {
    const ICRNL: u32 = 0o400;
    const OPOST: u32 = 0o1;
    const ONLCR: u32 = 0o4;
    const B38400: u32 = 0o17;
    const CS8: u32 = 0o60;
    const CREAD: u32 = 0o200;
    const ISIG: u32 = 0o1;
    const ICANON: u32 = 0o2;
    let mut out = [0u8; TERMIOS_SIZE];
    for (i, word) in [ICRNL, OPOST | ONLCR, B38400 | CS8 | CREAD, ISIG | ICANON]
        .iter()
        .enumerate()
    {
        out[i * 4..i * 4 + 4].copy_from_slice(&word.to_le_bytes());
    }
    // c_cc from byte 17: VINTR ^C, VQUIT ^\, VERASE DEL, VKILL ^U, VEOF ^D, VTIME 0, VMIN 1.
    out[17..24].copy_from_slice(&[0x03, 0x1c, 0x7f, 0x15, 0x04, 0, 1]);
    out
}
