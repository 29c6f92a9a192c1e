//! Cooperative multitasking: tasks are futures, polled by an [`executor::Executor`] when their
//! waker says they can make progress.

pub mod executor;
pub mod ready_queue;
pub mod runtime;
pub mod timer;

use alloc::boxed::Box;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskId(pub(crate) u64);

impl TaskId {
    fn next() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TaskId(NEXT.fetch_add(1, Ordering::Relaxed))
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl core::fmt::Display for TaskId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Through u64's own Display, so widths and alignment in format strings apply.
        core::fmt::Display::fmt(&self.0, f)
    }
}

pub struct Task {
    id: TaskId,
    name: &'static str,
    future: Pin<Box<dyn Future<Output = ()> + Send>>,
}

impl Task {
    pub fn new(name: &'static str, future: impl Future<Output = ()> + Send + 'static) -> Self {
        Task {
            id: TaskId::next(),
            name,
            future: Box::pin(future),
        }
    }

    pub fn id(&self) -> TaskId {
        self.id
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    fn poll(&mut self, context: &mut Context) -> Poll<()> {
        self.future.as_mut().poll(context)
    }
}

/// Why a task could not be spawned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpawnError {
    /// The executor already runs as many tasks as it was built for.
    TooManyTasks { limit: usize },
}

impl core::fmt::Display for SpawnError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SpawnError::TooManyTasks { limit } => {
                write!(f, "too many tasks (the executor runs at most {limit})")
            }
        }
    }
}
