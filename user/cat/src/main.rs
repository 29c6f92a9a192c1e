//! `cat [FILE...]`: copies each file, or standard input, to standard output.

#![no_std]
#![no_main]

use rt::sys::{self, Fd};
use rt::{Args, Errno, eprintln};

rt::entry!(main);

fn main(args: Args) -> i32 {
    if args.len() < 2 {
        return report("-", copy(sys::STDIN));
    }
    let mut status = 0;
    for path in args.iter().skip(1) {
        let name = path.to_str().unwrap_or("?");
        let result = sys::open(path, sys::O_RDONLY, 0).and_then(|fd| {
            let copied = copy(fd);
            let _ = sys::close(fd);
            copied
        });
        status |= report(name, result);
    }
    status
}

fn copy(fd: Fd) -> Result<(), Errno> {
    let mut buf = [0u8; 4096];
    loop {
        match sys::read(fd, &mut buf)? {
            0 => return Ok(()),
            n => sys::write_all(sys::STDOUT, &buf[..n])?,
        }
    }
}

fn report(name: &str, result: Result<(), Errno>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("cat: {name}: {err}");
            1
        }
    }
}
