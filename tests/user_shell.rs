//! Programs from the shell: a foreground program, crashes reported while the shell lives on,
//! Ctrl-C and kill, and the shell answering while two background spinners run (tests/qemu/user_shell.conf).

#![no_std]
#![no_main]

#[path = "support/user_shell_kernel.rs"]
mod user_shell_kernel;
