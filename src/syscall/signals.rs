//! rt_sigprocmask and rt_sigaction, accepted with their arguments checked and nothing
//! recorded. Kestrel delivers no signal to a handler yet: a signal always takes its default
//! action (the process ends), so no mask or handler could change what happens. musl calls
//! both around fork and in abort; they succeed so that such programs run. `oldset` reads as
//! an empty mask and `oldact` as SIG_DFL, which is the truth for this kernel.

use super::SysResult;
use super::errno::*;
use super::uaccess::{copy_from_user, copy_to_user};

/// Linux's `sigset_t` in the kernel ABI: 64 signals, 8 bytes.
const SIGSET_SIZE: u64 = 8;
const SIG_BLOCK: u64 = 0;
const SIG_SETMASK: u64 = 2;
const SIGKILL: u64 = 9;
const SIGSTOP: u64 = 19;
/// `struct sigaction` of the kernel ABI: handler, flags, restorer, mask.
const SIGACTION_SIZE: usize = 32;

pub fn rt_sigprocmask(how: u64, set: u64, oldset: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE {
        return Err(EINVAL);
    }
    if set != 0 {
        let mut mask = [0u8; 8];
        copy_from_user(&mut mask, set)?;
        if !(SIG_BLOCK..=SIG_SETMASK).contains(&how) {
            return Err(EINVAL);
        }
    }
    if oldset != 0 {
        copy_to_user(oldset, &[0u8; 8])?;
    }
    Ok(0)
}

pub fn rt_sigaction(signal: u64, act: u64, oldact: u64, sigsetsize: u64) -> SysResult {
    if sigsetsize != SIGSET_SIZE || !(1..=64).contains(&signal) {
        return Err(EINVAL);
    }
    if act != 0 {
        let mut action = [0u8; SIGACTION_SIZE];
        copy_from_user(&mut action, act)?;
        if signal == SIGKILL || signal == SIGSTOP {
            return Err(EINVAL);
        }
    }
    if oldact != 0 {
        copy_to_user(oldact, &[0u8; SIGACTION_SIZE])?;
    }
    Ok(0)
}
