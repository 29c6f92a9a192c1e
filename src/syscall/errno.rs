//! Linux's errno values (`asm-generic/errno-base.h`, `errno.h`); a system call returns the
//! negation.

pub type Errno = i32;

pub const EPERM: Errno = 1;
pub const ENOENT: Errno = 2;
pub const ESRCH: Errno = 3;
pub const EINTR: Errno = 4;
pub const ENXIO: Errno = 6;
pub const EIO: Errno = 5;
pub const E2BIG: Errno = 7;
pub const ENOEXEC: Errno = 8;
pub const EBADF: Errno = 9;
pub const ECHILD: Errno = 10;
pub const EAGAIN: Errno = 11;
pub const ENOMEM: Errno = 12;
pub const EACCES: Errno = 13;
pub const EFAULT: Errno = 14;
pub const EEXIST: Errno = 17;
pub const EXDEV: Errno = 18;
pub const ENODEV: Errno = 19;
pub const ENOTDIR: Errno = 20;
pub const EISDIR: Errno = 21;
pub const EINVAL: Errno = 22;
pub const EMFILE: Errno = 24;
pub const ENOTTY: Errno = 25;
pub const ESPIPE: Errno = 29;
pub const EROFS: Errno = 30;
pub const EPIPE: Errno = 32;
pub const ERANGE: Errno = 34;
pub const ENAMETOOLONG: Errno = 36;
pub const ENOSYS: Errno = 38;
pub const EOPNOTSUPP: Errno = 95;
pub const ETIMEDOUT: Errno = 110;

// Kernel-internal restart codes (Linux `include/linux/errno.h`): a system call that a signal
// interrupted returns one, and the return path (`process::signal::deliver`) turns it into a
// restart or `EINTR`. They never reach a program.
/// Restart unless a handler without `SA_RESTART` runs (then `EINTR`).
pub const ERESTARTSYS: Errno = 512;
/// Always restart.
pub const ERESTARTNOINTR: Errno = 513;
/// Restart unless a handler runs (then `EINTR`).
pub const ERESTARTNOHAND: Errno = 514;
/// Like `ERESTARTNOHAND` (Linux restarts through restart_syscall; Kestrel runs it again).
pub const ERESTART_RESTARTBLOCK: Errno = 516;
