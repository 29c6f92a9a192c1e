//! Prints a greeting and its arguments: the first program Kestrel runs in user mode.

#![no_std]
#![no_main]

use rt::{Args, println};

rt::entry!(main);

fn main(args: Args) -> i32 {
    println!("Hello from user space (pid {})", rt::sys::getpid());
    for (i, arg) in args.iter().enumerate().skip(1) {
        println!("argv[{i}] = {}", arg.to_str().unwrap_or("?"));
    }
    0
}
