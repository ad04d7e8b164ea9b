package dev.bitnet.kernels.vector;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Lanes#sum} adds a vector's lanes in its one documented order, bit for bit, both interpreted and after
 * the JIT compiles it (the calls below are enough for C2), over values whose sum depends on the order.
 */
class LanesTest {
    private static final int N = FloatVector.SPECIES_PREFERRED.length();

    @Test
    void sumIsBitExactAgainstTheTreeOrderAcrossCompilation() {
        SplittableRandom r = new SplittableRandom(11);
        float[] lanes = new float[N];
        for (int iter = 0; iter < 100_000; iter++) {
            for (int i = 0; i < N; i++) {
                // mixed magnitudes, so that a different order gives a different float
                lanes[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-3, 6)));
            }
            float got = Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, lanes, 0));
            assertThat(Float.floatToRawIntBits(got)).as("iteration %d", iter)
                    .isEqualTo(Float.floatToRawIntBits(Lanes.emulate(lanes)));
        }
    }

    @Test
    void theOrderIsTheDocumentedTree() {
        // lanes that cancel only when added in pairs (i, i + N/2): 1e8 + 1 - 1e8 loses the 1 in any other order
        float[] lanes = new float[N];
        lanes[0] = 1e8f;
        lanes[N / 2] = -1e8f;
        lanes[1] = 1f;
        float tree = Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, lanes, 0));
        assertThat(tree).isEqualTo(1f);
        assertThat(Lanes.emulate(lanes)).isEqualTo(1f);
        float sequential = 0f;
        for (float l : lanes) {
            sequential += l;
        }
        assertThat(sequential).as("left to right loses the 1").isEqualTo(0f);
    }

    @Test
    void specialValuesPassThrough() {
        float[] lanes = new float[N];
        lanes[N - 1] = Float.POSITIVE_INFINITY;
        assertThat(Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, lanes, 0))).isInfinite();
        lanes[0] = Float.NaN;
        assertThat(Lanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, lanes, 0))).isNaN();
    }
}
