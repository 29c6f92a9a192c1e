//! The function-call IPI: run a closure on one CPU or on all of them, and wait until each has.
//!
//! One call is in flight at a time (the caller holds [`CALL_LOCK`]). The caller writes the
//! address of a [`Call`] on its own stack into each target's mailbox, sends
//! `CALL_FUNCTION_VECTOR`, and spins until every target has run the closure and counted down
//! `pending`; only then does the `Call` (and what the closure borrows) go out of scope.
//!
//! Deadlock freedom: a CPU waiting for [`CALL_LOCK`] keeps running the calls addressed to it
//! meanwhile ([`handle_call_function`]), so two CPUs calling each other at once cannot wait on
//! each other, even with interrupts off. A closure runs in interrupt context on its target: it
//! must be short, must not allocate and must not take a lock that its target might hold with
//! interrupts off.

use super::{cpu_id, is_online};
use crate::arch::apic::local::{self, Ipi, IpiTarget};
use crate::arch::irq_chip::CALL_FUNCTION_VECTOR;
use crate::arch::percpu::{self, MAX_CPUS};
use core::sync::atomic::{AtomicBool, AtomicPtr, AtomicU32, Ordering};

struct Call<'a> {
    function: &'a (dyn Fn() + Sync),
    /// Targets that have not run it yet.
    pending: AtomicU32,
}

static CALL_LOCK: AtomicBool = AtomicBool::new(false);
/// Per CPU: the call it is asked to run (a `*const Call` with its lifetime erased), or null.
static MAILBOX: [AtomicPtr<()>; MAX_CPUS] =
    [const { AtomicPtr::new(core::ptr::null_mut()) }; MAX_CPUS];

/// Runs `f` on CPU `target` and returns once it has (on this CPU: at once, directly).
/// A CPU that is not online is skipped; returns whether `f` ran.
pub fn call_on(target: u32, f: impl Fn() + Sync) -> bool {
    if target == cpu_id() {
        crate::arch::interrupts::without_interrupts(&f);
        return true;
    }
    if !is_online(target) {
        return false;
    }
    run(&f, |cpu| cpu == target, false) == 1
}

/// Runs `f` on every online CPU at once, this one included (here while the others run it),
/// and returns once all have; returns how many CPUs ran it.
pub fn call_on_all(f: impl Fn() + Sync) -> u32 {
    let me = cpu_id();
    run(&f, |cpu| cpu != me, true) + 1
}

/// Runs `f` on every other online CPU and returns once all have; returns how many did.
pub fn call_on_others(f: impl Fn() + Sync) -> u32 {
    let me = cpu_id();
    run(&f, |cpu| cpu != me, false)
}

/// Sends `function` to the chosen CPUs, runs it here too when `here` (with interrupts off, as
/// on the targets), and waits for the targets.
fn run(function: &(dyn Fn() + Sync), chosen: impl Fn(u32) -> bool, here: bool) -> u32 {
    let targets = || {
        super::cpus()
            .filter(|c| c.state == super::CpuState::Online)
            .map(|c| c.id)
            .filter(|&id| chosen(id))
    };
    if targets().next().is_none() {
        if here {
            crate::arch::interrupts::without_interrupts(function);
        }
        return 0;
    }
    while CALL_LOCK
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        handle_call_function();
        core::hint::spin_loop();
    }
    let call = Call {
        function,
        pending: AtomicU32::new(0),
    };
    let address = (&raw const call).cast_mut().cast::<()>();
    let mut sent = 0;
    for id in targets() {
        call.pending.fetch_add(1, Ordering::SeqCst);
        MAILBOX[id as usize].store(address, Ordering::SeqCst);
        let apic = percpu::cpu(id).map_or(0, |c| c.apic_id());
        local::send_ipi(IpiTarget::Apic(apic), Ipi::Fixed(CALL_FUNCTION_VECTOR));
        sent += 1;
    }
    if here {
        crate::arch::interrupts::without_interrupts(function);
    }
    while call.pending.load(Ordering::Acquire) != 0 {
        // A target may be calling us in turn: it waits for the lock, running our calls
        // meanwhile, so ours completes; nothing else is ever addressed to us while we hold it.
        core::hint::spin_loop();
    }
    CALL_LOCK.store(false, Ordering::Release);
    sent
}

/// Runs the call addressed to this CPU, if any: the IPI handler, and CPUs waiting for the
/// call lock.
pub fn handle_call_function() {
    let Some(mailbox) = MAILBOX.get(cpu_id() as usize) else {
        return;
    };
    let address = mailbox.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if address.is_null() {
        return;
    }
    // SAFETY: `run` stored the address of a `Call` that stays alive until `pending` reaches 0,
    // which happens only below, after the last use of it.
    let call = unsafe { &*address.cast::<Call<'_>>() };
    (call.function)();
    call.pending.fetch_sub(1, Ordering::Release);
}
