package dev.bitnet.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * Measures how fast this machine streams a memory region with a given number of threads: the bound a
 * decode step works against, since decode reads every weight once per token.
 *
 * <p>Each thread reads one contiguous slice with plain 8-byte loads, as four sequential streams a
 * quarter of the slice apart (the JIT-compiled loop issues loads far faster than DRAM delivers them, and
 * several streams keep enough misses in flight, so the result is the memory system's, not the loop's). Measured in the same run as a benchmark, it turns tokens/s into a fraction of what the
 * machine allowed at that moment, which on a shared or virtual machine varies from one minute to the
 * next.
 */
public final class ReadBandwidth {
    private ReadBandwidth() {
    }

    /** One measurement: bytes per second of each timed pass, and their median. */
    public record Result(long bytes, int threads, double[] passBytesPerSecond) {
        public Result {
            passBytesPerSecond = passBytesPerSecond.clone();
        }

        /** A copy of the per-pass rates, in the order measured. */
        @Override
        public double[] passBytesPerSecond() {
            return passBytesPerSecond.clone();
        }

        /** The median over the timed passes. */
        public double medianBytesPerSecond() {
            double[] s = passBytesPerSecond.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }

    /**
     * Reads all of {@code region} once untimed (page faults, JIT), then {@code passes} timed times.
     *
     * @throws IllegalArgumentException if {@code threads < 1}, {@code passes < 1}, the region is smaller
     *                                  than 8 bytes per thread, or other threads cannot read it (a confined
     *                                  arena's segment)
     */
    public static Result measure(MemorySegment region, int threads, int passes) {
        Objects.requireNonNull(region, "region");
        if (threads < 1 || passes < 1) {
            throw new IllegalArgumentException("need threads >= 1 and passes >= 1, got " + threads + " and " + passes);
        }
        long words = region.byteSize() / Long.BYTES;
        if (words < threads) {
            throw new IllegalArgumentException("region of " + region.byteSize() + " bytes is too small for " + threads + " threads");
        }
        long[] sums = new long[threads];
        long perThread = words / threads;
        double[] rates = new double[passes];
        try (WorkerPool pool = new WorkerPool(threads)) {
            if (!pool.canAccess(region)) {
                throw new IllegalArgumentException("the region belongs to a confined arena; " + threads
                        + " threads cannot read it (use a shared or global arena)");
            }
            for (int pass = -1; pass < passes; pass++) {
                long start = System.nanoTime();
                pool.parallelFor(threads, t -> sums[t] += sum(region, t * perThread, t == threads - 1 ? words : (t + 1) * perThread));
                long nanos = System.nanoTime() - start;
                if (pass >= 0) {
                    rates[pass] = words * (double) Long.BYTES / (nanos / 1e9);
                }
            }
        }
        // the sums are used, so the loads cannot be dropped
        if (Arrays.stream(sums).sum() == 42) {
            Thread.onSpinWait();
        }
        return new Result(words * Long.BYTES, threads, rates);
    }

    /**
     * Sum of the 8-byte words {@code [from, to)}, read as four sequential streams a quarter of the range
     * apart: one stream leaves a core's miss handling mostly idle, several keep enough DRAM requests in
     * flight (the kernels read their weights the same way).
     */
    private static long sum(MemorySegment s, long from, long to) {
        long quarter = (to - from) / 4;
        long a = 0;
        long b = 0;
        long c = 0;
        long d = 0;
        long p0 = from * Long.BYTES;
        long p1 = (from + quarter) * Long.BYTES;
        long p2 = (from + 2 * quarter) * Long.BYTES;
        long p3 = (from + 3 * quarter) * Long.BYTES;
        for (long i = 0; i < quarter; i++) {
            long off = i * Long.BYTES;
            a += s.get(ValueLayout.JAVA_LONG_UNALIGNED, p0 + off);
            b += s.get(ValueLayout.JAVA_LONG_UNALIGNED, p1 + off);
            c += s.get(ValueLayout.JAVA_LONG_UNALIGNED, p2 + off);
            d += s.get(ValueLayout.JAVA_LONG_UNALIGNED, p3 + off);
        }
        for (long i = from + 4 * quarter; i < to; i++) {
            a += s.get(ValueLayout.JAVA_LONG_UNALIGNED, i * Long.BYTES);
        }
        return a + b + c + d;
    }
}
