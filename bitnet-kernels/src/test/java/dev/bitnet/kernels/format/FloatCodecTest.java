package dev.bitnet.kernels.format;

import dev.bitnet.kernels.FloatFormat;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Row decoding of the float and block formats on hand-built blocks whose values are known. */
class FloatCodecTest {
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Test
    void f32RowsAtAnOffset() {
        MemorySegment data = MemorySegment.ofArray(new byte[2 * 3 * 4]);
        for (int i = 0; i < 6; i++) {
            data.set(F32, 4L * i, i * 1.5f);
        }
        float[] dst = new float[5];
        FloatCodec.decodeRow(FloatFormat.F32, data, 3, 1, dst, 2);
        assertThat(dst).containsExactly(0f, 0f, 4.5f, 6f, 7.5f);
    }

    @Test
    void f16AndBf16MatchTheirBitDefinitions() {
        Random random = new Random(16);
        int cols = 64;
        MemorySegment f16 = MemorySegment.ofArray(new byte[2 * 2 * cols]);
        MemorySegment bf16 = MemorySegment.ofArray(new byte[2 * 2 * cols]);
        float[] expectedF16 = new float[cols];
        float[] expectedBf16 = new float[cols];
        for (int i = 0; i < cols; i++) {
            float v = (float) random.nextGaussian() * 10;
            short h = Float.floatToFloat16(v);
            f16.set(I16, 2L * (cols + i), h);
            expectedF16[i] = Float.float16ToFloat(h);
            int bits = Float.floatToRawIntBits(v) & 0xFFFF_0000;
            bf16.set(I16, 2L * (cols + i), (short) (bits >>> 16));
            expectedBf16[i] = Float.intBitsToFloat(bits);
        }
        float[] dst = new float[cols];
        FloatCodec.decodeRow(FloatFormat.F16, f16, cols, 1, dst, 0);
        assertThat(dst).containsExactly(expectedF16);
        FloatCodec.decodeRow(FloatFormat.BF16, bf16, cols, 1, dst, 0);
        assertThat(dst).containsExactly(expectedBf16);
    }

    @Test
    void q8BlocksAreScaleTimesInt8() {
        // Two rows of 64 values: 2 blocks each of f16 d + 32 int8.
        MemorySegment data = MemorySegment.ofArray(new byte[2 * 2 * 34]);
        long block = 3 * 34; // row 1, block 1
        data.set(I16, block, Float.floatToFloat16(0.5f));
        data.set(ValueLayout.JAVA_BYTE, block + 2, (byte) -128);
        data.set(ValueLayout.JAVA_BYTE, block + 2 + 31, (byte) 127);
        float[] dst = new float[64];
        FloatCodec.decodeRow(FloatFormat.Q8_0, data, 64, 1, dst, 0);
        assertThat(dst[32]).isEqualTo(-64f);
        assertThat(dst[63]).isEqualTo(63.5f);
        assertThat(dst[33]).isZero();
        assertThat(dst[0]).isZero();
    }

    @Test
    void q4BlocksSplitLowAndHighNibbles() {
        MemorySegment data = MemorySegment.ofArray(new byte[18]);
        data.set(I16, 0, Float.floatToFloat16(2f));
        data.set(ValueLayout.JAVA_BYTE, 2, (byte) 0xF0);  // value 0 -> (0 - 8) * 2, value 16 -> (15 - 8) * 2
        data.set(ValueLayout.JAVA_BYTE, 2 + 15, (byte) 0x89); // value 15 -> (9 - 8) * 2, value 31 -> 0
        float[] dst = new float[32];
        FloatCodec.decodeRow(FloatFormat.Q4_0, data, 32, 0, dst, 0);
        assertThat(dst[0]).isEqualTo(-16f);
        assertThat(dst[16]).isEqualTo(14f);
        assertThat(dst[15]).isEqualTo(2f);
        assertThat(dst[31]).isZero();
        assertThat(dst[1]).isEqualTo(-16f);
    }

    @Test
    void q6kValuesFromLowNibblesHighBitsAndScales() {
        // block_q6_K: ql[128], qh[64], int8 scales[16], f16 d. Value = d * scale * (6-bit code - 32).
        MemorySegment data = MemorySegment.ofArray(new byte[210]);
        data.set(I16, 208, Float.floatToFloat16(0.5f));
        for (int k = 0; k < 16; k++) {
            data.set(ValueLayout.JAVA_BYTE, 192 + k, (byte) (k + 1));
        }
        data.set(ValueLayout.JAVA_BYTE, 0, (byte) 0x21);            // ql[0]: low 1 -> value 0, high 2 -> value 64
        data.set(ValueLayout.JAVA_BYTE, 32, (byte) 0x43);           // ql[32]: low 3 -> value 32, high 4 -> value 96
        data.set(ValueLayout.JAVA_BYTE, 128, (byte) 0b11_10_01_00); // qh[0]: high bits 0, 1, 2, 3 of values 0, 32, 64, 96
        data.set(ValueLayout.JAVA_BYTE, 64, (byte) 0x0F);           // second half: ql[64] low 15 -> value 128
        data.set(ValueLayout.JAVA_BYTE, 192 + 15, (byte) -3);       // scale of values 240..255
        float[] dst = new float[256];
        FloatCodec.decodeRow(FloatFormat.Q6_K, data, 256, 0, dst, 0);
        assertThat(dst[0]).isEqualTo(0.5f * 1 * (1 - 32));
        assertThat(dst[32]).isEqualTo(0.5f * 3 * ((3 | 1 << 4) - 32));
        assertThat(dst[64]).isEqualTo(0.5f * 5 * ((2 | 2 << 4) - 32));
        assertThat(dst[96]).isEqualTo(0.5f * 7 * ((4 | 3 << 4) - 32));
        assertThat(dst[16]).as("second scale of the first 32").isEqualTo(0.5f * 2 * -32);
        assertThat(dst[128]).isEqualTo(0.5f * 9 * (15 - 32));
        assertThat(dst[255]).isEqualTo(0.5f * -3 * -32);
    }

    @Test
    void rowLengthMustBeWholeBlocks() {
        assertThatThrownBy(() -> FloatCodec.decodeRow(FloatFormat.Q6_K, MemorySegment.ofArray(new byte[210]), 100, 0, new float[100], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 256");
        assertThat(FloatFormat.Q8_0.rowBytes(64)).isEqualTo(68);
        assertThat(FloatFormat.Q6_K.rowBytes(2560)).isEqualTo(2100);
    }
}
