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

    /** Per-lane fused multiply-adds, the lanes summed in {@link Lanes}' fixed order, then the scalar tail. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        for (; i < bound; i += F.length()) {
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        }
        float s = Lanes.sum(acc);
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }
}
