package dev.bitnet.kernels;

import dev.bitnet.kernels.format.FloatCodec;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The integer head formula: activation quantization edge cases and its documented error bound. */
class BlockDotTest {
    @Test
    void quantizesBlocksByAbsmaxWithZeroAndNanBlocks() {
        float[] x = new float[64];
        for (int i = 0; i < 32; i++) {
            x[i] = i - 15.5f;
        }
        x[40] = Float.NaN;
        float[] x2 = new float[96];
        System.arraycopy(x, 0, x2, 0, 64); // third block stays zero
        byte[] q = new byte[96];
        float[] d = new float[3];
        int[] sums = new int[6];
        BlockDot.quantize(x2, 0, 96, 32, q, 0, d, 0, sums, 0);
        assertThat(d[0]).isEqualTo(15.5f / 127f);
        assertThat(q[0]).isEqualTo((byte) -127);  // -15.5 is the absmax
        assertThat(q[31]).isEqualTo((byte) 127);  // +15.5 too
        assertThat(q[16]).isEqualTo((byte) Math.rint(0.5f * (127f / 15.5f)));
        assertThat(Float.isNaN(d[1])).isTrue();
        assertThat(d[2]).isZero();
        for (int i = 32; i < 96; i++) {
            assertThat(q[i]).isZero();
        }
        int s = 0;
        for (int i = 0; i < 16; i++) {
            s += q[i];
        }
        assertThat(sums[0]).isEqualTo(s);
    }

    @Test
    void staysWithinTheActivationRoundingBoundOfTheFloatDot() {
        Random rnd = new Random(8);
        int cols = 1024;
        int rows = 40;
        for (FloatFormat format : new FloatFormat[] {FloatFormat.Q4_0, FloatFormat.Q4_K, FloatFormat.Q5_K, FloatFormat.Q6_K}) {
            byte[] w = HeadData.random(rnd, format, rows, cols);
            float[] x = KernelFixtures.randomActivations(rnd, 1, cols);
            BlockDot.Activations a = BlockDot.quantizeRows(format, x, 1, cols);
            int block = a.block();
            float[] row = new float[cols];
            for (int v = 0; v < rows; v++) {
                FloatCodec.decodeRow(format, MemorySegment.ofArray(w), cols, v, row, 0);
                double exact = 0;
                double bound = 0;
                double magnitude = 0;
                for (int i = 0; i < cols; i++) {
                    exact += (double) row[i] * x[i];
                    bound += a.d()[i / block] / 2 * Math.abs(row[i]);
                    magnitude += Math.abs((double) row[i] * x[i]);
                }
                float got = BlockDot.dot(format, w, (int) (v * format.rowBytes(cols)), cols, a.q(), 0, a.d(), 0);
                assertThat(Math.abs(got - exact)).as("%s row %d", format, v).isLessThanOrEqualTo(bound * 1.0001 + 1e-5 * magnitude);
            }
        }
    }
}
