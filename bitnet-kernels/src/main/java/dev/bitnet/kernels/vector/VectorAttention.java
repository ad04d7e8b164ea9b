package dev.bitnet.kernels.vector;

import dev.bitnet.kernels.Attention;
import dev.bitnet.kernels.WorkerPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.function.IntConsumer;

/**
 * {@link Attention} with SIMD dot products and accumulations, its (row, head) pairs spread over the
 * worker pool. Same formula as the reference; only the float summation order differs.
 */
final class VectorAttention {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final WorkerPool pool;
    private final ThreadLocal<Call> calls = ThreadLocal.withInitial(Call::new);

    VectorAttention(WorkerPool pool) {
        this.pool = pool;
    }

    void compute(float[] q, float[] keys, float[] values, float[] out, int rows, int start, int heads, int kvHeads,
                 int headDim, float scale) {
        Call call = calls.get();
        call.set(q, keys, values, out, start, heads, kvHeads, headDim, scale);
        try {
            pool.parallelFor(rows * heads, call);
        } finally {
            call.clear();
        }
    }

    /** The arguments of one call, reused by the calling thread so a decode step allocates nothing. */
    private static final class Call implements IntConsumer {
        private float[] q;
        private float[] keys;
        private float[] values;
        private float[] out;
        private int start;
        private int heads;
        private int kvHeads;
        private int headDim;
        private float scale;

        void set(float[] q, float[] keys, float[] values, float[] out, int start, int heads, int kvHeads, int headDim, float scale) {
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
            q = keys = values = out = null;
        }

        @Override
        public void accept(int task) {
            head(q, keys, values, out, task / heads, start, task % heads, heads, kvHeads, headDim, scale);
        }
    }

    static void head(float[] q, float[] keys, float[] values, float[] out, int r, int start, int h, int heads,
                     int kvHeads, int headDim, float scale) {
        int qd = heads * headDim;
        int kvd = kvHeads * headDim;
        int positions = start + r + 1;
        float[] scores = Attention.scratch(positions);
        int qOff = r * qd + h * headDim;
        int kvOff = (h / (heads / kvHeads)) * headDim;
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < positions; t++) {
            float s = dot(q, qOff, keys, t * kvd + kvOff, headDim) * scale;
            scores[t] = s;
            max = Math.max(max, s);
        }
        float sum = 0f;
        for (int t = 0; t < positions; t++) {
            float e = (float) Math.exp(scores[t] - max);
            scores[t] = e;
            sum += e;
        }
        float inv = 1f / sum;
        int o = r * qd + h * headDim;
        int bound = F.loopBound(headDim);
        for (int i = 0; i < headDim; i++) {
            out[o + i] = 0f;
        }
        for (int t = 0; t < positions; t++) {
            float p = scores[t] * inv;
            FloatVector pv = FloatVector.broadcast(F, p);
            int vOff = t * kvd + kvOff;
            int i = 0;
            for (; i < bound; i += F.length()) {
                FloatVector acc = FloatVector.fromArray(F, out, o + i);
                acc = FloatVector.fromArray(F, values, vOff + i).fma(pv, acc);
                acc.intoArray(out, o + i);
            }
            for (; i < headDim; i++) {
                out[o + i] += p * values[vOff + i];
            }
        }
    }

    private static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }
}
