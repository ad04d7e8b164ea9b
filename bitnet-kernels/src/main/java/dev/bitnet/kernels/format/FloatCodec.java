package dev.bitnet.kernels.format;

import dev.bitnet.kernels.FloatFormat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Decodes rows of the float and block-quantized formats used for embeddings and LM heads (ggml layouts). */
public final class FloatCodec {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

    private FloatCodec() {
    }

    /** Decodes row {@code row} of a {@code cols}-wide matrix into {@code dst[off .. off + cols)}. */
    public static void decodeRow(FloatFormat format, MemorySegment data, int cols, int row, float[] dst, int off) {
        long base = row * format.rowBytes(cols);
        switch (format) {
            case F32 -> MemorySegment.copy(data, F32, base, dst, off, cols);
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    dst[off + i] = Float.float16ToFloat(data.get(I16, base + 2L * i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    dst[off + i] = Float.intBitsToFloat((data.get(I16, base + 2L * i) & 0xFFFF) << 16);
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long p = base + 34L * b;
                    float d = Float.float16ToFloat(data.get(I16, p));
                    for (int j = 0; j < 32; j++) {
                        dst[off + 32 * b + j] = d * data.get(ValueLayout.JAVA_BYTE, p + 2 + j);
                    }
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    long p = base + 18L * b;
                    float d = Float.float16ToFloat(data.get(I16, p));
                    for (int j = 0; j < 16; j++) {
                        int q = data.get(ValueLayout.JAVA_BYTE, p + 2 + j) & 0xFF;
                        dst[off + 32 * b + j] = ((q & 0xF) - 8) * d;
                        dst[off + 32 * b + j + 16] = ((q >>> 4) - 8) * d;
                    }
                }
            }
            case Q6_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    decodeQ6K(data, base + 210L * b, dst, off + 256 * b);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    decodeQ45K(data, base + 144L * b, false, dst, off + 256 * b);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    decodeQ45K(data, base + 176L * b, true, dst, off + 256 * b);
                }
            }
        }
    }

    /**
     * The 6-bit scale ({@code min == false}) or min of sub-block {@code j} (0..7) of a Q4_K / Q5_K block
     * whose 12 scale bytes start at {@code sc}: sub-blocks 0-3 keep theirs in the low 6 bits of bytes
     * j (scale) and j + 4 (min); sub-blocks 4-7 take their low 4 bits from a nibble of byte j + 4 and
     * their top 2 bits from bits 7-6 of bytes j - 4 (scale) and j (min).
     */
    public static int kScale(MemorySegment data, long sc, int j, boolean min) {
        if (j < 4) {
            return data.get(ValueLayout.JAVA_BYTE, sc + j + (min ? 4 : 0)) & 63;
        }
        int packed = data.get(ValueLayout.JAVA_BYTE, sc + j + 4) & 0xFF;
        int top = (data.get(ValueLayout.JAVA_BYTE, sc + j - (min ? 0 : 4)) & 0xFF) >>> 6;
        return (min ? packed >>> 4 : packed & 0xF) | (top << 4);
    }

    /**
     * block_q4_K: f16 d, f16 dmin, scales[12], qs[128]; block_q5_K adds qh[32] before qs. Sub-block j
     * (32 values) is {@code d * scale_j * q - dmin * min_j}; per 64 values the low nibbles of 32 qs
     * bytes hold the first 32 codes and the high nibbles the next 32; for Q5_K bit 2c (resp. 2c + 1) of
     * qh[l] is the fifth bit of value 64c + l (resp. 64c + 32 + l).
     */
    private static void decodeQ45K(MemorySegment data, long p, boolean five, float[] y, int off) {
        float d = Float.float16ToFloat(data.get(I16, p));
        float dmin = Float.float16ToFloat(data.get(I16, p + 2));
        long sc = p + 4;
        long qh = p + 16;
        long qs = five ? p + 48 : p + 16;
        for (int c = 0; c < 4; c++) {
            float d1 = d * kScale(data, sc, 2 * c, false);
            float m1 = dmin * kScale(data, sc, 2 * c, true);
            float d2 = d * kScale(data, sc, 2 * c + 1, false);
            float m2 = dmin * kScale(data, sc, 2 * c + 1, true);
            for (int l = 0; l < 32; l++) {
                int q = data.get(ValueLayout.JAVA_BYTE, qs + 32L * c + l) & 0xFF;
                int lo = q & 0xF;
                int hi = q >>> 4;
                if (five) {
                    int h = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                    lo |= ((h >>> (2 * c)) & 1) << 4;
                    hi |= ((h >>> (2 * c + 1)) & 1) << 4;
                }
                y[off + 64 * c + l] = d1 * lo - m1;
                y[off + 64 * c + 32 + l] = d2 * hi - m2;
            }
        }
    }

    /** block_q6_K: ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16], f16 d. */
    private static void decodeQ6K(MemorySegment data, long p, float[] y, int off) {
        float d = Float.float16ToFloat(data.get(I16, p + 208));
        for (int half = 0; half < 2; half++) {
            long ql = p + 64L * half;
            long qh = p + 128 + 32L * half;
            long sc = p + 192 + 8L * half;
            int o = off + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int low0 = data.get(ValueLayout.JAVA_BYTE, ql + l) & 0xFF;
                int low32 = data.get(ValueLayout.JAVA_BYTE, ql + l + 32) & 0xFF;
                int high = data.get(ValueLayout.JAVA_BYTE, qh + l) & 0xFF;
                int q1 = ((low0 & 0xF) | ((high & 3) << 4)) - 32;
                int q2 = ((low32 & 0xF) | (((high >>> 2) & 3) << 4)) - 32;
                int q3 = ((low0 >>> 4) | (((high >>> 4) & 3) << 4)) - 32;
                int q4 = ((low32 >>> 4) | (((high >>> 6) & 3) << 4)) - 32;
                y[o + l] = d * data.get(ValueLayout.JAVA_BYTE, sc + is) * q1;
                y[o + l + 32] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 2) * q2;
                y[o + l + 64] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 4) * q3;
                y[o + l + 96] = d * data.get(ValueLayout.JAVA_BYTE, sc + is + 6) * q4;
            }
        }
    }
}
