package dev.bitnet.kernels;

/**
 * Causal multi-head attention with grouped key/value heads, in plain Java: the reference that faster
 * kernels are compared with, and the default of {@link TernaryKernel#attention}.
 *
 * <p>For query row {@code r} (at position {@code start + r}) and head {@code h}, with KV head {@code g =
 * h / (heads / kvHeads)}: {@code s_t = (q[r,h] · k[t,g]) · scale} for {@code t <= start + r},
 * {@code p = softmax(s)}, {@code out[r,h] = Σ_t p_t · v[t,g]}. Queries and outputs are {@code [rows][heads
 * · headDim]}, keys and values {@code [positions][kvHeads · headDim]}.
 */
public final class Attention {
    private static final ThreadLocal<float[]> SCORES = ThreadLocal.withInitial(() -> new float[0]);

    private Attention() {
    }

    /** All heads of rows {@code [0, rows)}. */
    public static void compute(float[] q, float[] keys, float[] values, float[] out, int rows, int start, int heads,
                               int kvHeads, int headDim, float scale) {
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                head(q, keys, values, out, r, start, h, heads, kvHeads, headDim, scale);
            }
        }
    }

    /** One (row, head) pair; independent of every other pair, so callers may run pairs in parallel. */
    public static void head(float[] q, float[] keys, float[] values, float[] out, int r, int start, int h, int heads,
                            int kvHeads, int headDim, float scale) {
        int qd = heads * headDim;
        int kvd = kvHeads * headDim;
        int positions = start + r + 1;
        float[] scores = scratch(positions);
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
        for (int i = 0; i < headDim; i++) {
            out[o + i] = 0f;
        }
        for (int t = 0; t < positions; t++) {
            float p = scores[t] * inv;
            int vOff = t * kvd + kvOff;
            for (int i = 0; i < headDim; i++) {
                out[o + i] += p * values[vOff + i];
            }
        }
    }

    /** Four independent sums, so the loop is not serialized on one floating-point add. */
    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[aOff + i] * b[bOff + i];
            s1 += a[aOff + i + 1] * b[bOff + i + 1];
            s2 += a[aOff + i + 2] * b[bOff + i + 2];
            s3 += a[aOff + i + 3] * b[bOff + i + 3];
        }
        for (; i < n; i++) {
            s0 += a[aOff + i] * b[bOff + i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** A per-thread buffer of at least {@code n} floats, reused across calls. */
    public static float[] scratch(int n) {
        float[] s = SCORES.get();
        if (s.length < n) {
            s = new float[Math.max(n, s.length * 2)];
            SCORES.set(s);
        }
        return s;
    }
}
