//! `efault`: passes bad pointers to every system call that takes one and checks that each
//! returns -EFAULT (14) instead of faulting the kernel. Prints `efault: ok, N calls` or one
//! `efault: FAIL` line per call that answered otherwise, and exits with the failure count.

#![no_std]
#![no_main]

use core::arch::asm;
use rt::{Args, println};

rt::entry!(main);

const EFAULT: isize = -14;

/// Addresses no program may pass: null, unmapped user memory, the canonical hole, the kernel.
const BAD: [usize; 4] = [0, 0xdead_0000, 0x0000_8000_0000_0000, 0xffff_ffff_8010_0000];

fn syscall(number: usize, args: [usize; 6]) -> isize {
    let result: isize;
    // SAFETY: a raw system call; the kernel validates every argument (the point of the test),
    // and none of the calls made here changes this program's memory on success.
    unsafe {
        asm!("syscall",
            inlateout("rax") number as isize => result,
            in("rdi") args[0], in("rsi") args[1], in("rdx") args[2],
            in("r10") args[3], in("r8") args[4], in("r9") args[5],
            lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    result
}

fn main(_args: Args) -> i32 {
    let root = c"/".as_ptr() as usize;
    let motd = c"/etc/motd".as_ptr() as usize;
    let dir = syscall(257, [(-100isize) as usize, root, 0o200000, 0, 0, 0]);
    let file = syscall(257, [(-100isize) as usize, motd, 0, 0, 0, 0]);
    // A writable file on the tmpfs, for write(2) on a node.
    let tmp = syscall(
        257,
        [
            (-100isize) as usize,
            c"/tmp/efault".as_ptr() as usize,
            0o101,
            0o644,
            0,
            0,
        ],
    );
    if dir < 0 || file < 0 || tmp < 0 {
        println!("efault: FAIL cannot open / ({dir}), /etc/motd ({file}) or /tmp/efault ({tmp})");
        return 1;
    }
    let (dir, file, tmp) = (dir as usize, file as usize, tmp as usize);
    // A futex word holding 0: FUTEX_WAIT with value 0 reaches the timeout pointer.
    let word = 0u32;
    let word_ptr = &word as *const u32 as usize;
    // A symbolic link for readlink's buffer cases (EEXIST when a run before left it).
    let link = c"/tmp/efault-link".as_ptr() as usize;
    let linked = syscall(88, [motd, link, 0, 0, 0, 0]);
    if linked < 0 && linked != -17 {
        println!("efault: FAIL cannot make /tmp/efault-link ({linked})");
        return 1;
    }
    let tmp_path = c"/tmp/efault".as_ptr() as usize;
    let fdcwd = (-100isize) as usize;
    let mut good = [0u8; 256];
    let good_ptr = good.as_mut_ptr() as usize;
    let mut failures = 0;
    let mut calls = 0;
    for bad in BAD {
        // An iovec whose base is bad.
        let iov = [bad, 16usize];
        let iov_ptr = iov.as_ptr() as usize;
        let cases: [(&str, usize, [usize; 6]); 53] = [
            ("write(tmpfs)", 1, [tmp, bad, 16, 0, 0, 0]),
            ("open(O_CREAT)", 2, [bad, 0o101, 0o644, 0, 0, 0]),
            ("mkdir", 83, [bad, 0o755, 0, 0, 0, 0]),
            ("unlink", 87, [bad, 0, 0, 0, 0, 0]),
            ("mkdirat", 258, [(-100isize) as usize, bad, 0o755, 0, 0, 0]),
            ("unlinkat", 263, [(-100isize) as usize, bad, 0, 0, 0, 0]),
            ("read", 0, [file, bad, 16, 0, 0, 0]),
            ("read(stdin)", 0, [0, bad, 16, 0, 0, 0]),
            ("write", 1, [1, bad, 16, 0, 0, 0]),
            ("open", 2, [bad, 0, 0, 0, 0, 0]),
            ("stat(path)", 4, [bad, good_ptr, 0, 0, 0, 0]),
            ("stat(buf)", 4, [motd, bad, 0, 0, 0, 0]),
            ("fstat", 5, [file, bad, 0, 0, 0, 0]),
            ("lstat", 6, [motd, bad, 0, 0, 0, 0]),
            ("ioctl(TIOCGWINSZ)", 16, [1, 0x5413, bad, 0, 0, 0]),
            ("readv(iov)", 19, [file, bad, 1, 0, 0, 0]),
            ("writev(iov)", 20, [1, bad, 1, 0, 0, 0]),
            ("writev(base)", 20, [1, iov_ptr, 1, 0, 0, 0]),
            ("pipe", 22, [bad, 0, 0, 0, 0, 0]),
            ("nanosleep", 35, [bad, 0, 0, 0, 0, 0]),
            ("wait4(status)", 61, [usize::MAX, bad, 0, 0, 0, 0]),
            ("arch_prctl(GET_FS)", 158, [0x1003, bad, 0, 0, 0, 0]),
            ("getdents64", 217, [dir, bad, 4096, 0, 0, 0]),
            ("clock_gettime", 228, [1, bad, 0, 0, 0, 0]),
            ("openat", 257, [(-100isize) as usize, bad, 0, 0, 0, 0]),
            (
                "newfstatat",
                262,
                [(-100isize) as usize, motd, bad, 0, 0, 0],
            ),
            ("pipe2", 293, [bad, 0, 0, 0, 0, 0]),
            ("statfs(path)", 137, [bad, 0, 0, 0, 0, 0]),
            ("statfs(buf)", 137, [motd, bad, 0, 0, 0, 0]),
            ("fstatfs", 138, [file, bad, 0, 0, 0, 0]),
            ("access", 21, [bad, 0, 0, 0, 0, 0]),
            ("faccessat", 269, [(-100isize) as usize, bad, 0, 0, 0, 0]),
            ("faccessat2", 439, [(-100isize) as usize, bad, 0, 0, 0, 0]),
            ("getcwd", 79, [bad, 256, 0, 0, 0, 0]),
            ("chdir", 80, [bad, 0, 0, 0, 0, 0]),
            ("rt_sigprocmask(set)", 14, [0, bad, 0, 8, 0, 0]),
            ("rt_sigprocmask(oldset)", 14, [0, 0, bad, 8, 0, 0]),
            ("rt_sigaction(act)", 13, [2, bad, 0, 8, 0, 0]),
            ("rt_sigaction(oldact)", 13, [2, 0, bad, 8, 0, 0]),
            // Thread, time and memory calls (docs/threads.md).
            ("futex(uaddr)", 202, [bad, 128, 0, 0, 0, 0]),
            ("futex(timeout)", 202, [word_ptr, 128, 0, bad, 0, 0]),
            ("sigaltstack(ss)", 131, [bad, 0, 0, 0, 0, 0]),
            ("sigaltstack(old)", 131, [0, bad, 0, 0, 0, 0]),
            ("poll", 7, [bad, 1, 0, 0, 0, 0]),
            ("ppoll", 271, [bad, 1, 0, 0, 0, 0]),
            ("clock_getres", 229, [1, bad, 0, 0, 0, 0]),
            ("clock_nanosleep", 230, [1, 0, bad, 0, 0, 0]),
            ("sched_getaffinity", 204, [0, 8, bad, 0, 0, 0]),
            ("getrlimit", 97, [3, bad, 0, 0, 0, 0]),
            ("setrlimit", 160, [3, bad, 0, 0, 0, 0]),
            ("prlimit64(old)", 302, [0, 3, 0, bad, 0, 0]),
            ("prctl(PR_SET_NAME)", 157, [15, bad, 0, 0, 0, 0]),
            ("prctl(PR_GET_NAME)", 157, [16, bad, 0, 0, 0, 0]),
        ];
        // The name, attribute and identity calls busybox uses.
        let more: [(&str, usize, [usize; 6]); 33] = [
            ("statx(path)", 332, [fdcwd, bad, 0, 0x7ff, good_ptr, 0]),
            ("statx(buf)", 332, [fdcwd, motd, 0, 0x7ff, bad, 0]),
            ("readlink(path)", 89, [bad, good_ptr, 16, 0, 0, 0]),
            ("readlink(buf)", 89, [link, bad, 16, 0, 0, 0]),
            ("readlinkat(buf)", 267, [fdcwd, link, bad, 16, 0, 0]),
            ("symlink(target)", 88, [bad, tmp_path, 0, 0, 0, 0]),
            ("symlink(path)", 88, [motd, bad, 0, 0, 0, 0]),
            ("symlinkat(path)", 266, [motd, fdcwd, bad, 0, 0, 0]),
            ("link(old)", 86, [bad, tmp_path, 0, 0, 0, 0]),
            ("link(new)", 86, [tmp_path, bad, 0, 0, 0, 0]),
            ("linkat(new)", 265, [fdcwd, tmp_path, fdcwd, bad, 0, 0]),
            ("rename(old)", 82, [bad, tmp_path, 0, 0, 0, 0]),
            ("rename(new)", 82, [tmp_path, bad, 0, 0, 0, 0]),
            ("renameat2(new)", 316, [fdcwd, tmp_path, fdcwd, bad, 0, 0]),
            ("chmod", 90, [bad, 0o644, 0, 0, 0, 0]),
            ("fchmodat", 268, [fdcwd, bad, 0o644, 0, 0, 0]),
            ("chown", 92, [bad, 0, 0, 0, 0, 0]),
            ("fchownat", 260, [fdcwd, bad, 0, 0, 0, 0]),
            ("utimensat(path)", 280, [fdcwd, bad, 0, 0, 0, 0]),
            ("utimensat(times)", 280, [fdcwd, tmp_path, bad, 0, 0, 0]),
            ("truncate", 76, [bad, 0, 0, 0, 0, 0]),
            ("getrlimit", 97, [3, bad, 0, 0, 0, 0]),
            ("setrlimit", 160, [3, bad, 0, 0, 0, 0]),
            ("prlimit64(new)", 302, [0, 3, bad, 0, 0, 0]),
            ("prlimit64(old)", 302, [0, 3, 0, bad, 0, 0]),
            ("getresuid", 118, [bad, good_ptr, good_ptr, 0, 0, 0]),
            ("gettimeofday", 96, [bad, 0, 0, 0, 0, 0]),
            ("time", 201, [bad, 0, 0, 0, 0, 0]),
            ("clock_nanosleep", 230, [1, 0, bad, 0, 0, 0]),
            ("prctl(PR_SET_NAME)", 157, [15, bad, 0, 0, 0, 0]),
            ("prctl(PR_GET_NAME)", 157, [16, bad, 0, 0, 0, 0]),
            ("sendfile(offset)", 40, [tmp, file, bad, 1, 0, 0]),
            ("lchown", 94, [bad, 0, 0, 0, 0, 0]),
        ];
        for (name, number, args) in more {
            // NULL is "not given" for these pointers (utimensat's times: now; a NULL path
            // from AT_FDCWD is a fault, so it stays).
            let optional = matches!(
                (name, bad),
                ("utimensat(times)" | "prlimit64(new)" | "prlimit64(old)", 0)
                    | ("gettimeofday" | "time" | "sendfile(offset)", 0)
            );
            if optional {
                continue;
            }
            calls += 1;
            let result = syscall(number, args);
            if result != EFAULT {
                println!("efault: FAIL {name} with {bad:#x} returned {result}");
                failures += 1;
            }
        }
        for (name, number, args) in cases {
            // A null status pointer means "do not store it": not a fault.
            // So does a null set or old set for the signal calls.
            if matches!(number, 61 | 13 | 14) && bad == 0 {
                continue;
            }
            // Null is "none" for these too: no timeout (which would wait for ever), no new
            // or old stack, no resolution, no old limit.
            let null_is_none = matches!(
                name,
                "futex(timeout)"
                    | "sigaltstack(ss)"
                    | "sigaltstack(old)"
                    | "clock_getres"
                    | "prlimit64(old)"
            );
            if null_is_none && bad == 0 {
                continue;
            }
            calls += 1;
            let result = syscall(number, args);
            if result != EFAULT {
                println!("efault: FAIL {name} with {bad:#x} returned {result}");
                failures += 1;
            }
        }
    }
    core::hint::black_box(&mut good);
    if failures == 0 {
        println!("efault: ok, {calls} calls returned EFAULT");
    }
    failures
}
