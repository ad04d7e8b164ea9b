package dev.bitnet.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The watchdog reports a job that waits past its limit, with the pool's state, and the job still completes. */
class WorkerPoolWatchdogTest {
    @Test
    @Timeout(30)
    void reportsASlowJobAndItsWaitersThenCompletes() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            pool.watchdogLimit(Duration.ofMillis(50));
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            // a task that blocks: its caller waits for it past the limit
            Thread slow = new Thread(() -> pool.parallelFor(2, i -> {
                if (i == 0) {
                    started.countDown();
                    await(release);
                }
            }));
            slow.start();
            started.await();
            // a second job queues behind it past the limit
            Thread queued = new Thread(() -> pool.parallelFor(2, i -> { }));
            queued.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (pool.watchdogReports() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(pool.watchdogReports()).isGreaterThanOrEqualTo(2);
            assertThat(pool.dumpState()).contains("bitnet-worker-").contains("job generation").contains("jobs queued=1");
            release.countDown();
            slow.join();
            queued.join();
            int before = pool.watchdogReports();
            pool.parallelFor(8, i -> { });
            assertThat(pool.watchdogReports()).isEqualTo(before);
        }
    }

    @Test
    void limitIsConfigurableAndZeroTurnsItOff() {
        try (WorkerPool pool = new WorkerPool(1)) {
            assertThat(pool.watchdogLimit()).isEqualTo(Duration.ofSeconds(30));
            pool.watchdogLimit(Duration.ZERO);
            assertThat(pool.watchdogLimit()).isZero();
            assertThatThrownBy(() -> pool.watchdogLimit(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
