//! [`Hook`]: a function pointer kept in an atomic, so that an interrupt handler can read it
//! without a lock while ordinary code installs or removes it.

use core::marker::PhantomData;
use core::sync::atomic::{AtomicUsize, Ordering};

/// A function-pointer type a [`Hook`] can hold.
///
/// # Safety
/// `from_raw(into_raw(f))` must give back `f`, and `into_raw` must never return 0.
pub unsafe trait FnPointer: Copy {
    fn into_raw(self) -> usize;

    /// # Safety
    /// `raw` must come from [`FnPointer::into_raw`] of this same type.
    unsafe fn from_raw(raw: usize) -> Self;
}

/// Implements [`FnPointer`] for plain `fn` types.
#[macro_export]
macro_rules! fn_pointer {
    ($($ty:ty),* $(,)?) => {$(
        // SAFETY: a function pointer is a non-null address that round-trips through usize.
        unsafe impl $crate::hook::FnPointer for $ty {
            fn into_raw(self) -> usize {
                self as usize
            }

            unsafe fn from_raw(raw: usize) -> Self {
                // SAFETY: per the trait, `raw` came from `into_raw` of this type.
                unsafe { core::mem::transmute::<usize, $ty>(raw) }
            }
        }
    )*};
}

fn_pointer!(fn(), fn(u64));

/// An optional `F`, read and written atomically (SeqCst: installing a hook happens before any
/// interrupt that can see it).
pub struct Hook<F: FnPointer> {
    raw: AtomicUsize,
    _kind: PhantomData<F>,
}

impl<F: FnPointer> Hook<F> {
    pub const fn new() -> Self {
        Hook {
            raw: AtomicUsize::new(0),
            _kind: PhantomData,
        }
    }

    pub fn set(&self, hook: Option<F>) {
        self.raw
            .store(hook.map_or(0, FnPointer::into_raw), Ordering::SeqCst);
    }

    pub fn get(&self) -> Option<F> {
        let raw = self.raw.load(Ordering::SeqCst);
        // SAFETY: the only non-zero values ever stored are `F::into_raw` results.
        (raw != 0).then(|| unsafe { F::from_raw(raw) })
    }
}

impl<F: FnPointer> Default for Hook<F> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::sync::atomic::AtomicU64;

    static CALLS: AtomicU64 = AtomicU64::new(0);

    fn add(n: u64) {
        CALLS.fetch_add(n, Ordering::SeqCst);
    }

    #[test]
    fn holds_and_clears_a_function() {
        let hook: Hook<fn(u64)> = Hook::new();
        assert!(hook.get().is_none());
        hook.set(Some(add));
        hook.get().unwrap()(5);
        assert_eq!(CALLS.load(Ordering::SeqCst), 5);
        hook.set(None);
        assert!(hook.get().is_none());
    }
}
