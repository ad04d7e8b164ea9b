package dev.bitnet.kernels;

import dev.bitnet.kernels.format.FloatCodec;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class HeadQuantizerTest {

    @Test
    void roundsLikeGgmlHalfAwayFromZero() {
        float[] x = new float[32];
        x[0] = 127f; // absmax 127: d = 1
        x[1] = 2.5f;
        x[2] = -2.5f;
        x[3] = 0.49f;
        x[4] = -126.5f;
        MemorySegment out = MemorySegment.ofArray(new byte[34]);
        HeadQuantizer.quantizeRow(x, out, 0);
        assertThat(Float.float16ToFloat(out.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0))).isEqualTo(1f);
        assertThat(new byte[] {out.get(ValueLayout.JAVA_BYTE, 2), out.get(ValueLayout.JAVA_BYTE, 3), out.get(ValueLayout.JAVA_BYTE, 4),
                out.get(ValueLayout.JAVA_BYTE, 5), out.get(ValueLayout.JAVA_BYTE, 6), out.get(ValueLayout.JAVA_BYTE, 7)})
                .containsExactly(127, 3, -3, 0, -127, 0);
    }

    @Test
    void quantizedHeadDecodesWithinHalfAStepPlusTheF16ScaleRounding() {
        Random rnd = new Random(9);
        int rows = 1029;
        int cols = 256;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment f16 = arena.allocate((long) rows * cols * 2);
            for (long i = 0; i < (long) rows * cols; i++) {
                f16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16((float) rnd.nextGaussian() * 0.05f));
            }
            FloatMatrixSource head = new FloatMatrixSource("token_embd", rows, cols, FloatFormat.F16, f16);
            FloatMatrixSource q8 = HeadQuantizer.toQ8_0(head, arena, 2);
            assertThat(q8.format()).isEqualTo(FloatFormat.Q8_0);
            assertThat(q8.data().byteSize()).isEqualTo((long) rows * cols / 32 * 34);
            float[] original = new float[cols];
            float[] decoded = new float[cols];
            for (int r = 0; r < rows; r++) {
                FloatCodec.decodeRow(FloatFormat.F16, f16, cols, r, original, 0);
                FloatCodec.decodeRow(FloatFormat.Q8_0, q8.data(), cols, r, decoded, 0);
                for (int b = 0; b < cols / 32; b++) {
                    float amax = 0f;
                    for (int j = 0; j < 32; j++) {
                        amax = Math.max(amax, Math.abs(original[32 * b + j]));
                    }
                    // half a step, plus |q| <= 127 times the f16 rounding of the scale (2^-11 relative)
                    float bound = amax / 127f * (0.5f + 127f / 2048f) * 1.001f + 1e-7f;
                    for (int j = 0; j < 32; j++) {
                        int i = 32 * b + j;
                        assertThat(decoded[i]).as("row %d col %d", r, i).isCloseTo(original[i], within(bound));
                    }
                }
            }
            assertThatThrownBy(() -> HeadQuantizer.toQ8_0(new FloatMatrixSource("odd", 1, 33, FloatFormat.F32,
                    arena.allocate(33 * 4)), arena, 1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("odd");
        }
    }
}
