package dev.bitnet.kernels.vector;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The attention dot product sums its lanes in a fixed order, so it gives bit-identical results before
 * and after the JIT compiles it (reduceLanes(ADD) did not: the soak saw sampled tokens flip). Checked
 * against a scalar emulation of the same order, over enough calls that the method gets compiled.
 */
class VectorAttentionDeterminismTest {
    @Test
    void dotIsBitExactAgainstItsFixedOrderAcrossCompilation() {
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        SplittableRandom r = new SplittableRandom(7);
        for (int iter = 0; iter < 60_000; iter++) {
            int n = 64 + r.nextInt(3);
            float[] a = new float[n];
            float[] b = new float[n];
            for (int i = 0; i < n; i++) {
                a[i] = (float) r.nextGaussian();
                b[i] = (float) r.nextGaussian() * 1e3f;
            }
            float got = VectorAttention.dot(a, 0, b, 0, n);
            assertThat(Float.floatToRawIntBits(got)).as("iteration %d", iter)
                    .isEqualTo(Float.floatToRawIntBits(emulate(a, b, n, lanes)));
        }
    }

    /** Per-lane fused multiply-adds, lanes summed in {@link Lanes}' tree order, then the scalar tail. */
    private static float emulate(float[] a, float[] b, int n, int lanes) {
        float[] acc = new float[lanes];
        int bound = n - n % lanes;
        for (int i = 0; i < bound; i++) {
            acc[i % lanes] = Math.fma(a[i], b[i], acc[i % lanes]);
        }
        float s = Lanes.emulate(acc);
        for (int i = bound; i < n; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
