package dev.bitnet.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerPoolTest {

    @Test
    void runsEveryTaskExactlyOnce() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int tasks : new int[] {1, 2, 3, 7, 64, 1000}) {
                for (int round = 0; round < 50; round++) {
                    AtomicIntegerArray counts = new AtomicIntegerArray(tasks);
                    pool.parallelFor(tasks, counts::incrementAndGet);
                    for (int i = 0; i < tasks; i++) {
                        assertThat(counts.get(i)).as("task %d of %d", i, tasks).isEqualTo(1);
                    }
                }
            }
        }
    }

    /**
     * Back-to-back jobs of alternating sizes: no task runs twice, and none runs after its job returned. A worker
     * that saw the last task of a job claimed could read the next job's task count before that job was published,
     * claim a task "of the old job" that does not exist, and run the new job's body with it, a second time and
     * possibly after that job was over (seen as wrong logits in a batched pass, and as an NPE in a cleared call).
     */
    @Test
    void noTaskRunsTwiceOrAfterItsJobReturned() {
        try (WorkerPool pool = new WorkerPool(3)) {
            long end = System.nanoTime() + 3_000_000_000L;
            long jobs = 0;
            AtomicInteger late = new AtomicInteger();
            while (System.nanoTime() < end) {
                int tasks = jobs % 2 == 0 ? 2 : 16;
                AtomicIntegerArray counts = new AtomicIntegerArray(tasks);
                AtomicBoolean over = new AtomicBoolean();
                pool.parallelFor(tasks, i -> {
                    if (over.get()) {
                        late.incrementAndGet();
                    }
                    counts.incrementAndGet(i);
                });
                over.set(true);
                for (int i = 0; i < tasks; i++) {
                    assertThat(counts.get(i)).as("task %d of job %d (%d tasks)", i, jobs, tasks).isEqualTo(1);
                }
                jobs++;
            }
            assertThat(late.get()).as("tasks run after their job returned").isZero();
            assertThat(jobs).isGreaterThan(1000);
        }
    }

    @Test
    void spreadsTasksOverWorkersAndTheCaller() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            CountDownLatch bothArrived = new CountDownLatch(2);
            // Each of the two tasks waits for the other, so both threads must be running tasks at once.
            pool.parallelFor(2, i -> {
                seen.add(Thread.currentThread());
                bothArrived.countDown();
                try {
                    assertThat(bothArrived.await(10, TimeUnit.SECONDS)).isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(seen).hasSize(2).contains(Thread.currentThread());
        }
    }

    @Test
    void singleThreadPoolRunsInlineOnTheCaller() {
        try (WorkerPool pool = new WorkerPool(1)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            pool.parallelFor(100, i -> seen.add(Thread.currentThread()));
            assertThat(seen).containsExactly(Thread.currentThread());
            assertThat(pool.threads()).isEqualTo(1);
        }
    }

    @Test
    void rethrowsTheFirstFailureAndStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(50, i -> {
                if (i == 17) {
                    throw new IllegalArgumentException("task 17 failed");
                }
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("task 17 failed");
            AtomicIntegerArray counts = new AtomicIntegerArray(10);
            pool.parallelFor(10, counts::incrementAndGet);
            for (int i = 0; i < 10; i++) {
                assertThat(counts.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void concurrentCallersEachGetTheirOwnResults() throws Exception {
        try (WorkerPool pool = new WorkerPool(2); ExecutorService callers = Executors.newFixedThreadPool(4)) {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int tasks = 13 + 7 * c;
                results.add(callers.submit(() -> {
                    for (int round = 0; round < 300; round++) {
                        long[] out = new long[tasks];
                        pool.parallelFor(tasks, i -> out[i] = (long) i * tasks + 1);
                        for (int i = 0; i < tasks; i++) {
                            if (out[i] != (long) i * tasks + 1) {
                                return false;
                            }
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> f : results) {
                assertThat(f.get()).isTrue();
            }
        }
    }

    @Test
    void nestedLoopsRunInline() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicIntegerArray counts = new AtomicIntegerArray(8 * 8);
            pool.parallelFor(8, outer -> pool.parallelFor(8, inner -> counts.incrementAndGet(outer * 8 + inner)));
            for (int i = 0; i < 64; i++) {
                assertThat(counts.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void wakesParkedWorkers() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            pool.parallelFor(4, i -> { });
            Thread.sleep(50); // long past the spin phase: the worker is parked now
            AtomicIntegerArray counts = new AtomicIntegerArray(4);
            pool.parallelFor(4, counts::incrementAndGet);
            for (int i = 0; i < 4; i++) {
                assertThat(counts.get(i)).isEqualTo(1);
            }
        }
    }

    @Test
    void closeStopsWorkersAndRejectsNewJobs() throws InterruptedException {
        WorkerPool pool = new WorkerPool(3);
        Set<Thread> workers = ConcurrentHashMap.newKeySet();
        CountDownLatch all = new CountDownLatch(3);
        pool.parallelFor(3, i -> {
            workers.add(Thread.currentThread());
            all.countDown();
            try {
                all.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        workers.remove(Thread.currentThread());
        assertThat(workers).hasSize(2).allMatch(Thread::isDaemon);
        pool.close();
        pool.close();
        for (Thread t : workers) {
            t.join(5000);
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
        assertThatThrownBy(() -> pool.parallelFor(2, i -> { })).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> new WorkerPool(0)).isInstanceOf(IllegalArgumentException.class);
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThatThrownBy(() -> pool.parallelFor(-1, i -> { })).isInstanceOf(IllegalArgumentException.class);
            pool.parallelFor(0, i -> {
                throw new AssertionError("no task expected");
            });
        }
        assertThat(WorkerPool.defaultThreads()).isBetween(1, Runtime.getRuntime().availableProcessors());
    }
}
