package dev.bitnet.kernels;

import java.util.function.IntConsumer;

/**
 * {@link Attention} with its (row, head) pairs spread over a worker pool, for kernels whose own
 * SIMD covers only the matmuls. The SIMD version is used when the Vector API module is present.
 */
public final class ParallelAttention {
    private final WorkerPool pool;
    private final Head head;
    private final ThreadLocal<Call> calls = ThreadLocal.withInitial(Call::new);

    private ParallelAttention(WorkerPool pool, Head head) {
        this.pool = pool;
        this.head = head;
    }

    /** The best attention for this JVM over {@code pool}: Vector API if present, else plain Java. */
    public static ParallelAttention create(WorkerPool pool) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            // resolved only here, so JVMs without the incubator module never load the vector classes
            return new ParallelAttention(pool, dev.bitnet.kernels.vector.VectorKernel::attentionHead);
        }
        return new ParallelAttention(pool, Attention::head);
    }

    /** Same contract as {@link TernaryKernel#attention}. */
    public void compute(float[] q, float[] keys, float[] values, float[] out, int rows, int start, int heads,
                        int kvHeads, int headDim, float scale) {
        Call call = calls.get();
        call.set(head, q, keys, values, out, start, heads, kvHeads, headDim, scale);
        try {
            pool.parallelFor(rows * heads, call);
        } finally {
            call.clear();
        }
    }

    /** One (row, head) pair, as {@link Attention#head}. */
    @FunctionalInterface
    public interface Head {
        void compute(float[] q, float[] keys, float[] values, float[] out, int r, int start, int h, int heads,
                     int kvHeads, int headDim, float scale);
    }

    /** The arguments of one call, reused by the calling thread so a decode step allocates nothing. */
    private static final class Call implements IntConsumer {
        private Head head;
        private float[] q;
        private float[] keys;
        private float[] values;
        private float[] out;
        private int start;
        private int heads;
        private int kvHeads;
        private int headDim;
        private float scale;

        void set(Head head, float[] q, float[] keys, float[] values, float[] out, int start, int heads, int kvHeads,
                 int headDim, float scale) {
            this.head = head;
            this.q = q;
            this.keys = keys;
            this.values = values;
            this.out = out;
            this.start = start;
            this.heads = heads;
            this.kvHeads = kvHeads;
            this.headDim = headDim;
            this.scale = scale;
        }

        void clear() {
            head = null;
            q = keys = values = out = null;
        }

        @Override
        public void accept(int task) {
            head.compute(q, keys, values, out, task / heads, start, task % heads, heads, kvHeads, headDim, scale);
        }
    }
}
