package dev.bitnet.kernels;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many sessions' threads sharing one {@link ParallelAttention} and its worker pool, as sessions of one model do:
 * every call gives exactly what the same (row, head) pairs give computed one by one on the calling thread. A
 * hand-off bug in the pool (a task run with another call's arguments, or after its call returned) would show
 * as a difference or an exception here.
 */
class ParallelAttentionConcurrencyTest {
    private static final int HEADS = 4;
    private static final int KV_HEADS = 2;
    private static final int HEAD_DIM = 64;

    @Test
    void concurrentCallsGiveWhatEachGivesAlone() throws Exception {
        try (WorkerPool pool = new WorkerPool(2)) {
            ParallelAttention attention = ParallelAttention.create(pool);
            long end = System.nanoTime() + 2_000_000_000L;
            AtomicLong calls = new AtomicLong();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int seed = t;
                threads.add(Thread.ofPlatform().start(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    try {
                        while (System.nanoTime() < end && failure.get() == null) {
                            check(attention, r);
                            calls.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertThat(failure.get()).isNull();
            assertThat(calls.get()).isPositive();
        }
    }

    private static void check(ParallelAttention attention, SplittableRandom r) {
        int rows = 1 + r.nextInt(3);
        int start = r.nextInt(40);
        int positions = start + rows;
        float[] q = gaussian(r, rows * HEADS * HEAD_DIM);
        float[] keys = gaussian(r, positions * KV_HEADS * HEAD_DIM);
        float[] values = gaussian(r, positions * KV_HEADS * HEAD_DIM);
        float[] out = new float[q.length];
        float[] alone = new float[q.length];
        attention.compute(q, keys, values, out, rows, start, HEADS, KV_HEADS, HEAD_DIM, 0.125f);
        ParallelAttention.Head head = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                ? dev.bitnet.kernels.vector.VectorKernel::attentionHead : Attention::head;
        for (int row = 0; row < rows; row++) {
            for (int h = 0; h < HEADS; h++) {
                head.compute(q, keys, values, alone, row, start, h, HEADS, KV_HEADS, HEAD_DIM, 0.125f);
            }
        }
        if (!Arrays.equals(out, alone)) {
            throw new AssertionError("a concurrent call differs from the same pairs computed alone");
        }
    }

    private static float[] gaussian(SplittableRandom r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }
}
