//! The task executor: polls tasks when their wakers fire, and only then.
//!
//! Full-queue policy: the ready queue can never overflow, by construction. A task is in it at
//! most once (its waker's `queued` flag), a finished task never re-enters it, and its capacity
//! is twice the task limit (live tasks plus stale entries of tasks that finished while queued).
//! Backpressure happens earlier, at spawn time: spawning beyond the limit returns
//! [`SpawnError::TooManyTasks`] instead of queueing without bound.

use super::ready_queue::ReadyQueue;
use super::{SpawnError, Task, TaskId};
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::vec::Vec;
use core::future::Future;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use core::task::{Context, Waker};
use spin::Mutex;

/// One task's waker. Waking only sets a flag and pushes the id onto the lock-free ready queue:
/// no lock, no allocation, so it is safe from interrupt handlers.
struct TaskWaker {
    id: TaskId,
    queued: AtomicBool,
    ready: Arc<ReadyQueue>,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            // Cannot fail: see the module comment on the queue's capacity. Were it to, the task
            // would never run again, so debug builds say so.
            let pushed = self.ready.push(self.id);
            debug_assert!(pushed.is_ok(), "ready queue full: task {} lost", self.id);
        }
    }
}

struct Entry {
    task: Task,
    state: Arc<TaskWaker>,
    /// Built once per task: creating a `Waker` on every poll would allocate.
    waker: Waker,
}

/// Tasks spawned but not yet taken in by the executor, shared with every [`Spawner`].
struct Spawns {
    pending: Mutex<VecDeque<Task>>,
    /// Live tasks plus pending spawns, checked against `limit` at spawn time.
    count: AtomicUsize,
    limit: usize,
    /// What the executor runs, readable from inside tasks (the `tasks` shell command).
    registry: Mutex<BTreeMap<TaskId, TaskInfo>>,
}

/// A handle that spawns tasks onto an executor, also from inside its tasks.
#[derive(Clone)]
pub struct Spawner {
    spawns: Arc<Spawns>,
}

impl Spawner {
    pub fn spawn(
        &self,
        name: &'static str,
        future: impl Future<Output = ()> + Send + 'static,
    ) -> Result<TaskId, SpawnError> {
        let limit = self.spawns.limit;
        self.spawns
            .count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|_| SpawnError::TooManyTasks { limit })?;
        let task = Task::new(name, future);
        let id = task.id();
        self.spawns.pending.lock().push_back(task);
        Ok(id)
    }

    /// The executor's tasks, in spawn order (also callable from inside a task).
    pub fn tasks(&self) -> Vec<TaskInfo> {
        self.spawns.registry.lock().values().copied().collect()
    }

    pub fn task_count(&self) -> usize {
        self.spawns.count.load(Ordering::Acquire)
    }

    pub fn task_limit(&self) -> usize {
        self.spawns.limit
    }
}

/// What the `tasks` shell command shows about a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskInfo {
    pub id: TaskId,
    pub name: &'static str,
    pub polls: u64,
}

pub struct Executor {
    tasks: BTreeMap<TaskId, Entry>,
    ready: Arc<ReadyQueue>,
    spawner: Spawner,
}

impl Executor {
    /// An executor for at most `max_tasks` tasks at a time.
    pub fn new(max_tasks: usize) -> Self {
        Executor {
            tasks: BTreeMap::new(),
            ready: Arc::new(ReadyQueue::with_capacity(2 * max_tasks)),
            spawner: Spawner {
                spawns: Arc::new(Spawns {
                    pending: Mutex::new(VecDeque::new()),
                    count: AtomicUsize::new(0),
                    limit: max_tasks,
                    registry: Mutex::new(BTreeMap::new()),
                }),
            },
        }
    }

    pub fn spawner(&self) -> Spawner {
        self.spawner.clone()
    }

    pub fn spawn(
        &self,
        name: &'static str,
        future: impl Future<Output = ()> + Send + 'static,
    ) -> Result<TaskId, SpawnError> {
        self.spawner.spawn(name, future)
    }

    /// Polls every task that is ready now, once each, and returns how many were polled. Tasks
    /// woken during this pass wait for the next one, so a task that keeps waking itself cannot
    /// starve the caller's timer and idle checks.
    pub fn run_ready(&mut self) -> usize {
        self.accept_spawns();
        let mut polled = 0;
        for _ in 0..self.ready.len() {
            let Some(id) = self.ready.pop() else { break };
            let Some(entry) = self.tasks.get_mut(&id) else {
                continue; // a stale entry of a task that has finished
            };
            // Cleared before polling, so a wake during the poll queues the task again.
            entry.state.queued.store(false, Ordering::Release);
            let mut context = Context::from_waker(&entry.waker);
            polled += 1;
            let finished = entry.task.poll(&mut context).is_ready();
            let spawns = &self.spawner.spawns;
            if finished {
                // Keep the flag set forever: a late wake of a finished task queues nothing.
                entry.state.queued.store(true, Ordering::Release);
                self.tasks.remove(&id);
                spawns.registry.lock().remove(&id);
                spawns.count.fetch_sub(1, Ordering::AcqRel);
            } else if let Some(info) = spawns.registry.lock().get_mut(&id) {
                info.polls += 1;
            }
        }
        polled
    }

    /// Whether a call to [`Executor::run_ready`] would find work.
    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty() || !self.spawner.spawns.pending.lock().is_empty()
    }

    pub fn task_count(&self) -> usize {
        self.spawner.task_count()
    }

    pub fn tasks(&self) -> Vec<TaskInfo> {
        self.spawner.tasks()
    }

    fn accept_spawns(&mut self) {
        loop {
            // Pop one at a time: a lock held while inserting could be wanted by nothing else,
            // but keeping critical sections short is cheap insurance.
            let Some(task) = self.spawner.spawns.pending.lock().pop_front() else {
                break;
            };
            let state = Arc::new(TaskWaker {
                id: task.id,
                queued: AtomicBool::new(false),
                ready: self.ready.clone(),
            });
            let waker = Waker::from(state.clone());
            waker.wake_by_ref(); // a new task is polled once to get going
            self.spawner.spawns.registry.lock().insert(
                task.id,
                TaskInfo {
                    id: task.id,
                    name: task.name,
                    polls: 0,
                },
            );
            self.tasks.insert(task.id, Entry { task, state, waker });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use core::pin::Pin;
    use core::task::Poll;
    use std::sync::Mutex as StdMutex;
    use std::vec;

    /// A future that completes once `flag` is set, registering its waker meanwhile.
    struct WaitFor {
        flag: Arc<AtomicBool>,
        waker: Arc<StdMutex<Option<Waker>>>,
    }

    impl Future for WaitFor {
        type Output = ();
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            if self.flag.load(Ordering::Acquire) {
                return Poll::Ready(());
            }
            *self.waker.lock().unwrap() = Some(cx.waker().clone());
            Poll::Pending
        }
    }

    /// Yields once (waking itself) before completing.
    async fn yield_now() {
        let mut yielded = false;
        core::future::poll_fn(|cx| {
            if yielded {
                Poll::Ready(())
            } else {
                yielded = true;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }

    #[test]
    fn runs_tasks_to_completion_in_spawn_order() {
        let log = Arc::new(StdMutex::new(vec![]));
        let mut executor = Executor::new(8);
        for i in 0..3 {
            let log = log.clone();
            executor
                .spawn("t", async move { log.lock().unwrap().push(i) })
                .unwrap();
        }
        assert_eq!(executor.task_count(), 3);
        assert_eq!(executor.run_ready(), 3);
        assert_eq!(*log.lock().unwrap(), [0, 1, 2]);
        assert_eq!(executor.task_count(), 0);
        assert!(!executor.has_ready());
    }

    #[test]
    fn pending_task_is_polled_again_only_after_wake() {
        let flag = Arc::new(AtomicBool::new(false));
        let waker = Arc::new(StdMutex::new(None));
        let mut executor = Executor::new(4);
        let future = WaitFor {
            flag: flag.clone(),
            waker: waker.clone(),
        };
        executor.spawn("waiter", future).unwrap();
        assert_eq!(executor.run_ready(), 1);
        assert_eq!(executor.run_ready(), 0, "not woken: must not be polled");
        assert!(!executor.has_ready());
        flag.store(true, Ordering::Release);
        let w = waker.lock().unwrap().take().unwrap();
        w.wake_by_ref();
        w.wake_by_ref(); // a second wake before the poll queues it only once
        assert!(executor.has_ready());
        assert_eq!(executor.run_ready(), 1);
        assert_eq!(executor.task_count(), 0);
        w.wake(); // waking a finished task is harmless
        assert!(!executor.has_ready());
        assert_eq!(executor.tasks()[..], []);
    }

    #[test]
    fn self_waking_task_runs_once_per_pass() {
        let mut executor = Executor::new(4);
        executor
            .spawn("yielder", async { yield_now().await })
            .unwrap();
        assert_eq!(executor.run_ready(), 1);
        assert!(executor.has_ready());
        assert_eq!(executor.run_ready(), 1);
        assert_eq!(executor.task_count(), 0);
    }

    #[test]
    fn tasks_spawn_tasks() {
        let log = Arc::new(StdMutex::new(vec![]));
        let mut executor = Executor::new(4);
        let spawner = executor.spawner();
        let inner_log = log.clone();
        executor
            .spawn("parent", async move {
                inner_log.lock().unwrap().push("parent");
                let child_log = inner_log.clone();
                spawner
                    .spawn(
                        "child",
                        async move { child_log.lock().unwrap().push("child") },
                    )
                    .unwrap();
            })
            .unwrap();
        executor.run_ready();
        executor.run_ready();
        assert_eq!(*log.lock().unwrap(), ["parent", "child"]);
    }

    #[test]
    fn spawning_past_the_limit_is_refused_not_queued() {
        let mut executor = Executor::new(2);
        let never = || WaitFor {
            flag: Arc::new(AtomicBool::new(false)),
            waker: Arc::new(StdMutex::new(None)),
        };
        executor.spawn("a", never()).unwrap();
        executor.spawn("b", never()).unwrap();
        assert_eq!(
            executor.spawn("c", never()),
            Err(SpawnError::TooManyTasks { limit: 2 })
        );
        executor.run_ready();
        let names: Vec<_> = executor.tasks().iter().map(|t| t.name).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(executor.tasks().iter().all(|t| t.polls == 1));
        assert_eq!(executor.spawner().tasks(), executor.tasks());
    }

    #[test]
    fn many_wakes_never_overflow_the_queue() {
        // Every task wakes itself on every poll, and finishes after a few polls, while new
        // tasks keep filling the freed slots: the ready queue must absorb all of it.
        let mut executor = Executor::new(16);
        let mut spawned = 0;
        let mut passes = 0;
        while spawned < 1000 || executor.has_ready() {
            while spawned < 1000
                && executor
                    .spawn("y", async {
                        for _ in 0..3 {
                            yield_now().await;
                        }
                    })
                    .is_ok()
            {
                spawned += 1;
            }
            executor.run_ready();
            passes += 1;
            assert!(passes < 10_000, "executor stopped making progress");
        }
        assert_eq!(executor.task_count(), 0);
    }
}
