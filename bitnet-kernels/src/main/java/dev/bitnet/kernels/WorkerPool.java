package dev.bitnet.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * A fixed set of persistent daemon threads that run the tasks of one data-parallel loop at a time,
 * with the calling thread taking part.
 *
 * <p>A decode step issues a couple of hundred short matmuls per token, each worth tens of
 * microseconds, so the pool is built for low hand-off latency rather than throughput of many jobs:
 * workers spin briefly after a job before they park, a job is published by bumping one sequence
 * number, and tasks are claimed from one atomic counter. Every worker acknowledges every job and
 * the caller waits for all acknowledgements, so no worker can still be inside a job when the next
 * one is published. A call allocates nothing.
 *
 * <p>Thread-safe: jobs from several threads (sessions) run one after another. A task that calls
 * {@link #parallelFor} itself runs the inner loop inline on its own thread.
 */
public final class WorkerPool implements AutoCloseable {
    /** How long an idle worker (or a waiting caller) spins before it parks. */
    private static final long SPIN_NANOS = 100_000;
    private static final AtomicInteger POOLS = new AtomicInteger();

    private final Worker[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** The job's body and size: written before {@link #sequence}, read after it, so the volatile publishes them. */
    private IntConsumer body;
    private int tasks;
    private volatile long sequence;
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
        int id = POOLS.incrementAndGet();
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
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("worker pool is closed");
            }
            this.body = body;
            this.tasks = tasks;
            next.set(0);
            pending.set(workers.length);
            caller = Thread.currentThread();
            sequence = sequence + 1;
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            runTasks(body, tasks);
            awaitWorkers();
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

    private void runTasks(IntConsumer body, int tasks) {
        for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
            try {
                body.accept(i);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
                next.set(tasks);
            }
        }
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        while (pending.get() != 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
                continue;
            }
            callerParked = true;
            if (pending.get() != 0) {
                LockSupport.park(this);
            }
            callerParked = false;
        }
    }

    /** Called by a worker when it has finished its share of the current job. */
    private void acknowledge() {
        if (pending.decrementAndGet() == 0 && callerParked) {
            LockSupport.unpark(caller);
        }
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
            // Not pool.sequence: a job may already be published before this thread gets to run.
            long seen = 0;
            while (true) {
                long current = awaitJob(seen);
                if (current == seen) {
                    return;
                }
                seen = current;
                pool.runTasks(pool.body, pool.tasks);
                pool.acknowledge();
            }
        }

        /** Returns the new job's sequence number, or {@code seen} when the pool closed. */
        private long awaitJob(long seen) {
            long start = System.nanoTime();
            while (true) {
                long current = pool.sequence;
                if (current != seen) {
                    return current;
                }
                if (pool.closed) {
                    return seen;
                }
                if (System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                if (pool.sequence == seen && !pool.closed) {
                    LockSupport.park(pool);
                }
                parked = false;
            }
        }
    }
}
