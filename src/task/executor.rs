//! The task executor: polls tasks when their wakers fire, and only then, on every CPU that
//! runs it.
//!
//! Every CPU's executor loop (`task::runtime`) calls [`Executor::run_ready`] or
//! [`Shared::run_ready`] on the same executor. A task spawned with [`Spawner::spawn`] stays on
//! the boot CPU (the shell and its companions drive the thread scheduler, which runs there);
//! one spawned with [`Spawner::spawn_anywhere`] is polled by whichever CPU pops it first.
//!
//! A task runs on one CPU at a time, by its state ([`TaskCell::state`]): a wake moves IDLE to
//! QUEUED and pushes the id once; the CPU that pops it moves QUEUED to RUNNING; a wake while it
//! runs only marks it NOTIFIED, and the CPU polling it queues it again afterwards. So no wake is
//! lost, and no two CPUs ever poll the same task.
//!
//! Full-queue policy: the ready queues can never overflow, by construction. A task is in its
//! queue at most once (QUEUED), a finished task never re-enters it, and each queue's capacity
//! is twice the task limit. Backpressure happens earlier, at spawn time: spawning beyond the
//! limit returns [`SpawnError::TooManyTasks`] instead of queueing without bound.

use super::ready_queue::ReadyQueue;
use super::{SpawnError, Task, TaskId};
use crate::arch::percpu;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::vec::Vec;
use core::future::Future;
use core::sync::atomic::{AtomicU8, AtomicU64, AtomicUsize, Ordering};
use core::task::{Context, Waker};
use spin::Mutex;

const IDLE: u8 = 0;
const QUEUED: u8 = 1;
const RUNNING: u8 = 2;
/// Woken while running: queue again after the poll.
const NOTIFIED: u8 = 3;
const DONE: u8 = 4;

/// The ready queues and who waits for them, shared by the executor and every waker.
struct Queues {
    /// Tasks any CPU may poll.
    any: ReadyQueue,
    /// Tasks that stay on the boot CPU.
    boot: ReadyQueue,
    /// CPUs halted in their executor loop with nothing to do (bit n: CPU n).
    idle: AtomicU64,
    /// Ends a halted CPU's `hlt` (an IPI); `None` on the host.
    wake_cpu: Option<fn(u32)>,
}

impl Queues {
    fn push(&self, id: TaskId, anywhere: bool) {
        let queue = if anywhere { &self.any } else { &self.boot };
        // Cannot fail: see the module comment on the queue's capacity. Were it to, the task
        // would never run again, so debug builds say so.
        let pushed = queue.push(id);
        debug_assert!(pushed.is_ok(), "ready queue full: task {id} lost");
        // Pairs with the fence in `Shared::going_idle`: either the halting CPU sees the task,
        // or this sees its idle bit.
        core::sync::atomic::fence(Ordering::SeqCst);
        let Some(wake) = self.wake_cpu else { return };
        let me = percpu::cpu_id();
        let mut idle = self.idle.load(Ordering::SeqCst);
        loop {
            let others = idle & !(1u64 << me.min(63));
            let target = if anywhere {
                (others != 0).then(|| others.trailing_zeros())
            } else {
                (others & 1 != 0).then_some(0)
            };
            let Some(cpu) = target else { return };
            // Take the CPU out of the idle mask as it is chosen, so that the next wake-up picks
            // another idle CPU instead of this one again.
            match self.idle.compare_exchange_weak(
                idle,
                idle & !(1u64 << cpu),
                Ordering::SeqCst,
                Ordering::SeqCst,
            ) {
                Ok(_) => return wake(cpu),
                Err(actual) => idle = actual,
            }
        }
    }
}

/// One task and its state. The waker is an `Arc` of this.
struct TaskCell {
    id: TaskId,
    name: &'static str,
    anywhere: bool,
    state: AtomicU8,
    /// Taken only by the CPU that moved `state` to RUNNING, so never contended.
    task: Mutex<Option<Task>>,
    polls: AtomicU64,
    queues: Arc<Queues>,
}

impl Wake for TaskCell {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// Only atomics and a lock-free push (and an IPI): safe from interrupt handlers.
    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let next = match state {
                IDLE => QUEUED,
                RUNNING => NOTIFIED,
                _ => return, // queued already, notified already, or finished
            };
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if next == QUEUED => return self.queues.push(self.id, self.anywhere),
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
    }
}

struct Entry {
    cell: Arc<TaskCell>,
    /// Built once per task: creating a `Waker` on every poll would allocate.
    waker: Waker,
}

/// What every CPU running the executor shares.
pub struct Shared {
    tasks: Mutex<BTreeMap<TaskId, Entry>>,
    queues: Arc<Queues>,
    /// Live tasks, checked against `limit` at spawn time.
    count: AtomicUsize,
    limit: usize,
}

/// A handle that spawns tasks onto an executor, also from inside its tasks.
#[derive(Clone)]
pub struct Spawner {
    shared: Arc<Shared>,
}

impl Spawner {
    /// Spawns a task that runs on the boot CPU.
    pub fn spawn(
        &self,
        name: &'static str,
        future: impl Future<Output = ()> + Send + 'static,
    ) -> Result<TaskId, SpawnError> {
        self.shared.spawn(name, future, false)
    }

    /// Spawns a task that any CPU running the executor may poll (one at a time).
    pub fn spawn_anywhere(
        &self,
        name: &'static str,
        future: impl Future<Output = ()> + Send + 'static,
    ) -> Result<TaskId, SpawnError> {
        self.shared.spawn(name, future, true)
    }

    /// The executor's tasks, in spawn order (also callable from inside a task).
    pub fn tasks(&self) -> Vec<TaskInfo> {
        let tasks = self.shared.tasks.lock();
        tasks
            .values()
            .map(|entry| TaskInfo {
                id: entry.cell.id,
                name: entry.cell.name,
                polls: entry.cell.polls.load(Ordering::Relaxed),
            })
            .collect()
    }

    pub fn task_count(&self) -> usize {
        self.shared.task_count()
    }

    pub fn task_limit(&self) -> usize {
        self.shared.limit
    }
}

/// What the `tasks` shell command shows about a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskInfo {
    pub id: TaskId,
    pub name: &'static str,
    pub polls: u64,
}

impl Shared {
    fn spawn(
        &self,
        name: &'static str,
        future: impl Future<Output = ()> + Send + 'static,
        anywhere: bool,
    ) -> Result<TaskId, SpawnError> {
        let limit = self.limit;
        self.count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < limit).then_some(n + 1)
            })
            .map_err(|_| SpawnError::TooManyTasks { limit })?;
        let task = Task::new(name, future);
        let id = task.id();
        let cell = Arc::new(TaskCell {
            id,
            name: task.name(),
            anywhere,
            // A new task is polled once to get going.
            state: AtomicU8::new(QUEUED),
            task: Mutex::new(Some(task)),
            polls: AtomicU64::new(0),
            queues: self.queues.clone(),
        });
        let waker = Waker::from(cell.clone());
        self.tasks.lock().insert(id, Entry { cell, waker });
        self.queues.push(id, anywhere);
        Ok(id)
    }

    /// Polls the tasks ready now for this CPU, once each, and returns how many were polled.
    /// Tasks woken during this pass wait for the next one, so a task that keeps waking itself
    /// cannot starve the caller's timer and idle checks.
    pub fn run_ready(&self) -> usize {
        let boot_cpu = percpu::cpu_id() == 0;
        let mut polled = 0;
        if boot_cpu {
            for _ in 0..self.queues.boot.len() {
                let Some(id) = self.queues.boot.pop() else {
                    break;
                };
                polled += self.poll(id);
            }
        }
        for _ in 0..self.queues.any.len() {
            let Some(id) = self.queues.any.pop() else {
                break;
            };
            polled += self.poll(id);
        }
        percpu::this()
            .tasks_polled
            .fetch_add(polled as u64, Ordering::Relaxed);
        polled
    }

    fn poll(&self, id: TaskId) -> usize {
        let Some((cell, waker)) = self
            .tasks
            .lock()
            .get(&id)
            .map(|entry| (entry.cell.clone(), entry.waker.clone()))
        else {
            return 0;
        };
        if cell
            .state
            .compare_exchange(QUEUED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return 0;
        }
        let mut slot = cell
            .task
            .try_lock()
            .expect("a RUNNING task is polled by one CPU only");
        let task = slot.as_mut().expect("a queued task has not finished");
        let mut context = Context::from_waker(&waker);
        let finished = task.poll(&mut context).is_ready();
        cell.polls.fetch_add(1, Ordering::Relaxed);
        if finished {
            cell.state.store(DONE, Ordering::Release);
            let task = slot.take();
            drop(slot);
            drop(task);
            self.tasks.lock().remove(&id);
            self.count.fetch_sub(1, Ordering::AcqRel);
        } else {
            drop(slot);
            if cell
                .state
                .compare_exchange(RUNNING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                // Woken during the poll (NOTIFIED): queue it again.
                cell.state.store(QUEUED, Ordering::Release);
                self.queues.push(id, cell.anywhere);
            }
        }
        1
    }

    /// Whether a call to [`Shared::run_ready`] on this CPU would find work.
    pub fn has_ready(&self) -> bool {
        !self.queues.any.is_empty() || (percpu::cpu_id() == 0 && !self.queues.boot.is_empty())
    }

    pub fn task_count(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }

    /// Before halting with interrupts off: records this CPU as idle, so that a wake-up sends
    /// it an IPI, and returns whether work arrived meanwhile (then it must not halt).
    pub fn going_idle(&self) -> bool {
        let bit = 1u64 << percpu::cpu_id().min(63);
        self.queues.idle.fetch_or(bit, Ordering::SeqCst);
        core::sync::atomic::fence(Ordering::SeqCst);
        let work = self.has_ready();
        if work {
            self.woke();
        }
        work
    }

    /// After the halt: this CPU is busy again.
    pub fn woke(&self) {
        let bit = 1u64 << percpu::cpu_id().min(63);
        self.queues.idle.fetch_and(!bit, Ordering::SeqCst);
    }
}

/// The executor: a [`Spawner`] (through `Deref`, so it spawns and lists tasks the same way)
/// plus the boot CPU's polling loop.
pub struct Executor {
    spawner: Spawner,
}

impl Executor {
    /// An executor for at most `max_tasks` tasks at a time.
    pub fn new(max_tasks: usize) -> Self {
        Self::with_waker(max_tasks, None)
    }

    /// The same, with the function that ends a halted CPU's `hlt` when work arrives for it.
    pub fn with_waker(max_tasks: usize, wake_cpu: Option<fn(u32)>) -> Self {
        let shared = Arc::new(Shared {
            tasks: Mutex::new(BTreeMap::new()),
            queues: Arc::new(Queues {
                any: ReadyQueue::with_capacity(2 * max_tasks),
                boot: ReadyQueue::with_capacity(2 * max_tasks),
                idle: AtomicU64::new(0),
                wake_cpu,
            }),
            count: AtomicUsize::new(0),
            limit: max_tasks,
        });
        Executor {
            spawner: Spawner { shared },
        }
    }

    pub fn spawner(&self) -> Spawner {
        self.spawner.clone()
    }

    /// What the other CPUs run.
    pub fn shared(&self) -> Arc<Shared> {
        self.spawner.shared.clone()
    }

    /// See [`Shared::run_ready`].
    pub fn run_ready(&mut self) -> usize {
        self.spawner.shared.run_ready()
    }

    /// Whether a call to [`Executor::run_ready`] would find work.
    pub fn has_ready(&self) -> bool {
        self.spawner.shared.has_ready()
    }
}

impl core::ops::Deref for Executor {
    type Target = Spawner;

    fn deref(&self) -> &Spawner {
        &self.spawner
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use core::pin::Pin;
    use core::sync::atomic::AtomicBool;
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

    #[test]
    fn tasks_anywhere_run_once_each_across_threads() {
        // Four threads run the same executor (as four CPUs do); every task wakes itself a few
        // times: each must run exactly its number of polls, none lost, none run twice at once.
        use std::sync::atomic::AtomicU32;
        const TASKS: usize = 400;
        let executor = Executor::new(TASKS);
        let shared = executor.shared();
        let finished = Arc::new(AtomicUsize::new(0));
        let running = Arc::new(AtomicU32::new(0));
        for _ in 0..TASKS {
            let finished = finished.clone();
            let running = running.clone();
            executor
                .spawn_anywhere("t", async move {
                    for _ in 0..5 {
                        assert!(running.fetch_add(1, Ordering::SeqCst) < 4);
                        running.fetch_sub(1, Ordering::SeqCst);
                        yield_now().await;
                    }
                    finished.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
        }
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let shared = shared.clone();
                std::thread::spawn(move || {
                    let mut polled = 0;
                    while shared.task_count() > 0 {
                        polled += shared.run_ready();
                    }
                    polled
                })
            })
            .collect();
        let polled: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(finished.load(Ordering::SeqCst), TASKS);
        assert_eq!(polled, TASKS * 6, "each task polled exactly 6 times");
        assert_eq!(executor.task_count(), 0);
        assert!(executor.tasks().is_empty());
    }
}
