//! `print!` and friends over `write(2)`, buffered per call so a line goes out in one write.

use crate::sys::{self, Fd};
use core::fmt::{self, Write};

/// Collects formatted output in a stack buffer and writes it when full and when dropped.
pub struct FdWriter {
    fd: Fd,
    buf: [u8; 512],
    len: usize,
}

impl FdWriter {
    pub const fn new(fd: Fd) -> Self {
        FdWriter {
            fd,
            buf: [0; 512],
            len: 0,
        }
    }

    pub fn flush(&mut self) {
        let _ = sys::write_all(self.fd, &self.buf[..self.len]);
        self.len = 0;
    }
}

impl Write for FdWriter {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        for chunk in text.as_bytes().chunks(self.buf.len()) {
            if self.len + chunk.len() > self.buf.len() {
                self.flush();
            }
            self.buf[self.len..self.len + chunk.len()].copy_from_slice(chunk);
            self.len += chunk.len();
        }
        Ok(())
    }
}

impl Drop for FdWriter {
    fn drop(&mut self) {
        self.flush();
    }
}

#[doc(hidden)]
pub fn _print(fd: Fd, args: fmt::Arguments) {
    let _ = FdWriter::new(fd).write_fmt(args);
}

#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => ($crate::io::_print($crate::sys::STDOUT, format_args!($($arg)*)));
}

#[macro_export]
macro_rules! println {
    () => ($crate::print!("\n"));
    ($($arg:tt)*) => ($crate::io::_print($crate::sys::STDOUT, format_args!("{}\n", format_args!($($arg)*))));
}

#[macro_export]
macro_rules! eprintln {
    ($($arg:tt)*) => ($crate::io::_print($crate::sys::STDERR, format_args!("{}\n", format_args!($($arg)*))));
}
