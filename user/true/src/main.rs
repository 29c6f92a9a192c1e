//! Exits at once with status 0: the smallest program, for timing `execve`.

#![no_std]
#![no_main]

rt::entry!(main);

fn main(_: rt::Args) -> i32 {
    0
}
