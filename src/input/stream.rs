//! Keys as an async [`Stream`]: the consumer side of the input queue for tasks. The keyboard and
//! serial interrupt handlers push raw bytes and wake the one registered reader; decoding happens
//! here, in task context.

use super::{Key, read_key, register_waiter, unregister_waiter};
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, Ordering};
use core::task::{Context, Poll};
use futures_util::Stream;

/// Set while a [`KeyStream`] exists: the queue has one consumer and wakes one waiter.
static TAKEN: AtomicBool = AtomicBool::new(false);

pub struct KeyStream {
    _only_via_take: (),
}

impl KeyStream {
    /// The stream of keys, unless another task already reads it.
    pub fn take() -> Option<KeyStream> {
        (!TAKEN.swap(true, Ordering::AcqRel)).then_some(KeyStream { _only_via_take: () })
    }
}

impl Stream for KeyStream {
    type Item = Key;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Key>> {
        if let Some(key) = read_key() {
            return Poll::Ready(Some(key));
        }
        register_waiter(cx.waker());
        // A key that arrived between the first look and the registration woke nobody: look
        // again now that the waker is in place.
        match read_key() {
            Some(key) => Poll::Ready(Some(key)),
            None => Poll::Pending,
        }
    }
}

impl Drop for KeyStream {
    fn drop(&mut self) {
        unregister_waiter();
        TAKEN.store(false, Ordering::Release);
    }
}
