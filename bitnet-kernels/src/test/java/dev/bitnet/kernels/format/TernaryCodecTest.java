package dev.bitnet.kernels.format;

import dev.bitnet.kernels.TernaryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Property and pinned-layout tests of the ternary packers and unpackers. */
class TernaryCodecTest {

    @ParameterizedTest
    @EnumSource(TernaryLayout.class)
    void encodeThenDecodeGivesTheSameValuesOverRandomShapes(TernaryLayout layout) {
        Random random = new Random(0xB17E7 + layout.ordinal());
        int multiple = TernaryCodec.rowMultiple(layout);
        for (int trial = 0; trial < 40; trial++) {
            int rows = 1 + random.nextInt(9);
            int cols = multiple * (1 + random.nextInt(layout == TernaryLayout.INT8 ? 300 : 6));
            byte[] t = randomTernary(random, rows * cols, random.nextInt(4));
            // f16-representable so that the TQ layouts' f16 scale holds it exactly.
            float scale = Float.float16ToFloat(Float.floatToFloat16(0.01f + random.nextFloat()));

            byte[] packed = TernaryCodec.encode(layout, t, rows, cols, scale);
            assertThat((long) packed.length).isEqualTo(TernaryCodec.byteSize(layout, rows, cols));
            MemorySegment data = MemorySegment.ofArray(packed);
            TernaryCodec.validate("t", layout, rows, cols, data);

            byte[] row = new byte[cols];
            for (int r = 0; r < rows; r++) {
                TernaryCodec.decodeRow(layout, data, cols, r, row);
                for (int c = 0; c < cols; c++) {
                    if (row[c] != t[r * cols + c]) {
                        throw new AssertionError(layout + " " + rows + "x" + cols + " [" + r + "][" + c + "]: decoded "
                                + row[c] + ", encoded " + t[r * cols + c]);
                    }
                }
            }
            if (layout != TernaryLayout.INT8 && hasNonZero(t)) {
                assertThat(TernaryCodec.scale("t", layout, rows, cols, data)).isEqualTo(scale);
            }
        }
    }

    @Test
    void sizes() {
        assertThat(TernaryCodec.byteSize(TernaryLayout.I2_S, 2560, 6912)).isEqualTo(2560L * 6912 / 4 + 32);
        assertThat(TernaryCodec.byteSize(TernaryLayout.TQ2_0, 2, 256)).isEqualTo(2 * 66);
        assertThat(TernaryCodec.byteSize(TernaryLayout.TQ1_0, 2, 512)).isEqualTo(4 * 54);
        assertThat(TernaryCodec.byteSize(TernaryLayout.INT8, 3, 5)).isEqualTo(15);
    }

    @Test
    void i2sBitOrderIsPinned() {
        // Byte j of a 128-value block holds values j, 32+j, 64+j, 96+j in bits 7-6, 5-4, 3-2, 1-0; code = t + 1.
        byte[] t = new byte[128];
        t[0] = 1;
        t[32] = -1;
        t[64] = 0;
        t[96] = 1;
        t[33] = 1;
        byte[] packed = TernaryCodec.encode(TernaryLayout.I2_S, t, 1, 128, 2.5f);
        assertThat(packed).hasSize(32 + 32);
        assertThat(packed[0] & 0xFF).isEqualTo(0b10_00_01_10);
        assertThat(packed[1] & 0xFF).isEqualTo(0b01_10_01_01);
        assertThat(MemorySegment.ofArray(packed).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 32)).isEqualTo(2.5f);
    }

    @Test
    void tq2BitOrderIsPinned() {
        // Byte m of half h holds values 128h + 32l + m at bits 2l (LSB first); d is f16 after 64 bytes.
        byte[] t = new byte[256];
        t[0] = 1;
        t[32] = -1;
        t[96] = 1;
        t[128 + 5] = -1;
        byte[] packed = TernaryCodec.encode(TernaryLayout.TQ2_0, t, 1, 256, 0.5f);
        assertThat(packed).hasSize(66);
        assertThat(packed[0] & 0xFF).isEqualTo(0b10_01_00_10);
        assertThat(packed[32 + 5] & 0xFF).isEqualTo(0b01_01_01_00);
        assertThat(Float.float16ToFloat(MemorySegment.ofArray(packed).get(ValueLayout.JAVA_SHORT_UNALIGNED, 64))).isEqualTo(0.5f);
    }

    @Test
    void tq1TritPackingIsPinned() {
        // qs[0] packs values 0, 32, 64, 96, 128 as a base-3 number (first most significant) scaled to a byte.
        byte[] t = new byte[256];
        t[0] = 1;   // trit 2
        t[32] = -1; // trit 0
        t[64] = 0;  // trit 1
        t[96] = 1;  // trit 2
        t[128] = 0; // trit 1
        int v = ((((2 * 3 + 0) * 3 + 1) * 3 + 2) * 3 + 1);
        byte[] packed = TernaryCodec.encode(TernaryLayout.TQ1_0, t, 1, 256, 1f);
        assertThat(packed).hasSize(54);
        assertThat(packed[0] & 0xFF).isEqualTo((v * 256 + 242) / 243);
        // Untouched values are 0 (trit 1): 11111 in base 3 = 121.
        assertThat(packed[1] & 0xFF).isEqualTo((121 * 256 + 242) / 243);
        // qh[j] holds values 240 + 4n + j, four trits shifted up once: 1111 then 0 -> 120.
        assertThat(packed[48] & 0xFF).isEqualTo((120 * 256 + 242) / 243);
    }

    @Test
    void unusedCodeThreeDecodesAsPlusTwo() {
        byte[] packed = new byte[32 + 32];
        packed[0] = (byte) 0xFF;
        byte[] row = new byte[128];
        TernaryCodec.decodeRow(TernaryLayout.I2_S, MemorySegment.ofArray(packed), 128, 0, row);
        assertThat(row[0]).isEqualTo((byte) 2);
        assertThat(row[32]).isEqualTo((byte) 2);
        assertThat(row[1]).isEqualTo((byte) -1);
    }

    @Test
    void scaleSkipsAllZeroBlocksAndRejectsMixedScales() {
        byte[] t = new byte[512];
        t[300] = 1;
        byte[] packed = TernaryCodec.encode(TernaryLayout.TQ2_0, t, 1, 512, 0.25f);
        MemorySegment seg = MemorySegment.ofArray(packed);
        // The first block is all zero: its scale is irrelevant and ignored.
        seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, 64, Float.floatToFloat16(7f));
        assertThat(TernaryCodec.scale("w", TernaryLayout.TQ2_0, 1, 512, seg)).isEqualTo(0.25f);
        t[0] = -1;
        byte[] mixed = TernaryCodec.encode(TernaryLayout.TQ2_0, t, 1, 512, 0.25f);
        MemorySegment.ofArray(mixed).set(ValueLayout.JAVA_SHORT_UNALIGNED, 64, Float.floatToFloat16(7f));
        assertThatThrownBy(() -> TernaryCodec.scale("blk.0.w", TernaryLayout.TQ2_0, 1, 512, MemorySegment.ofArray(mixed)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blk.0.w").hasMessageContaining("block 1");
        assertThatThrownBy(() -> TernaryCodec.scale("w", TernaryLayout.INT8, 1, 4, MemorySegment.ofArray(new byte[4])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no scale");
    }

    @Test
    void validateAndEncodeRejectBadInput() {
        assertThatThrownBy(() -> TernaryCodec.validate("w", TernaryLayout.I2_S, 2, 100, MemorySegment.ofArray(new byte[82])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tensor w").hasMessageContaining("multiple of 128");
        assertThatThrownBy(() -> TernaryCodec.validate("w", TernaryLayout.TQ1_0, 2, 256, MemorySegment.ofArray(new byte[107])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("takes 108 bytes, got 107");
        assertThatThrownBy(() -> TernaryCodec.encode(TernaryLayout.TQ2_0, new byte[256], 2, 256, 1f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 512 values");
        assertThatThrownBy(() -> TernaryCodec.encode(TernaryLayout.TQ2_0, new byte[]{2, 0}, 1, 2, 1f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 256");
        byte[] notTernary = new byte[128];
        notTernary[5] = 2;
        assertThatThrownBy(() -> TernaryCodec.encode(TernaryLayout.I2_S, notTernary, 1, 128, 1f))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a ternary value: 2");
    }

    /** Random values in {-1, 0, +1}; {@code bias} 0 is uniform, higher values make zeros more common. */
    private static byte[] randomTernary(Random random, int n, int bias) {
        byte[] t = new byte[n];
        for (int i = 0; i < n; i++) {
            t[i] = random.nextInt(3 + bias) < 3 ? (byte) (random.nextInt(3) - 1) : 0;
        }
        return t;
    }

    private static boolean hasNonZero(byte[] t) {
        for (byte v : t) {
            if (v != 0) {
                return true;
            }
        }
        return false;
    }
}
