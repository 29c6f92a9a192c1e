//! The kernel console: every `print!` goes to the screen and to COM1.
//!
//! The screen is VGA text mode or a framebuffer, whichever the boot loader left (see
//! [`screen::choose`]); until the boot information has been read the console is serial only.
//! Each device has its own spin lock, always taken with interrupts disabled, so an interrupt
//! handler that prints can never spin on a lock that the code it interrupted holds. Fault and
//! panic reports use [`emergency_write`], which does not wait for the locks at all.

pub mod ansi;
pub mod cp437;
pub mod line_claim;
pub mod screen;
pub mod serial_queue;
pub mod sgr;
pub mod text_grid;

use crate::arch::interrupts;
use crate::drivers::framebuffer::console::FramebufferConsole;
use crate::drivers::framebuffer::{BootFramebuffer, Mode};
use crate::drivers::serial::{COM1, SerialPort, com1_unlocked};
use crate::drivers::vga_text::VgaTextBuffer;
use core::fmt::{self, Write};
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};
use futures_util::task::AtomicWaker;
use screen::{Choice, NoScreen, Screen, ScreenKind};
use spin::{Mutex, Once};
use text_grid::{ColorCode, HEIGHT, TextGrid, WIDTH};

pub type ScreenConsole = TextGrid<Screen>;

pub static SCREEN: Mutex<ScreenConsole> = Mutex::new(TextGrid::new(Screen::Headless));
pub static SERIAL: Mutex<SerialPort> = Mutex::new(SerialPort::new(COM1));
/// The framebuffer the console draws on, once chosen.
static FRAMEBUFFER: Once<Mode> = Once::new();

/// Brings up the serial console. The screen follows with [`select_screen`], once the boot
/// information says what there is: under UEFI there is no VGA text memory to clear.
pub fn init() {
    interrupts::without_interrupts(|| {
        // The driver records what it found, for the lock-free paths (`com1_unlocked`).
        SERIAL.lock().init();
    });
}

/// Attaches the screen the boot information describes and clears it. Returns the choice, for
/// the boot log.
pub fn select_screen(framebuffer: Option<BootFramebuffer>) -> Choice {
    let mut choice = screen::choose(framebuffer);
    if choice == Choice::VgaText && !crate::drivers::vga_text::responds() {
        choice = Choice::Headless(NoScreen::NoVgaText);
    }
    match choice {
        Choice::VgaText => use_vga_text(),
        Choice::Framebuffer(mode) => {
            let base = NonNull::new(mode.address() as *mut u8)
                .expect("Mode::new rejects a null framebuffer");
            // SAFETY: `choose` checked that the framebuffer lies in the identity-mapped low
            // 4 GiB, and the boot loader handed it to the kernel, whose only user is this
            // console.
            let mut console = unsafe { FramebufferConsole::new(base, *mode.geometry()) };
            console.blank();
            let (columns, rows) = (console.columns(), console.rows());
            FRAMEBUFFER.call_once(|| mode);
            attach(Screen::Framebuffer(console), columns, rows);
        }
        Choice::Headless(_) => attach(Screen::Headless, WIDTH, HEIGHT),
    }
    choice
}

/// Puts the console on VGA text mode: the best guess when the boot information cannot be
/// read (the trampoline reports its own errors there too).
pub fn use_vga_text() {
    // SAFETY: the console holds the only `VgaTextBuffer`: the one it replaces, if any, is
    // dropped. The boot page tables map its higher-half alias.
    let vga = unsafe { VgaTextBuffer::new() };
    attach(Screen::VgaText(vga), WIDTH, HEIGHT);
}

fn attach(screen: Screen, columns: usize, rows: usize) {
    interrupts::without_interrupts(|| {
        SCREEN.lock().replace_sink(screen, columns, rows);
    });
}

pub fn screen_kind() -> ScreenKind {
    interrupts::without_interrupts(|| SCREEN.lock().sink().kind())
}

/// The framebuffer the console draws on, if it draws on one: what the kernel's page tables
/// must map (write-combining) before [`rebase_framebuffer`].
pub fn framebuffer() -> Option<Mode> {
    FRAMEBUFFER.get().copied()
}

/// Gives the framebuffer console a shadow buffer in RAM, so that the framebuffer is only ever
/// written (see `framebuffer::console`). Needs the heap; does nothing on other screens.
pub fn attach_framebuffer_shadow() {
    let Some(mode) = framebuffer() else { return };
    let shadow = alloc::vec![0u8; mode.geometry().size_bytes()].leak();
    interrupts::without_interrupts(|| {
        let mut screen = SCREEN.lock();
        if let Screen::Framebuffer(console) = screen.sink_mut() {
            console.attach_shadow(shadow);
            screen.redraw();
        }
    });
}

/// Moves the framebuffer console to a new virtual address of the same framebuffer. Call it
/// after mapping the new address and before unmapping the old one (the identity map).
///
/// # Safety
/// `virt` must map all of [`framebuffer`]'s `size_bytes()`, writable, for the rest of the
/// kernel's life.
pub unsafe fn rebase_framebuffer(virt: NonNull<u8>) {
    interrupts::without_interrupts(|| {
        if let Screen::Framebuffer(console) = SCREEN.lock().sink_mut() {
            // SAFETY: the caller vouches that `virt` maps this framebuffer.
            unsafe { console.rebase(virt) };
        }
    });
}

#[doc(hidden)]
pub fn _print(args: fmt::Arguments) {
    line_claim::claim();
    interrupts::without_interrupts(|| {
        // Writing to the screen cannot fail: its `write_str` always returns Ok.
        let _ = SCREEN.lock().write_fmt(args);
        let ended_line = serial_queue::queue(&SERIAL, args);
        line_claim::finish(ended_line);
    });
    // The UART is slow: it gets the bytes with interrupts on between chunks.
    serial_queue::drain(&SERIAL);
}

/// Whether the last output ended a line (as the screen's cursor shows; serial mirrors it).
pub fn at_line_start() -> bool {
    interrupts::without_interrupts(|| SCREEN.lock().cursor().1 == 0)
}

/// Set when output had to break into a line someone was typing (a log line arriving while the
/// shell shows its prompt), so that the line's owner can draw it again below.
static LINE_INTERRUPTED: AtomicBool = AtomicBool::new(false);
static LINE_OWNER: AtomicWaker = AtomicWaker::new();

/// Whether output broke into the line being edited since the last look (and forgets it).
pub fn take_line_interrupted() -> bool {
    LINE_INTERRUPTED.swap(false, Ordering::AcqRel)
}

/// Says that output broke into the line being edited; wakes whoever waits in
/// [`poll_line_interrupted`]. Safe from interrupt handlers: it only sets a flag and wakes.
pub fn note_line_interrupted() {
    LINE_INTERRUPTED.store(true, Ordering::Release);
    LINE_OWNER.wake();
}

/// Ready once since the last call if [`note_line_interrupted`] happened; registers the waker
/// otherwise.
pub fn poll_line_interrupted(cx: &mut Context<'_>) -> Poll<()> {
    if LINE_INTERRUPTED.swap(false, Ordering::AcqRel) {
        return Poll::Ready(());
    }
    LINE_OWNER.register(cx.waker());
    // A note between the first check and the registration woke nobody: look again.
    match LINE_INTERRUPTED.swap(false, Ordering::AcqRel) {
        true => Poll::Ready(()),
        false => Poll::Pending,
    }
}

/// Both consoles as one `fmt::Write`, for code that writes to any writer.
pub struct Consoles;

impl Write for Consoles {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        _print(format_args!("{text}"));
        Ok(())
    }
}

/// The screen alone as a `fmt::Write`: the line editor draws each console on its own, since
/// each wraps at its own width.
pub struct ScreenOnly;

impl Write for ScreenOnly {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        interrupts::without_interrupts(|| SCREEN.lock().write_str(text));
        Ok(())
    }
}

/// The serial console alone as a `fmt::Write`.
pub struct SerialOnly;

impl Write for SerialOnly {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        _serial_print(format_args!("{text}"));
        Ok(())
    }
}

/// The screen's width in characters.
pub fn screen_columns() -> usize {
    interrupts::without_interrupts(|| SCREEN.lock().columns())
}

/// The screen's text grid as (columns, rows), status row included; (0, 0) without a screen
/// (what a terminal's window size is taken from).
pub fn screen_size() -> (usize, usize) {
    interrupts::without_interrupts(|| {
        let screen = SCREEN.lock();
        match screen.sink().kind() {
            ScreenKind::Headless => (0, 0),
            _ => (screen.columns(), screen.rows()),
        }
    })
}

/// What the screen answers to the report requests (DSR) in the output so far, taken once: the
/// TTY hands it to the program as typed input, as a terminal sends its answer back. Nothing
/// without a screen (a serial terminal answers for itself).
pub fn take_screen_reply() -> Option<ansi::Reply> {
    interrupts::without_interrupts(|| {
        let mut screen = SCREEN.lock();
        let reply = screen.take_reply();
        (screen.sink().kind() != ScreenKind::Headless).then_some(reply?)
    })
}

/// The width assumed for a serial terminal, which cannot be asked cheaply: the classic 80.
pub const SERIAL_COLUMNS: usize = 80;

/// Blanks the screen and homes its cursor; asks a serial terminal to do the same (ANSI).
pub fn clear() {
    interrupts::without_interrupts(|| {
        SCREEN.lock().clear();
        serial_queue::queue(&SERIAL, format_args!("\x1b[2J\x1b[H"));
    });
    serial_queue::drain(&SERIAL);
}

/// Shows `text` in the screen's top-right corner without moving the cursor. The top row is
/// kept for it from the first call on, so it never covers text (a line typed after `clear`).
/// The screen only: on a serial terminal it would interleave with the output.
pub fn show_status(text: &str, color: ColorCode) {
    interrupts::without_interrupts(|| {
        let mut screen = SCREEN.lock();
        screen.reserve_top_row();
        let col = screen.columns().saturating_sub(text.len());
        screen.write_at(0, col, text, color);
    });
}

#[doc(hidden)]
pub fn _serial_print(args: fmt::Arguments) {
    line_claim::claim();
    interrupts::without_interrupts(|| line_claim::finish(serial_queue::queue(&SERIAL, args)));
    serial_queue::drain(&SERIAL);
}

/// Prints `before`, then `colored` in `color` on the screen (serial has no colours), then
/// `after`, as one piece: another CPU's output cannot come in between (a log line).
pub fn print_with_colored(
    before: fmt::Arguments,
    color: ColorCode,
    colored: fmt::Arguments,
    after: fmt::Arguments,
) {
    line_claim::claim();
    interrupts::without_interrupts(|| {
        let mut screen = SCREEN.lock();
        let _ = screen.write_fmt(before);
        let previous = screen.color();
        screen.set_color(color);
        let _ = screen.write_fmt(colored);
        screen.set_color(previous);
        let _ = screen.write_fmt(after);
        drop(screen);
        let ended_line = serial_queue::queue(&SERIAL, format_args!("{before}{colored}{after}"));
        line_claim::finish(ended_line);
    });
    serial_queue::drain(&SERIAL);
}

/// Prints in `color` on the screen (serial has no colours), restoring the previous colour.
pub fn print_colored(color: ColorCode, args: fmt::Arguments) {
    line_claim::claim();
    interrupts::without_interrupts(|| {
        let mut screen = SCREEN.lock();
        let previous = screen.color();
        screen.set_color(color);
        let _ = screen.write_fmt(args);
        screen.set_color(previous);
        drop(screen);
        line_claim::finish(serial_queue::queue(&SERIAL, args));
    });
    serial_queue::drain(&SERIAL);
}

/// Writes to both consoles even if their locks are held, by code this CPU interrupted or that
/// died holding them. Only for reports that must get out (panics, fatal exceptions), after
/// `smp::halt_others` has stopped the other CPUs: output may interleave with whatever the
/// interrupted writer was doing.
pub fn emergency_write(args: fmt::Arguments) {
    interrupts::without_interrupts(|| {
        if SCREEN.is_locked() {
            // SAFETY: interrupts are off and the other CPUs are halted (`smp::halt_others`), so
            // the holder cannot be running now; it was interrupted, stopped, or is this very
            // path. The screen stays consistent enough to read, which is all a dying kernel
            // needs.
            unsafe { SCREEN.force_unlock() };
        }
        let mut screen = SCREEN.lock();
        screen.reset_escape();
        let _ = screen.write_fmt(args);
        drop(screen);
        emergency_write_serial(args);
    });
}

/// Before a panic or fatal exception report, once the other CPUs are stopped: the whole lines
/// they queued for serial go out first, so that the report follows them as one block.
pub fn flush_before_report() {
    interrupts::without_interrupts(|| {
        let mut serial = com1_unlocked();
        // SAFETY: the other CPUs are halted (`smp::halt_others`) and interrupts are off, so
        // nothing else uses the queue.
        unsafe { serial_queue::drain_forced(&mut serial) };
    });
}

/// The serial half of [`emergency_write`], for when the screen code itself may have failed.
pub fn emergency_write_serial(args: fmt::Arguments) {
    interrupts::without_interrupts(|| {
        // A second driver handle bypasses the lock without touching the interrupted writer's
        // state.
        let mut serial = com1_unlocked();
        let _ = serial.write_fmt(args);
        serial.flush();
    });
}

/// Waits until COM1 has sent everything, before an exit or reset cuts it off. Called on the
/// way out of fatal errors too, so it does not wait for a lock the failing code may hold.
pub fn flush() {
    serial_queue::drain(&SERIAL);
    interrupts::without_interrupts(|| match SERIAL.try_lock() {
        Some(mut serial) => serial.flush(),
        None => com1_unlocked().flush(),
    });
}

/// Whether no console lock is held: code that may run while the interrupted code holds one
/// (exception handlers) checks this before printing normally.
pub fn is_idle() -> bool {
    !SCREEN.is_locked() && !SERIAL.is_locked() && !serial_queue::is_locked()
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::console::_print(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::console::_print(format_args!("{}\n", format_args!($($arg)*))));
}

#[macro_export]
macro_rules! serial_print {
    ($($arg:tt)*) => ($crate::console::_serial_print(format_args!($($arg)*)));
}

#[macro_export]
macro_rules! serial_println {
    () => ($crate::serial_print!("\n"));
    ($($arg:tt)*) => ($crate::console::_serial_print(format_args!("{}\n", format_args!($($arg)*))));
}
