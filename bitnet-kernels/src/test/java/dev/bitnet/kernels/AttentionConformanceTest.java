package dev.bitnet.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Optional;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Every kernel's attention against the reference ({@link Attention}) on random shapes, GQA included. */
class AttentionConformanceTest {
    @ParameterizedTest(name = "rows={0} start={1} heads={2}/{3} headDim={4}")
    @CsvSource({"1,0,4,4,64", "1,37,20,5,128", "7,0,8,2,64", "5,11,4,1,48", "16,3,6,3,80", "3,100,2,2,7"})
    void everyKernelMatchesTheReference(int rows, int start, int heads, int kvHeads, int headDim) {
        Random rnd = new Random(rows * 31L + start);
        int positions = start + rows;
        float[] q = random(rnd, rows * heads * headDim);
        float[] k = random(rnd, positions * kvHeads * headDim);
        float[] v = random(rnd, positions * kvHeads * headDim);
        float scale = (float) (1 / Math.sqrt(headDim));
        float[] expected = new float[rows * heads * headDim];
        Attention.compute(q, k, v, expected, rows, start, heads, kvHeads, headDim, scale);
        // a hand-computed check of one entry, so the reference itself is pinned
        assertThat(expected[0]).isCloseTo(firstOutput(q, k, v, start, heads, kvHeads, headDim, scale), within(1e-4f));
        for (KernelProvider p : Kernels.providers()) {
            if (p.unavailableReason().isPresent()) {
                continue;
            }
            try (TernaryKernel kernel = Kernels.create(Optional.of(p.name()), 2)) {
                float[] actual = new float[expected.length];
                kernel.attention(q, k, v, actual, rows, start, heads, kvHeads, headDim, scale);
                for (int i = 0; i < expected.length; i++) {
                    assertThat(actual[i]).as("%s output %d", p.name(), i).isCloseTo(expected[i], within(1e-5f + 1e-5f * Math.abs(expected[i])));
                }
            }
        }
    }

    /** Row 0, head 0: softmax over positions 0..start of q·k, weighting v; in double. */
    private static float firstOutput(float[] q, float[] k, float[] v, int start, int heads, int kvHeads, int headDim, float scale) {
        int kvd = kvHeads * headDim;
        double[] s = new double[start + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t <= start; t++) {
            double d = 0;
            for (int i = 0; i < headDim; i++) {
                d += (double) q[i] * k[t * kvd + i];
            }
            s[t] = d * scale;
            max = Math.max(max, s[t]);
        }
        double sum = 0;
        for (int t = 0; t <= start; t++) {
            s[t] = Math.exp(s[t] - max);
            sum += s[t];
        }
        double out = 0;
        for (int t = 0; t <= start; t++) {
            out += s[t] / sum * v[t * kvd];
        }
        return (float) out;
    }

    private static float[] random(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
