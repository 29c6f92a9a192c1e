//! Keys typed through the QEMU monitor (tests/qemu/keyboard.conf) and bytes sent to the serial
//! port arrive through the input queue and decode to the right characters, in the layout the
//! kernel command line chose; a flood of 10,000 keys neither hangs nor panics, drops input with
//! exactly one warning, and leaves the keyboard working with no modifier stuck.

#![no_std]
#![no_main]

use core::time::Duration;
use kestrel::boot::BootInfo;
use kestrel::input::{self, Key, Layout};
use kestrel::{println, serial_println, time};

kestrel::entry_point!(main);

fn main(boot: &'static BootInfo) -> ! {
    kestrel::devices::start(boot);
    kestrel::run_tests!(
        layout_comes_from_the_command_line,
        us_layout_decodes_letters_digits_and_shift,
        serial_input_arrives_as_keys,
        flood_drops_input_with_one_warning,
    );
}

/// The runner types within a second or so of the prompt; this only bounds a failure.
const KEY_TIMEOUT: Duration = Duration::from_secs(15);

/// The keys the flood types (tests/qemu/keyboard.conf), one with Shift, and that key without.
const FLOOD_KEYS: &str = "asdfgS";

/// Prints `prompt` (which the runner waits for before typing) and checks what arrives, after
/// skipping any characters in `stragglers` that precede it.
fn expect_typed_after(prompt: &str, expected: &str, stragglers: &str) {
    println!("{prompt}");
    let mut started = false;
    for (index, want) in expected.chars().enumerate() {
        let got = loop {
            match input::wait_for_key_timeout(KEY_TIMEOUT).map(as_char) {
                Some(Some(c)) if !started && stragglers.contains(c) => continue,
                Some(Some(c)) => break c,
                Some(None) => continue,
                None => panic!("timed out waiting for {want:?}, character {index} of {expected:?}"),
            }
        };
        started = true;
        assert_eq!(got, want, "character {index} of {expected:?}");
    }
}

/// Text keys as their character, Enter as a newline.
fn as_char(key: Key) -> Option<char> {
    match key {
        Key::Char(c) => Some(c),
        Key::Enter => Some('\n'),
        _ => None,
    }
}

fn expect_typed(prompt: &str, expected: &str) {
    expect_typed_after(prompt, expected, "");
}

fn layout_comes_from_the_command_line() {
    assert_eq!(input::layout(), Layout::De);
    // German keys: Y and Z swapped, Shift+2 is the double quote.
    expect_typed("kestrel: ready for input", "zy\"\n");
    input::set_layout(Layout::Us);
}

fn us_layout_decodes_letters_digits_and_shift() {
    expect_typed("kestrel: type US keys", "aB1@ -\n");
}

fn serial_input_arrives_as_keys() {
    expect_typed("kestrel: type on serial", "hi\n");
}

fn flood_drops_input_with_one_warning() {
    let before = input::stats();
    println!("kestrel: flood me");
    // Read nothing until the flood is over, so the queue must overflow.
    let deadline = time::uptime() + Duration::from_secs(60);
    let mut last = before;
    loop {
        time::sleep(Duration::from_millis(500));
        let now = input::stats();
        let arrived = now.accepted + now.dropped > before.accepted + before.dropped;
        if arrived && now == last {
            break;
        }
        last = now;
        assert!(time::uptime() < deadline, "the flood never ended");
    }
    let flood = input::stats();
    serial_println!(
        "\n  flood: {} events queued, {} dropped",
        flood.accepted - before.accepted,
        flood.dropped - before.dropped
    );
    assert!(
        flood.dropped > before.dropped,
        "the flood never filled the queue"
    );
    let mut keys = 0;
    while let Some(key) = input::read_key() {
        if let Some(c) = as_char(key) {
            assert!(
                c.is_ascii_alphabetic(),
                "the flood typed only letters, got {c:?}"
            );
            keys += 1;
        }
    }
    assert!(keys > 0, "no key of the flood survived");
    assert!(!input::is_pending());
    // Should QEMU still hold back a few flood keys, they arrive first. Lower case: a Shift
    // release lost in the flood must not leave Shift held.
    expect_typed_after("kestrel: flood over", "ok\n", FLOOD_KEYS);
    assert_eq!(
        input::stats().warnings,
        before.warnings + 1,
        "one overflow must give exactly one warning"
    );
}
