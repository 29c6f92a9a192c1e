//! `cow`: checks that fork gives the child its own memory. Parent and child each write to a
//! static, a stack variable and an anonymous mapping after the fork; neither may see the
//! other's writes. Prints `cow: ok` and exits 0, or says what leaked and exits 1.

#![no_std]
#![no_main]

use core::sync::atomic::{AtomicU64, Ordering};
use rt::{Args, println, sys};

rt::entry!(main);

static SHARED: AtomicU64 = AtomicU64::new(1);

fn main(_args: Args) -> i32 {
    let mut on_stack: u64 = 2;
    let Ok(mapped) = sys::mmap_anonymous(4096) else {
        println!("cow: mmap failed");
        return 1;
    };
    let mapped = mapped.cast::<u64>();
    // SAFETY: the mapping is one page, readable and writable, used only here.
    unsafe { mapped.write_volatile(3) };
    let Ok(child) = sys::fork() else {
        println!("cow: fork failed");
        return 1;
    };
    // SAFETY: as above (each process has its own view of the page).
    let read = |p: *mut u64| unsafe { p.read_volatile() };
    if child == 0 {
        let seen = (SHARED.load(Ordering::SeqCst), on_stack, read(mapped));
        SHARED.store(10, Ordering::SeqCst);
        on_stack = core::hint::black_box(20);
        // SAFETY: as above.
        unsafe { mapped.write_volatile(30) };
        let after = (SHARED.load(Ordering::SeqCst), on_stack, read(mapped));
        sys::exit_group(if seen == (1, 2, 3) && after == (10, 20, 30) {
            0
        } else {
            7
        });
    }
    // The parent writes too, before and after the child has run.
    SHARED.store(100, Ordering::SeqCst);
    let status = match sys::wait4(child as i32) {
        Ok((_, status)) => status,
        Err(err) => {
            println!("cow: wait4 failed: {err}");
            return 1;
        }
    };
    let mine = (
        SHARED.load(Ordering::SeqCst),
        core::hint::black_box(on_stack),
        read(mapped),
    );
    if status != 0 {
        println!("cow: the child saw its parent's writes or lost its own (status {status:#x})");
        return 1;
    }
    if mine != (100, 2, 3) {
        println!("cow: the parent sees {mine:?}, not (100, 2, 3)");
        return 1;
    }
    println!("cow: ok");
    0
}
