//! Calls about the system as a whole: `getrandom(2)`, `uname(2)`, `sysinfo(2)`, `reboot(2)`.

use super::SysResult;
use super::errno::*;
use super::uaccess::{self, copy_to_user};
use crate::memory::frames;
use alloc::vec;

const GRND_NONBLOCK: u64 = 1;
const GRND_RANDOM: u64 = 2;
const GRND_INSECURE: u64 = 4;
/// Bytes produced per step of a large request.
const RANDOM_CHUNK: usize = 4096;
/// Linux's cap on one request (`MAX_RW_COUNT`, `INT_MAX` rounded down to a page).
const RANDOM_MAX: u64 = 0x7fff_f000;

/// `getrandom(buf, len, flags)`: the kernel's random source ([`crate::random`]), which never
/// needs to block, so `GRND_NONBLOCK` and `GRND_RANDOM` change nothing; `GRND_INSECURE` with
/// `GRND_RANDOM` is `EINVAL`, as on Linux.
pub fn getrandom(buf: u64, len: u64, flags: u64) -> SysResult {
    if flags & !(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE) != 0
        || flags & (GRND_RANDOM | GRND_INSECURE) == GRND_RANDOM | GRND_INSECURE
    {
        return Err(EINVAL);
    }
    let len = len.min(RANDOM_MAX);
    uaccess::check_writable(buf, len)?;
    let mut kernel = vec![0u8; (len as usize).min(RANDOM_CHUNK)];
    let mut done = 0;
    while done < len {
        let n = ((len - done) as usize).min(RANDOM_CHUNK);
        crate::random::fill(&mut kernel[..n]);
        copy_to_user(buf + done, &kernel[..n])?;
        done += n as u64;
    }
    Ok(len)
}

/// What `uname` reports: `Linux` for the system's name, as other Linux-ABI kernels do, so that
/// programs that check it take their Linux paths; a release in Linux's form that C libraries'
/// version checks accept; the version names Kestrel.
pub const SYSNAME: &str = "Linux";
pub const NODENAME: &str = "kestrel";
pub const RELEASE: &str = "6.1.0-kestrel";
pub const VERSION: &str = concat!("#1 Kestrel ", env!("CARGO_PKG_VERSION"));
pub const MACHINE: &str = "x86_64";

/// `struct utsname`: six fields of 65 bytes, NUL-padded.
pub fn utsname_bytes() -> [u8; 390] {
    let mut out = [0u8; 390];
    for (i, field) in [SYSNAME, NODENAME, RELEASE, VERSION, MACHINE, "(none)"]
        .iter()
        .enumerate()
    {
        let bytes = &field.as_bytes()[..field.len().min(64)];
        out[i * 65..i * 65 + bytes.len()].copy_from_slice(bytes);
    }
    out
}

pub fn uname(buf: u64) -> SysResult {
    copy_to_user(buf, &utsname_bytes())?;
    Ok(0)
}

/// `sysinfo(info)`: uptime, RAM from the frame allocator (in bytes: `mem_unit` 1), the number
/// of processes; no swap, no load averages (0), no high memory.
pub fn sysinfo(info: u64) -> SysResult {
    const PAGE: u64 = 4096;
    let stats = frames::stats();
    let mut out = [0u8; 112];
    let mut put = |offset: usize, value: u64| {
        out[offset..offset + 8].copy_from_slice(&value.to_le_bytes());
    };
    put(0, crate::time::uptime().as_secs());
    put(32, stats.total * PAGE);
    put(40, stats.free * PAGE);
    let procs = crate::process::list().len().min(u16::MAX as usize) as u16;
    out[80..82].copy_from_slice(&procs.to_le_bytes());
    out[104..108].copy_from_slice(&1u32.to_le_bytes());
    copy_to_user(info, &out)?;
    Ok(0)
}

/// `reboot(2)`'s magic numbers (`include/uapi/linux/reboot.h`).
const MAGIC1: u64 = 0xfee1_dead;
const MAGIC2: [u64; 4] = [672_274_793, 85_072_278, 369_367_448, 537_993_216];
const CMD_RESTART: u64 = 0x0123_4567;
const CMD_HALT: u64 = 0xCDEF_0123;
const CMD_CAD_ON: u64 = 0x89AB_CDEF;
const CMD_CAD_OFF: u64 = 0;
const CMD_POWER_OFF: u64 = 0x4321_FEDC;
const CMD_RESTART2: u64 = 0xA1B2_C3D4;

/// What a `reboot` call asks for, once its magic numbers pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebootCommand {
    Restart,
    /// `RESTART2`: restart, with a command string for the firmware (read and ignored).
    RestartWith,
    Halt,
    PowerOff,
    /// Ctrl-Alt-Del on or off: accepted, changes nothing (the kernel shell owns the keyboard).
    CtrlAltDel,
}

/// Checks `reboot(2)`'s arguments (`EINVAL` for bad magic or an unknown command; kexec and
/// suspend are unknown here).
pub fn reboot_command(magic1: u64, magic2: u64, cmd: u64) -> Result<RebootCommand, Errno> {
    // Linux compares the magic numbers and the command as 32-bit ints.
    let (magic1, magic2, cmd) = (
        magic1 & 0xffff_ffff,
        magic2 & 0xffff_ffff,
        cmd & 0xffff_ffff,
    );
    if magic1 != MAGIC1 || !MAGIC2.contains(&magic2) {
        return Err(EINVAL);
    }
    match cmd {
        CMD_RESTART => Ok(RebootCommand::Restart),
        CMD_RESTART2 => Ok(RebootCommand::RestartWith),
        CMD_HALT => Ok(RebootCommand::Halt),
        CMD_POWER_OFF => Ok(RebootCommand::PowerOff),
        CMD_CAD_ON | CMD_CAD_OFF => Ok(RebootCommand::CtrlAltDel),
        _ => Err(EINVAL),
    }
}

/// `reboot(magic1, magic2, cmd, arg)`: every process is root, so the power paths of
/// [`crate::power`] run at once (ACPI S5, the reset register, ...).
pub fn reboot(magic1: u64, magic2: u64, cmd: u64, arg: u64) -> SysResult {
    let command = reboot_command(magic1, magic2, cmd)?;
    let pid = crate::sched::current_process().map_or(0, |p| p.pid);
    match command {
        RebootCommand::CtrlAltDel => Ok(0),
        RebootCommand::Restart | RebootCommand::RestartWith => {
            if command == RebootCommand::RestartWith {
                uaccess::read_user_string(arg, 256)?;
            }
            log::info!("reboot(2): restart requested by pid {pid}");
            crate::power::reboot()
        }
        RebootCommand::Halt => {
            log::info!("reboot(2): halt requested by pid {pid}");
            crate::println!("kestrel: halted; it is now safe to turn off the machine");
            crate::power::exit_emulator(crate::power::ExitCode::Success)
        }
        RebootCommand::PowerOff => {
            log::info!("reboot(2): power-off requested by pid {pid}");
            crate::power::shutdown()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utsname_fields_sit_65_bytes_apart() {
        let u = utsname_bytes();
        assert_eq!(&u[..6], b"Linux\0");
        assert_eq!(&u[65..73], b"kestrel\0");
        assert!(u[130..].starts_with(b"6.1.0-kestrel\0"));
        assert!(u[195..].starts_with(b"#1 Kestrel "));
        assert!(u[260..].starts_with(b"x86_64\0"));
    }

    #[test]
    fn reboot_checks_magic_and_command() {
        let ok = |cmd| reboot_command(0xfee1dead, 672274793, cmd);
        assert_eq!(ok(0x4321FEDC), Ok(RebootCommand::PowerOff));
        assert_eq!(ok(0x01234567), Ok(RebootCommand::Restart));
        assert_eq!(ok(0xCDEF0123), Ok(RebootCommand::Halt));
        assert_eq!(ok(0), Ok(RebootCommand::CtrlAltDel));
        assert_eq!(ok(0xA1B2C3D4), Ok(RebootCommand::RestartWith));
        assert_eq!(ok(0x45584543), Err(EINVAL), "kexec");
        assert_eq!(ok(12345), Err(EINVAL));
        for magic2 in [85072278, 369367448, 537993216] {
            assert!(reboot_command(0xfee1dead, magic2, 0x4321FEDC).is_ok());
        }
        // Upper halves are ignored, as Linux takes ints.
        assert!(reboot_command(0xffff_ffff_fee1_dead, 672274793, 0x4321FEDC).is_ok());
        assert_eq!(
            reboot_command(0xfee1deae, 672274793, 0x4321FEDC),
            Err(EINVAL)
        );
        assert_eq!(reboot_command(0xfee1dead, 1, 0x4321FEDC), Err(EINVAL));
    }
}
