//! `ls [DIR...]`: lists the entries of each directory (default `.`), one per line, through
//! `getdents64(2)`.

#![no_std]
#![no_main]

use core::ffi::CStr;
use rt::sys;
use rt::{Args, Errno, eprintln, println};

rt::entry!(main);

fn main(args: Args) -> i32 {
    if args.len() < 2 {
        return report(".", list(c"."));
    }
    let many = args.len() > 2;
    let mut status = 0;
    for dir in args.iter().skip(1) {
        let name = dir.to_str().unwrap_or("?");
        if many {
            println!("{name}:");
        }
        status |= report(name, list(dir));
    }
    status
}

/// `struct linux_dirent64`: u64 inode, i64 offset, u16 record length, u8 type, then the name.
const NAME_OFFSET: usize = 19;
const RECLEN_OFFSET: usize = 16;
const TYPE_OFFSET: usize = 18;
const DT_DIR: u8 = 4;
const DT_LNK: u8 = 10;

fn list(dir: &CStr) -> Result<(), Errno> {
    let fd = sys::open(dir, sys::O_RDONLY | sys::O_DIRECTORY | sys::O_CLOEXEC, 0)?;
    let mut buf = [0u8; 2048];
    let result = loop {
        let len = match sys::getdents64(fd, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(len) => len.min(buf.len()),
            Err(err) => break Err(err),
        };
        let mut at = 0;
        while at + NAME_OFFSET < len {
            let reclen =
                u16::from_le_bytes([buf[at + RECLEN_OFFSET], buf[at + RECLEN_OFFSET + 1]]) as usize;
            if reclen < NAME_OFFSET || at + reclen > len {
                break;
            }
            let record = &buf[at..at + reclen];
            let name = CStr::from_bytes_until_nul(&record[NAME_OFFSET..])
                .ok()
                .and_then(|name| name.to_str().ok())
                .unwrap_or("?");
            let suffix = match record[TYPE_OFFSET] {
                DT_DIR => "/",
                DT_LNK => "@",
                _ => "",
            };
            if name != "." && name != ".." {
                println!("{name}{suffix}");
            }
            at += reclen;
        }
    };
    let _ = sys::close(fd);
    result
}

fn report(name: &str, result: Result<(), Errno>) -> i32 {
    match result {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("ls: {name}: {err}");
            1
        }
    }
}
