package dev.bitnet.kernels;

/**
 * The operations of a BitNet forward pass that dominate its run time, behind one interface so that
 * scalar, Vector API and native implementations can be swapped at run time.
 *
 * <p>Implementations are thread-safe: one kernel serves every session of a model, and methods may
 * be called from many threads at once. A kernel may own worker threads; {@link #close()} stops them.
 * Results must equal {@link dev.bitnet.kernels.scalar.ScalarKernel}'s: integer parts bit-exact,
 * floats within 1 ulp of the same formula.
 */
public interface TernaryKernel extends AutoCloseable {
    /** Short name, e.g. {@code scalar}, {@code vector}, {@code native-avx512}. */
    String name();

    /** Threads this kernel computes with (1 when it has no pool). */
    int threads();

    /**
     * Prepares a ternary matrix once, at load: validates it, and may repack it into the layout this
     * kernel runs fastest on.
     *
     * @throws IllegalArgumentException naming the tensor when the data does not fit the shape and layout
     */
    TernaryMatrix prepare(TernaryMatrixSource source);

    /** Prepares an embedding / LM head matrix once, at load. */
    FloatMatrix prepare(FloatMatrixSource source);

    /**
     * Quantizes {@code rows} rows of {@code x} (row-major, row {@code r} at
     * {@code x[xOffset + r * out.cols()]}) into {@code out}, per row: absmax with a 1e-5 floor,
     * {@code s_a = 127 / absmax}, round half to even, clamp to [-128, 127]; also the row sums.
     */
    void quantize(float[] x, int xOffset, int rows, Int8Activations out);

    /**
     * Ternary matmul over every row of {@code a}:
     * {@code y[yOffset + r * w.rows() + o] = (float) (Σ_i T[o][i] * q[r][i]) / s_a[r] * s_w}.
     */
    void multiply(TernaryMatrix w, Int8Activations a, float[] y, int yOffset);

    /**
     * Float matmul for the LM head: {@code y[r * w.rows() + v] = Σ_i W[v][i] * x[r * w.cols() + i]}
     * for {@code r < rows}.
     */
    void multiply(FloatMatrix w, float[] x, int rows, float[] y);

    /**
     * Selected head rows for one activation row: {@code y[k] = Σ_i W[rows[k]][i] * x[i]} for {@code k < count},
     * each value bit-identical to what {@link #multiply(FloatMatrix, float[], int, float[])} gives for that
     * row. Returns false, computing nothing, when this kernel does not offer it for {@code w}'s format
     * (the default).
     */
    default boolean multiplyRows(FloatMatrix w, float[] x, int[] rows, int count, float[] y) {
        return false;
    }

    /**
     * Causal attention with grouped KV heads for query rows at positions {@code [start, start + rows)}
     * over the cached keys and values of positions {@code [0, start + rows)}; see {@link Attention} for
     * the formula and layouts. Kernels with threads or SIMD override this.
     */
    default void attention(float[] q, float[] keys, float[] values, float[] out, int rows, int start, int heads,
                           int kvHeads, int headDim, float scale) {
        Attention.compute(q, keys, values, out, rows, start, heads, kvHeads, headDim, scale);
    }

    /** Stops worker threads, if any. The kernel and its prepared matrices must not be used afterwards. */
    @Override
    void close();
}
