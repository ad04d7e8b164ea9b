package dev.bitnet.kernels;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A fixed set of persistent daemon threads that run the tasks of one data-parallel loop at a time,
 * with the calling thread taking part.
 *
 * <p>A decode step issues a couple of hundred short matmuls per token, each worth tens of
 * microseconds, so the pool is built for low hand-off latency: workers spin briefly after a job
 * before they park, and a job is claimed through one atomic word holding the job's generation and the
 * next task index, checked against a second word holding the generation and the job's task count. The
 * caller waits only for tasks that were claimed, never for a
 * worker that has not woken up yet (on a busy machine it may not be scheduled for milliseconds); a
 * worker that arrives after its job is over sees the generation has moved on and claims nothing. A
 * call allocates nothing.
 *
 * <p>Thread-safe: jobs from several threads (sessions) run one after another. A task that calls
 * {@link #parallelFor} itself runs the inner loop inline on its own thread.
 *
 * <p>A watchdog guards against hangs: a caller that has waited longer than the {@linkplain
 * #watchdogLimit() limit} for the pool (behind other jobs) or for its own job's tasks logs a warning
 * with a {@linkplain #dumpState() dump of the pool's state} (job, counters, each thread's state and
 * stack), once per wait, and keeps waiting. The limit is {@value #WATCHDOG_PROPERTY} (milliseconds,
 * default 30000; 0 turns the watchdog off) or {@link #watchdogLimit(Duration)}.
 */
public final class WorkerPool implements AutoCloseable {
    /** How long an idle worker (or a waiting caller) busy-spins before it starts yielding its core. */
    private static final long SPIN_NANOS = 20_000;
    /** How long it keeps yielding before it parks. */
    private static final long YIELD_NANOS = 200_000;
    /** Longest a parked caller sleeps before it checks its job again (a safety net for lost wake-ups). */
    private static final long CALLER_PARK_NANOS = 500_000;
    /** Longest an idle worker sleeps before it looks for a job again (likewise). */
    private static final long WORKER_PARK_NANOS = 10_000_000;
    private static final AtomicInteger POOLS = new AtomicInteger();
    private static final Logger LOG = LoggerFactory.getLogger(WorkerPool.class);
    /** System property: the watchdog limit in milliseconds (0 turns it off). */
    public static final String WATCHDOG_PROPERTY = "bitnet.pool.watchdogMillis";

    private static final AtomicInteger ALL_REPORTS = new AtomicInteger();

    private final int id;
    private final AtomicInteger watchdogReports = new AtomicInteger();
    private volatile long watchdogNanos = TimeUnit.MILLISECONDS.toNanos(Long.getLong(WATCHDOG_PROPERTY, 30_000L));

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    /** Generation of the current job (high 32 bits) and its next unclaimed task (low 32 bits). */
    private final AtomicLong control = new AtomicLong();
    /**
     * Generation of the current job (high 32 bits) and its finished tasks (low 32 bits). Tagging the
     * count with the generation means a finish can only ever count for the job it belongs to.
     */
    private final AtomicLong done = new AtomicLong();
    /**
     * Generation of the current job (high 32 bits) and its task count (low 32 bits), published before the control
     * word. A claim checks its index against the count of the job the control word names: the count and the
     * generation are read together, so a count can never belong to the next job while the index belongs to
     * a finished one.
     */
    private final AtomicLong job = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private volatile IntConsumer body;
    private volatile Thread caller;
    private volatile boolean callerParked;
    private volatile boolean closed;

    /**
     * Creates a pool computing with {@code threads} threads in all: the caller plus {@code threads - 1}
     * workers.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public WorkerPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        id = POOLS.incrementAndGet();
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(this, "bitnet-worker-" + id + "-" + (i + 1));
        }
        for (Worker w : workers) {
            w.start();
        }
    }

    /** The default thread count: the machine's physical cores ({@link Kernels#physicalCores()}). */
    public static int defaultThreads() {
        return Kernels.physicalCores();
    }

    /** Threads that compute a job, the caller included. */
    public int threads() {
        return workers.length + 1;
    }

    /**
     * Whether the pool's threads can read {@code segment}: false for a segment of a confined arena
     * owned by another thread, which a multi-threaded kernel cannot use.
     */
    public boolean canAccess(MemorySegment segment) {
        for (Worker w : workers) {
            if (!segment.isAccessibleBy(w)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Runs {@code body.accept(i)} for every {@code i} in {@code [0, tasks)}, spread over the pool and the
     * calling thread, and returns when all have finished. Tasks run in no particular order and must be
     * independent. If tasks throw, the first throwable is rethrown here after every task has ended.
     *
     * @throws IllegalStateException if the pool is closed
     */
    public void parallelFor(int tasks, IntConsumer body) {
        Objects.requireNonNull(body, "body");
        if (tasks < 0) {
            throw new IllegalArgumentException("tasks must not be negative, got " + tasks);
        }
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        if (tasks == 0) {
            return;
        }
        if (workers.length == 0 || tasks == 1 || lock.isHeldByCurrentThread() || Thread.currentThread() instanceof Worker) {
            for (int i = 0; i < tasks; i++) {
                body.accept(i);
            }
            return;
        }
        if (!lock.tryLock()) {
            lockWatched();
        }
        try {
            if (closed) {
                throw new IllegalStateException("worker pool is closed");
            }
            long generation = ((control.get() >>> 32) + 1) & 0xFFFF_FFFFL;
            this.body = body;
            caller = Thread.currentThread();
            job.set((generation << 32) | tasks);
            done.set(generation << 32);
            control.set(generation << 32);
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            runTasks(generation);
            awaitTasks((generation << 32) | tasks);
            this.body = null;
            caller = null;
            Throwable t = failure.getAndSet(null);
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("task failed", t);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Claims and runs tasks of job {@code generation} until none is left. The task count comes from the job word,
     * checked to name this job: once every task of a job is claimed the job may finish and the next one be
     * published (body and job word first, the control word last), so a count read on its own could be the
     * next job's while the control word still names this one, and a claim of an index past this job's end
     * would then run the next job's body out of turn (a task run twice, or after its job returned). With the
     * index below this job's count, the job is not over when the claim succeeds, so the body read before the
     * claim is still this job's.
     */
    private void runTasks(long generation) {
        while (true) {
            long c = control.get();
            if (c >>> 32 != generation) {
                return;
            }
            long j = job.get();
            if (j >>> 32 != generation) {
                return; // a later job is already published: this one is over
            }
            int i = (int) c;
            int n = (int) j;
            if (i >= n) {
                return;
            }
            IntConsumer b = body;
            if (!control.compareAndSet(c, c + 1)) {
                continue;
            }
            try {
                b.accept(i);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            } finally {
                if (finish(generation) == n && callerParked) {
                    LockSupport.unpark(caller);
                }
            }
        }
    }

    /** Counts one finished task of job {@code generation}; returns the job's finished count (-1 if it is not current). */
    private int finish(long generation) {
        while (true) {
            long d = done.get();
            if (d >>> 32 != generation) {
                return -1;
            }
            if (done.compareAndSet(d, d + 1)) {
                return (int) (d + 1);
            }
        }
    }

    private void awaitTasks(long finished) {
        long start = System.nanoTime();
        boolean reported = false;
        while (done.get() != finished) {
            long waited = System.nanoTime() - start;
            long limit = watchdogNanos;
            if (!reported && limit > 0 && waited > limit) {
                reported = true;
                report("a job has waited " + TimeUnit.NANOSECONDS.toMillis(waited) + " ms for its tasks");
            }
            if (waited < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            if (waited < YIELD_NANOS) {
                // a worker holding a task may be waiting for this core
                Thread.yield();
                continue;
            }
            callerParked = true;
            if (done.get() != finished) {
                // timed: a missed wake-up must cost a moment, never a hang (one was seen in a chat turn)
                LockSupport.parkNanos(this, CALLER_PARK_NANOS);
            }
            callerParked = false;
        }
    }

    /** Takes the job lock, reporting through the watchdog each time a limit passes without it. */
    private void lockWatched() {
        long start = System.nanoTime();
        boolean interrupted = false;
        while (true) {
            long limit = watchdogNanos;
            try {
                if (limit <= 0) {
                    lock.lock();
                    break;
                }
                if (lock.tryLock(limit, TimeUnit.NANOSECONDS)) {
                    break;
                }
                report("a job has waited " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
                        + " ms for the pool (other jobs ahead of it)");
            } catch (InterruptedException e) {
                // a job cannot be abandoned half-way by its caller; keep the interrupt for later
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void report(String what) {
        watchdogReports.incrementAndGet();
        ALL_REPORTS.incrementAndGet();
        LOG.warn("worker pool watchdog: {} (limit {} ms); pool state:\n{}", what,
                TimeUnit.NANOSECONDS.toMillis(watchdogNanos), dumpState());
    }

    /** The watchdog limit: how long a job may wait before the pool's state is logged. Zero when off. */
    public Duration watchdogLimit() {
        return Duration.ofNanos(watchdogNanos);
    }

    /** Sets the watchdog limit; {@link Duration#ZERO} turns the watchdog off. */
    public void watchdogLimit(Duration limit) {
        if (limit.isNegative()) {
            throw new IllegalArgumentException("watchdog limit must not be negative, got " + limit);
        }
        watchdogNanos = limit.toNanos();
    }

    /** How many times the watchdogs of all pools in this JVM have reported a long wait (for soak runs). */
    public static int totalWatchdogReports() {
        return ALL_REPORTS.get();
    }

    /** How many times the watchdog has reported a long wait (for tests and soak runs). */
    public int watchdogReports() {
        return watchdogReports.get();
    }

    /**
     * A description of the pool for diagnosing a hang: the current job's generation, claimed and
     * finished tasks, the lock's owner and queue, and each worker's state, park flag and stack top.
     */
    public String dumpState() {
        long c = control.get();
        long d = done.get();
        StringBuilder sb = new StringBuilder();
        sb.append("pool ").append(id).append(": ").append(threads()).append(" threads, closed=").append(closed)
                .append(", job generation ").append(c >>> 32).append(", tasks ").append((int) job.get())
                .append(", next task ").append((int) c).append(", finished ").append((int) d)
                .append(" (of generation ").append(d >>> 32).append(')')
                .append(", lock held=").append(lock.isLocked()).append(", jobs queued=").append(lock.getQueueLength());
        Thread t = caller;
        sb.append("\n  caller: ").append(t == null ? "none" : t.getName() + " " + t.getState())
                .append(", parked=").append(callerParked);
        for (Worker w : workers) {
            sb.append("\n  ").append(w.getName()).append(' ').append(w.getState()).append(", parked=").append(w.parked);
            StackTraceElement[] stack = w.getStackTrace();
            for (int i = 0; i < Math.min(6, stack.length); i++) {
                sb.append("\n      at ").append(stack[i]);
            }
        }
        return sb.toString();
    }

    /** Stops the workers (after the running job, if any). Idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
        for (Worker w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static final class Worker extends Thread {
        private final WorkerPool pool;
        private volatile boolean parked;

        Worker(WorkerPool pool, String name) {
            super(name);
            this.pool = pool;
            setDaemon(true);
        }

        @Override
        public void run() {
            // Not the current generation: a job may already be published before this thread gets to run.
            long seen = 0;
            while (true) {
                long generation = awaitJob(seen);
                if (generation == seen) {
                    return;
                }
                seen = generation;
                pool.runTasks(generation);
            }
        }

        /** Returns the new job's generation, or {@code seen} when the pool closed. */
        private long awaitJob(long seen) {
            long start = System.nanoTime();
            while (true) {
                long current = pool.control.get() >>> 32;
                if (current != seen) {
                    return current;
                }
                if (pool.closed) {
                    return seen;
                }
                long waited = System.nanoTime() - start;
                if (waited < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                if (waited < YIELD_NANOS) {
                    Thread.yield();
                    continue;
                }
                parked = true;
                if (pool.control.get() >>> 32 == seen && !pool.closed) {
                    LockSupport.parkNanos(pool, WORKER_PARK_NANOS);
                }
                parked = false;
            }
        }
    }
}
