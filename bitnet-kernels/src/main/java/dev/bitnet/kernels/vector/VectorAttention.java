package dev.bitnet.kernels.vector;

import dev.bitnet.kernels.Attention;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * One (row, head) pair of {@link Attention} with SIMD dot products and accumulations; {@link
 * dev.bitnet.kernels.ParallelAttention} spreads the pairs over a worker pool. Same formula as the
 * reference; only the float summation order differs.
 */
final class VectorAttention {
    private VectorAttention() {
    }

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /**
     * Lanes of a dot product's accumulator, summed in a fixed order. {@code reduceLanes(ADD)} leaves the
     * order open, and the JIT's intrinsic and the interpreter's fallback do differ: the same call gave
     * scores one ulp apart before and after compilation, enough to flip a sampled token (found by
     * {@code bitnet soak}, which compares concurrent outputs with single-threaded ones for the same seed).
     */
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[F.length()]);

    static void head(float[] q, float[] keys, float[] values, float[] out, int r, int start, int h, int heads,
                     int kvHeads, int headDim, float scale) {
        int qd = heads * headDim;
        int kvd = kvHeads * headDim;
        int positions = start + r + 1;
        float[] scores = Attention.scratch(positions);
        int qOff = r * qd + h * headDim;
        int kvOff = (h / (heads / kvHeads)) * headDim;
        float max = Float.NEGATIVE_INFINITY;
        float[] lanes = LANES.get();
        for (int t = 0; t < positions; t++) {
            float s = dot(q, qOff, keys, t * kvd + kvOff, headDim, lanes) * scale;
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

    static float dot(float[] a, int aOff, float[] b, int bOff, int n, float[] lanes) {
        int bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        acc.intoArray(lanes, 0);
        float s = 0f;
        for (float lane : lanes) {
            s += lane;
        }
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }
}
