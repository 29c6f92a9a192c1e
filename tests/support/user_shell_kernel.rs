//! The kernel the user-program shell tests boot: the real shell on the executor (thread 0),
//! with the scheduler running and the initramfs mounted at /, as the main kernel starts them.
//! What is typed and what must come out is in each test's tests/qemu/<name>.conf.

use kestrel::boot::BootInfo;
use kestrel::task::executor::Executor;
use kestrel::task::runtime;
use kestrel::{devices, rootfs, sched, shell};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::testing::exit_on_panic(env!("CARGO_CRATE_NAME"));
    devices::start(boot);
    sched::init();
    rootfs::mount(boot);
    let executor = Executor::new(16);
    let spawner = executor.spawner();
    executor
        .spawn("shell", shell::run(spawner.clone(), || {}))
        .unwrap();
    executor
        .spawn("status", shell::status::run(spawner))
        .unwrap();
    runtime::run(executor)
}
