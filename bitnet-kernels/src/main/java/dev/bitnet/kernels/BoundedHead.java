package dev.bitnet.kernels;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An LM head that reads a compact Q8_0 copy of the weights for every token and the full-precision rows
 * only where they can matter, with the same greedy choice as the exact head, provably.
 *
 * <p>Why: decode reads the whole head for every token (657 MB of the 1.18 GB a BitNet b1.58 2B-4T token
 * reads, in F16). The Q8_0 copy is half of that; the price of reading it instead, an approximate head,
 * is removed by recomputing exactly the few rows whose logit could still be the largest.
 *
 * <p>At load, for every row {@code v}: {@code e_v = max_i |w_vi - w~_vi|} (the copy's largest error,
 * measured on the decoded values) and {@code a_v = max_i |w_vi|}. Per token, with {@code S = Σ|x_i|}:
 * <ul>
 *   <li>approximate logits {@code l~_v} from the copy (the kernel's Q8_0 head);</li>
 *   <li>the bound {@code B_v = S * (e_v + γ * (2 a_v + e_v))} covers both the weights' difference and the
 *       float rounding of both dot products ({@code γ = 2 (n + 64) 2^-24}, twice the classic bound
 *       {@code n u} for a sum of {@code n} products in any order), so that each exact-head logit lies in
 *       {@code [l~_v - B_v, l~_v + B_v]};</li>
 *   <li>{@code M = max_v (l~_v - B_v)}: every row with {@code l~_v + B_v >= M} is recomputed with the exact
 *       head's own row function ({@link TernaryKernel#multiplyRows}, bit-identical to its full call).
 *       A row left out has an exact logit below {@code M}, which some recomputed row reaches, so the
 *       exact head's argmax (with all rows tied with it) is among the recomputed rows;</li>
 *   <li>for sampling, also every row with {@code l~_v + B_v >= m - ln(vocab / 1e-6)}, {@code m} the largest
 *       exact logit so far: each row left out contributes {@code exp(l~_v + B_v - m) < 1e-6 / vocab}, so at any
 *       temperature {@code T <= 1} the softmax probability left on approximate logits is below 1e-6 (each
 *       such term only shrinks as {@code T} falls, since {@code l~_v + B_v < m}, and the denominator is at
 *       least 1).</li>
 * </ul>
 * When more than a quarter of the rows would need recomputing (a flat distribution), the whole exact
 * head is computed instead. The output holds the exact logits of the recomputed rows and the approximate ones elsewhere (each
 * below every recomputed maximum). Only heads whose exact kernel computes a plain float dot (F32, F16,
 * BF16) are bounded this way; logit processors that reorder rows (repetition penalties, logit biases)
 * and temperatures above 1 are outside the guarantee.
 */
public final class BoundedHead {
    /** The probability mass allowed on approximate logits at temperatures up to 1. */
    public static final double TAIL_MASS = 1e-6;

    private final FloatMatrix exact;
    private final FloatMatrix compact;
    private final float[] slope;
    private final ThreadLocal<Scratch> scratch;

    private BoundedHead(FloatMatrix exact, FloatMatrix compact, float[] slope) {
        this.exact = exact;
        this.compact = compact;
        this.slope = slope;
        int vocab = exact.rows();
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(vocab));
    }

    /**
     * Builds the bounded head of {@code head} (prepared by {@code kernel}) with its Q8_0 copy in {@code arena},
     * or empty when the head's format or the kernel does not allow it (see the class comment).
     */
    public static Optional<BoundedHead> build(FloatMatrix head, TernaryKernel kernel, Arena arena) {
        Objects.requireNonNull(head, "head");
        FloatFormat f = head.format();
        if ((f != FloatFormat.F16 && f != FloatFormat.BF16 && f != FloatFormat.F32) || head.cols() % 32 != 0
                || !kernel.multiplyRows(head, new float[head.cols()], new int[] {0}, 1, new float[1])) {
            return Optional.empty();
        }
        int rows = head.rows();
        float[] error = new float[rows];
        float[] max = new float[rows];
        // one pass: quantize each row and measure how far its decoded copy is from it
        FloatMatrix compact = kernel.prepare(HeadQuantizer.toQ8_0(head, arena, kernel.threads(), error, max));
        double gamma = 2.0 * (head.cols() + 64) * 0x1p-24;
        float[] slope = new float[rows];
        for (int v = 0; v < rows; v++) {
            // rounded up, so that the float bound is never below the real one
            slope[v] = Math.nextUp((float) (error[v] + gamma * (2.0 * max[v] + error[v])));
        }
        return Optional.of(new BoundedHead(head, compact, slope));
    }

    /** The compact copy read for every token. */
    public FloatMatrix compact() {
        return compact;
    }

    /** The exact head. */
    public FloatMatrix exact() {
        return exact;
    }

    /**
     * Logits of one activation row {@code x} into {@code y} (vocab values) as the class comment describes:
     * with {@code sampling} false only the greedy guarantee is kept (the fewest rows), with it true also the
     * tail-mass rule. Returns how many rows were computed exactly.
     */
    public int logits(TernaryKernel kernel, float[] x, float[] y, boolean sampling) {
        int vocab = exact.rows();
        Scratch s = scratch.get();
        kernel.multiply(compact, x, 1, y);
        double norm = 0;
        for (int i = 0; i < exact.cols(); i++) {
            norm += Math.abs(x[i]);
        }
        norm *= 1 + 1e-9;
        double best = Double.NEGATIVE_INFINITY;
        boolean finite = Double.isFinite(norm);
        for (int v = 0; v < vocab && finite; v++) {
            double b = norm * slope[v];
            s.upper[v] = y[v] + b;
            best = Math.max(best, y[v] - b);
            finite = Double.isFinite(s.upper[v]);
        }
        if (!finite) {
            // NaN or infinite values: no bound holds, so compute every row exactly
            kernel.multiply(exact, x, 1, y);
            return vocab;
        }
        int count = 0;
        for (int v = 0; v < vocab; v++) {
            if (s.upper[v] >= best) {
                s.rows[count++] = v;
            }
        }
        if (count > vocab / 4) {
            kernel.multiply(exact, x, 1, y);
            return vocab;
        }
        recompute(kernel, x, y, s, 0, count);
        if (!sampling) {
            return count;
        }
        Arrays.fill(s.done, false);
        double top = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < count; k++) {
            s.done[s.rows[k]] = true;
            top = Math.max(top, y[s.rows[k]]);
        }
        // every row left out then has exp(upper - top) < TAIL_MASS / vocab, so their sum stays below TAIL_MASS
        double cut = top - (Math.log(vocab / TAIL_MASS) + 1e-3);
        int from = count;
        for (int v = 0; v < vocab; v++) {
            if (!s.done[v] && s.upper[v] >= cut) {
                s.rows[count++] = v;
            }
        }
        if (count > vocab / 4) {
            kernel.multiply(exact, x, 1, y);
            return vocab;
        }
        recompute(kernel, x, y, s, from, count);
        return count;
    }

    private void recompute(TernaryKernel kernel, float[] x, float[] y, Scratch s, int from, int to) {
        int n = to - from;
        int[] rows = Arrays.copyOfRange(s.rows, from, to);
        float[] out = s.values(n);
        if (!kernel.multiplyRows(exact, x, rows, n, out)) {
            throw new IllegalStateException("kernel " + kernel.name() + " cannot compute single head rows");
        }
        for (int k = 0; k < n; k++) {
            y[rows[k]] = out[k];
        }
    }

    /** One thread's per-call buffers. */
    private static final class Scratch {
        final double[] upper;
        final int[] rows;
        final boolean[] done;

        float[] values = new float[64];

        Scratch(int vocab) {
            upper = new double[vocab];
            rows = new int[vocab];
            done = new boolean[vocab];
        }

        float[] values(int n) {
            if (values.length < n) {
                values = new float[n];
            }
            return values;
        }
    }
}
