package dev.bitnet.kernels.format;

import dev.bitnet.kernels.FloatFormat;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Encoding then decoding gives back each value within the format's step, and hand-built K-quant blocks
 * decode to the values the ggml layout defines.
 */
class FloatEncoderTest {
    @Test
    void everyFormatRoundTripsWithinItsStep() {
        Random rnd = new Random(3);
        int cols = 512;
        for (FloatFormat format : FloatFormat.values()) {
            float[] x = new float[2 * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian() * (i % 50 == 0 ? 4 : 1);
            }
            ByteBuffer out = ByteBuffer.allocate((int) (2 * format.rowBytes(cols)));
            FloatEncoder.encodeRow(format, x, 0, cols, out);
            FloatEncoder.encodeRow(format, x, cols, cols, out);
            assertThat(out.position()).isEqualTo(out.capacity());
            float[] back = new float[2 * cols];
            MemorySegment data = MemorySegment.ofArray(out.array());
            FloatCodec.decodeRow(format, data, cols, 0, back, 0);
            FloatCodec.decodeRow(format, data, cols, 1, back, cols);
            // relative to the largest magnitude of the value's block (256 values is the widest block)
            double levels = switch (format) {
                case F32 -> 1e7;
                case F16 -> 1000;
                case BF16 -> 120;
                case Q8_0 -> 120;
                case Q6_K -> 25;
                case Q5_K -> 12;
                case Q4_0, Q4_K -> 6;
            };
            double err = 0;
            for (int b = 0; b < x.length / 256; b++) {
                double amax = 0;
                for (int i = 0; i < 256; i++) {
                    amax = Math.max(amax, Math.abs(x[256 * b + i]));
                }
                for (int i = 0; i < 256; i++) {
                    err = Math.max(err, Math.abs(back[256 * b + i] - x[256 * b + i]) / amax);
                }
            }
            assertThat(err).as(format.name()).isLessThan(1 / levels);
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertThat(FloatEncoder.toBf16(Float.intBitsToFloat(0x3F808000))).isEqualTo((short) 0x3F80); // tie, even stays
        assertThat(FloatEncoder.toBf16(Float.intBitsToFloat(0x3F818000))).isEqualTo((short) 0x3F82); // tie, odd rounds up
        assertThat(FloatEncoder.toBf16(Float.intBitsToFloat(0x3F808001))).isEqualTo((short) 0x3F81);
        assertThat(Float.isNaN(Float.intBitsToFloat(FloatEncoder.toBf16(Float.NaN) << 16))).isTrue();
    }

    @Test
    void q4kAndQ5kBlocksDecodeByTheGgmlLayout() {
        for (boolean five : new boolean[] {false, true}) {
            FloatFormat format = five ? FloatFormat.Q5_K : FloatFormat.Q4_K;
            byte[] block = new byte[format.blockBytes()];
            ByteBuffer b = ByteBuffer.wrap(block).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.putShort(Float.floatToFloat16(0.5f)).putShort(Float.floatToFloat16(0.25f));
            int[] sc = {1, 2, 3, 4, 17, 33, 50, 63};
            int[] mn = {5, 6, 7, 8, 20, 40, 61, 9};
            // sub-blocks 0-3: low 6 bits of bytes j and j+4; 4-7: nibbles of bytes j+4 (8..11) and the top bits of bytes j-4, j
            for (int j = 0; j < 4; j++) {
                block[4 + j] = (byte) (sc[j] | ((sc[j + 4] >> 4) << 6));
                block[4 + j + 4] = (byte) (mn[j] | ((mn[j + 4] >> 4) << 6));
                block[4 + j + 8] = (byte) ((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
            }
            int qs = five ? 48 : 16;
            // value 64c + l is the low nibble of qs[32c + l], value 64c + 32 + l the high nibble
            block[qs + 32 * 2 + 5] = (byte) 0xA3;  // value 133 = 3, value 165 = 10
            if (five) {
                block[16 + 5] = (byte) (1 << 5);    // fifth bit of value 64*2 + 32 + 5 = 165 (bit 2c + 1)
            }
            float[] y = new float[256];
            FloatCodec.decodeRow(format, MemorySegment.ofArray(block), 256, 0, y, 0);
            assertThat(y[133]).isCloseTo(0.5f * sc[4] * 3 - 0.25f * mn[4], within(1e-6f));
            assertThat(y[165]).isCloseTo(0.5f * sc[5] * (five ? 26 : 10) - 0.25f * mn[5], within(1e-6f));
            assertThat(y[0]).isCloseTo(-0.25f * mn[0], within(1e-6f));
            assertThat(y[255]).isCloseTo(-0.25f * mn[7], within(1e-6f));
            assertThat(FloatCodec.kScale(MemorySegment.ofArray(block), 4, 6, false)).isEqualTo(50);
            assertThat(FloatCodec.kScale(MemorySegment.ofArray(block), 4, 6, true)).isEqualTo(61);
            assertThat(block.length).isEqualTo(five ? 176 : 144);
            assertThat(MemorySegment.ofArray(block).get(ValueLayout.JAVA_BYTE, 0)).isNotNull();
        }
    }
}
