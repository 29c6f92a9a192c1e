//! The program's arguments and environment, read from the initial stack (System V AMD64 ABI
//! §3.4.1): argc, then argc pointers and a null, then the environment pointers and a null.

use core::ffi::CStr;

/// `repr(C)`: it crosses the `extern "C"` boundary between the runtime and `entry!`.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct Args {
    argc: usize,
    argv: *const *const u8,
    envp: *const *const u8,
}

impl Args {
    /// # Safety
    /// `stack` must be the initial stack pointer the kernel started the program with.
    pub unsafe fn from_initial_stack(stack: *const usize) -> Self {
        // SAFETY: per the caller, argc sits at the stack pointer and the pointer arrays follow.
        unsafe {
            let argc = *stack;
            let argv = stack.add(1) as *const *const u8;
            let envp = argv.add(argc + 1);
            Args { argc, argv, envp }
        }
    }

    pub fn len(&self) -> usize {
        self.argc
    }

    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// Argument `i` (0 is the program's name), as the NUL-terminated string the kernel passed.
    pub fn get(&self, i: usize) -> Option<&'static CStr> {
        if i >= self.argc {
            return None;
        }
        // SAFETY: i < argc, and each argv entry points at a NUL-terminated string that lives
        // as long as the process.
        unsafe { Some(CStr::from_ptr((*self.argv.add(i)).cast())) }
    }

    /// Argument `i` as text; arguments that are not UTF-8 read as "".
    pub fn str(&self, i: usize) -> Option<&'static str> {
        self.get(i).map(|arg| arg.to_str().unwrap_or(""))
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static CStr> + '_ {
        (0..self.argc).filter_map(|i| self.get(i))
    }

    /// The environment strings (`NAME=value`).
    pub fn env(&self) -> impl Iterator<Item = &'static CStr> {
        let envp = self.envp;
        (0..)
            // SAFETY: the environment array ends with a null, and the walk stops there.
            .map(move |i| unsafe { *envp.add(i) })
            .take_while(|ptr| !ptr.is_null())
            // SAFETY: each non-null entry is a NUL-terminated string that lives as long as the
            // process.
            .map(|ptr| unsafe { CStr::from_ptr(ptr.cast()) })
    }

    /// The raw environment array, for passing on through `execve`.
    pub fn envp(&self) -> *const *const u8 {
        self.envp
    }
}
