package dev.bitnet.kernels.format;

import dev.bitnet.kernels.FloatFormat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes float rows into the ggml byte layouts that {@link FloatCodec} decodes (F32, F16, BF16, Q8_0, Q4_0,
 * Q4_K, Q5_K, Q6_K), for writing models (the synthetic models' embeddings). The bytes are the ggml block
 * layouts, so other GGUF readers accept them; the quantizers are simple absmax rules of this project (one
 * pass, no search for the best scales as llama.cpp's quantizers do), so their error is somewhat larger
 * than llama-quantize's and the bytes differ from its output.
 */
public final class FloatEncoder {
    private FloatEncoder() {
    }

    /**
     * Appends {@code cols} values of {@code x} from {@code off} to {@code out} (little-endian) in {@code format}.
     *
     * @throws IllegalArgumentException if {@code cols} is not a multiple of the format's block size
     */
    public static void encodeRow(FloatFormat format, float[] x, int off, int cols, ByteBuffer out) {
        format.rowBytes(cols); // validates cols
        out.order(ByteOrder.LITTLE_ENDIAN);
        switch (format) {
            case F32 -> {
                for (int i = 0; i < cols; i++) {
                    out.putFloat(x[off + i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < cols; i++) {
                    out.putShort(Float.floatToFloat16(x[off + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < cols; i++) {
                    out.putShort(toBf16(x[off + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    q8Block(x, off + 32 * b, out);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < cols / 32; b++) {
                    q4Block(x, off + 32 * b, out);
                }
            }
            case Q6_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    q6kBlock(x, off + 256 * b, out);
                }
            }
            case Q4_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    q45kBlock(x, off + 256 * b, false, out);
                }
            }
            case Q5_K -> {
                for (int b = 0; b < cols / 256; b++) {
                    q45kBlock(x, off + 256 * b, true, out);
                }
            }
        }
    }

    /** Float to bfloat16, rounding to nearest even (NaN stays a quiet NaN). */
    public static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (f != f) {
            return (short) ((bits >>> 16) | 0x40);
        }
        bits += 0x7FFF + ((bits >>> 16) & 1);
        return (short) (bits >>> 16);
    }

    private static int round(float v) {
        return Math.round(v);
    }

    private static void q8Block(float[] x, int o, ByteBuffer out) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[o + j]));
        }
        float d = amax / 127f;
        float id = d != 0f ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 32; j++) {
            out.put((byte) Math.max(-127, Math.min(127, round(x[o + j] * id))));
        }
    }

    /** Q4_0: d = (the value of largest magnitude) / -8, codes q = x / d + 8 clamped to 0..15. */
    private static void q4Block(float[] x, int o, ByteBuffer out) {
        float max = 0f;
        for (int j = 0; j < 32; j++) {
            if (Math.abs(x[o + j]) > Math.abs(max)) {
                max = x[o + j];
            }
        }
        float d = max / -8f;
        float id = d != 0f ? 1f / d : 0f;
        out.putShort(Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, Math.max(0, round(x[o + j] * id + 8f)));
            int hi = Math.min(15, Math.max(0, round(x[o + j + 16] * id + 8f)));
            out.put((byte) (lo | (hi << 4)));
        }
    }

    /**
     * Q6_K: sub-block scales s_j = absmax_j / 31 (16 values each), d = max s_j / 127 as f16, int8 scales
     * round(s_j / d), codes round(x / (d * sc_j)) clamped to -32..31, stored plus 32 in ql / qh.
     */
    private static void q6kBlock(float[] x, int o, ByteBuffer out) {
        float[] s = new float[16];
        float smax = 0f;
        for (int j = 0; j < 16; j++) {
            float amax = 0f;
            for (int i = 0; i < 16; i++) {
                amax = Math.max(amax, Math.abs(x[o + 16 * j + i]));
            }
            s[j] = amax / 31f;
            smax = Math.max(smax, s[j]);
        }
        short dh = Float.floatToFloat16(smax / 127f);
        float d = Float.float16ToFloat(dh);
        byte[] sc = new byte[16];
        int[] q = new int[256];
        for (int j = 0; j < 16; j++) {
            sc[j] = (byte) (d == 0f ? 0 : Math.min(127, round(s[j] / d)));
            float step = d * sc[j];
            for (int i = 0; i < 16; i++) {
                int v = step == 0f ? 0 : round(x[o + 16 * j + i] / step);
                q[16 * j + i] = Math.max(-32, Math.min(31, v)) + 32;
            }
        }
        byte[] ql = new byte[128];
        byte[] qh = new byte[64];
        for (int half = 0; half < 2; half++) {
            for (int l = 0; l < 32; l++) {
                int base = 128 * half;
                int q1 = q[base + l];
                int q2 = q[base + l + 32];
                int q3 = q[base + l + 64];
                int q4 = q[base + l + 96];
                ql[64 * half + l] = (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4));
                ql[64 * half + l + 32] = (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4));
                qh[32 * half + l] = (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
            }
        }
        out.put(ql).put(qh).put(sc).putShort(dh);
    }

    /**
     * Q4_K / Q5_K: per 32-value sub-block, min m_j = max(0, -min x) and scale s_j = (max x + m_j) / levels;
     * d = max s_j / 63 and dmin = max m_j / 63 as f16; 6-bit sub-block scales and mins round(s_j / d),
     * round(m_j / dmin); codes round((x + dmin * min_j) / (d * scale_j)) clamped to the levels.
     */
    private static void q45kBlock(float[] x, int o, boolean five, ByteBuffer out) {
        int levels = five ? 31 : 15;
        float[] s = new float[8];
        float[] m = new float[8];
        float smax = 0f;
        float mmax = 0f;
        for (int j = 0; j < 8; j++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < 32; i++) {
                lo = Math.min(lo, x[o + 32 * j + i]);
                hi = Math.max(hi, x[o + 32 * j + i]);
            }
            m[j] = Math.max(0f, -lo);
            s[j] = Math.max(0f, hi + m[j]) / levels;
            smax = Math.max(smax, s[j]);
            mmax = Math.max(mmax, m[j]);
        }
        short dh = Float.floatToFloat16(smax / 63f);
        short mh = Float.floatToFloat16(mmax / 63f);
        float d = Float.float16ToFloat(dh);
        float dmin = Float.float16ToFloat(mh);
        int[] sc = new int[8];
        int[] mn = new int[8];
        int[] q = new int[256];
        for (int j = 0; j < 8; j++) {
            sc[j] = d == 0f ? 0 : Math.min(63, round(s[j] / d));
            mn[j] = dmin == 0f ? 0 : Math.min(63, round(m[j] / dmin));
            float step = d * sc[j];
            float shift = dmin * mn[j];
            for (int i = 0; i < 32; i++) {
                int v = step == 0f ? 0 : round((x[o + 32 * j + i] + shift) / step);
                q[32 * j + i] = Math.max(0, Math.min(levels, v));
            }
        }
        byte[] scales = new byte[12];
        for (int j = 0; j < 4; j++) {
            scales[j] = (byte) (sc[j] | ((sc[j + 4] >> 4) << 6));
            scales[j + 4] = (byte) (mn[j] | ((mn[j + 4] >> 4) << 6));
            scales[j + 8] = (byte) ((sc[j + 4] & 0xF) | ((mn[j + 4] & 0xF) << 4));
        }
        out.putShort(dh).putShort(mh).put(scales);
        if (five) {
            byte[] qh = new byte[32];
            for (int c = 0; c < 4; c++) {
                for (int l = 0; l < 32; l++) {
                    qh[l] |= (byte) (((q[64 * c + l] >> 4) << (2 * c)) | ((q[64 * c + 32 + l] >> 4) << (2 * c + 1)));
                }
            }
            out.put(qh);
        }
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                out.put((byte) ((q[64 * c + l] & 0xF) | ((q[64 * c + 32 + l] & 0xF) << 4)));
            }
        }
    }
}
