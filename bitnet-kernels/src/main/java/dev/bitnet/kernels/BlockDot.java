package dev.bitnet.kernels;

/**
 * The LM head for block-quantized weights (Q4_0, Q4_K, Q5_K, Q6_K) as integer dot products: the
 * reference that every kernel's fast path for these formats must reproduce to the bit.
 *
 * <p>Why: a float dot on these formats has to turn every 4- to 6-bit code into a float first, which
 * costs several instructions per weight and made a Q6_K head the slowest part of decoding. Quantizing
 * the activation once per call to int8 blocks (as ggml does for its k-quant dot products) leaves an
 * exact integer dot per sub-block and a handful of float operations per block.
 *
 * <p>The math, per activation row {@code x}:
 * <ul>
 *   <li>Activation blocks of {@link #activationBlock} values (256 for the k-quants, 32 for Q4_0): with
 *       {@code a = max|x_i|} over the block, {@code dx = a / 127}, {@code q_i = clamp(rint(x_i * (127 / a)),
 *       -127, 127)} (round half to even, in float); a block of zeros has {@code dx = 0, q = 0}; a block
 *       holding NaN has {@code dx = NaN, q = 0}; a NaN product {@code inf * 0} quantizes to 0.</li>
 *   <li>Per weight block, the integer sum over its sub-blocks: Q6_K {@code isum = Σ_j sc_j Σ_i (c_i - 32) q_i}
 *       (16 sub-blocks of 16); Q4_K / Q5_K {@code isum = Σ_j sc_j Σ_i c_i q_i} and {@code imin = Σ_j m_j
 *       Σ_i q_i} (8 sub-blocks of 32); Q4_0 {@code isum = Σ_i (c_i - 8) q_i}.</li>
 *   <li>In float, blocks in order from {@code acc = 0}: Q6_K and Q4_0 {@code acc += d * dx * (float) isum};
 *       Q4_K and Q5_K {@code acc += d * dx * (float) isum - dmin * dx * (float) imin}, evaluated left to
 *       right without fused multiply-adds.</li>
 * </ul>
 * It differs from a float dot of the decoded weights with {@code x} by the activation rounding alone:
 * each activation moves by at most {@code dx / 2} (half an int8 step of its block), so a logit moves by at
 * most {@code Σ_blocks dx / 2 * Σ_i |w_i|}; the integer sums are exact (they stay far below 2^31).
 */
public final class BlockDot {
    /** Values per sub-block sum passed to the native kernels ({@code bsums}). */
    public static final int SUM_BLOCK = 16;

    private BlockDot() {
    }

    /** Values per activation block for {@code format}, or 0 when the format is not computed this way. */
    public static int activationBlock(FloatFormat format) {
        return switch (format) {
            case Q4_K, Q5_K, Q6_K -> 256;
            case Q4_0 -> 32;
            default -> 0;
        };
    }

    /**
     * Quantizes {@code cols} values of {@code x} from {@code xOff} in blocks of {@code block}: codes to
     * {@code q[qOff..]}, one scale per block to {@code d[dOff..]}, and, when {@code bsums} is not null, the
     * sum of the codes of every {@link #SUM_BLOCK} values to {@code bsums[bOff..]}.
     */
    public static void quantize(float[] x, int xOff, int cols, int block, byte[] q, int qOff, float[] d, int dOff,
                                int[] bsums, int bOff) {
        for (int b = 0; b < cols / block; b++) {
            int from = xOff + b * block;
            float amax = 0f;
            boolean nan = false;
            for (int i = 0; i < block; i++) {
                float a = Math.abs(x[from + i]);
                if (a != a) {
                    nan = true;
                } else {
                    amax = Math.max(amax, a);
                }
            }
            int to = qOff + b * block;
            if (nan || amax == 0f) {
                for (int i = 0; i < block; i++) {
                    q[to + i] = 0;
                }
                d[dOff + b] = nan ? Float.NaN : 0f;
            } else {
                float scale = 127f / amax;
                for (int i = 0; i < block; i++) {
                    float v = (float) Math.rint(x[from + i] * scale);
                    q[to + i] = v != v ? 0 : (byte) Math.max(-127f, Math.min(127f, v));
                }
                d[dOff + b] = amax / 127f;
            }
        }
        if (bsums != null) {
            for (int s = 0; s < cols / SUM_BLOCK; s++) {
                int sum = 0;
                for (int i = 0; i < SUM_BLOCK; i++) {
                    sum += q[qOff + s * SUM_BLOCK + i];
                }
                bsums[bOff + s] = sum;
            }
        }
    }

    /**
     * One head row: the weights {@code w[at .. at + format.rowBytes(cols))} against the quantized
     * activations {@code q[qOff..]} with block scales {@code d[dOff..]}, by the formula above.
     */
    public static float dot(FloatFormat format, byte[] w, int at, int cols, byte[] q, int qOff, float[] d, int dOff) {
        return switch (format) {
            case Q6_K -> dotQ6K(w, at, cols, q, qOff, d, dOff);
            case Q4_K -> dotQ45K(w, at, cols, false, q, qOff, d, dOff);
            case Q5_K -> dotQ45K(w, at, cols, true, q, qOff, d, dOff);
            case Q4_0 -> dotQ40(w, at, cols, q, qOff, d, dOff);
            default -> throw new IllegalArgumentException(format + " heads are not computed with integer dots");
        };
    }

    /**
     * Activation rows quantized for one head call: {@code rows x cols} codes, {@code cols / block} scales
     * per row and {@code cols / 16} code sums per row.
     */
    public record Activations(int rows, int cols, int block, byte[] q, float[] d, int[] bsums) {
    }

    /** Quantizes {@code rows} rows of {@code x} (row r at {@code r * cols}) for a head in {@code format}. */
    public static Activations quantizeRows(FloatFormat format, float[] x, int rows, int cols) {
        int block = activationBlock(format);
        if (block == 0 || cols % block != 0) {
            throw new IllegalArgumentException(format + " heads need rows of a multiple of " + block + " values, got " + cols);
        }
        byte[] q = new byte[rows * cols];
        float[] d = new float[rows * (cols / block)];
        int[] bsums = new int[rows * (cols / SUM_BLOCK)];
        for (int r = 0; r < rows; r++) {
            quantize(x, r * cols, cols, block, q, r * cols, d, r * (cols / block), bsums, r * (cols / SUM_BLOCK));
        }
        return new Activations(rows, cols, block, q, d, bsums);
    }

    /**
     * Head rows {@code [from, to)} of {@code w} against every row of {@code a}:
     * {@code y[r * w.rows() + v] = dot(row v, activation row r)}. Each weight row is copied once into a
     * heap buffer and then read from there.
     */
    public static void multiplyRows(MappedFloatMatrix w, Activations a, int from, int to, float[] y) {
        FloatFormat format = w.format();
        int cols = w.cols();
        int rowBytes = (int) w.rowBytes();
        int vocab = w.rows();
        int perRow = cols / a.block();
        byte[] buf = new byte[rowBytes];
        for (int v = from; v < to; v++) {
            java.lang.foreign.MemorySegment.copy(w.source().data(), java.lang.foreign.ValueLayout.JAVA_BYTE,
                    (long) v * rowBytes, buf, 0, rowBytes);
            for (int r = 0; r < a.rows(); r++) {
                y[r * vocab + v] = dot(format, buf, 0, cols, a.q(), r * cols, a.d(), r * perRow);
            }
        }
    }

    private static float half(byte[] w, int p) {
        return Float.float16ToFloat((short) ((w[p] & 0xFF) | (w[p + 1] << 8)));
    }

    private static float dotQ6K(byte[] w, int at, int cols, byte[] q, int qOff, float[] d, int dOff) {
        float acc = 0f;
        int[] sub = new int[8];
        for (int b = 0; b < cols / 256; b++) {
            int p = at + 210 * b;
            int isum = 0;
            for (int half = 0; half < 2; half++) {
                int ql = p + 64 * half;
                int qh = p + 128 + 32 * half;
                int o = qOff + 256 * b + 128 * half;
                java.util.Arrays.fill(sub, 0);
                for (int l = 0; l < 32; l++) {
                    int is = l >>> 4;
                    int low0 = w[ql + l] & 0xFF;
                    int low32 = w[ql + l + 32] & 0xFF;
                    int high = w[qh + l] & 0xFF;
                    sub[is] += (((low0 & 0xF) | ((high & 3) << 4)) - 32) * q[o + l];
                    sub[is + 2] += (((low32 & 0xF) | (((high >>> 2) & 3) << 4)) - 32) * q[o + l + 32];
                    sub[is + 4] += (((low0 >>> 4) | (((high >>> 4) & 3) << 4)) - 32) * q[o + l + 64];
                    sub[is + 6] += (((low32 >>> 4) | (((high >>> 6) & 3) << 4)) - 32) * q[o + l + 96];
                }
                int sc = p + 192 + 8 * half;
                for (int j = 0; j < 8; j++) {
                    isum += w[sc + j] * sub[j];
                }
            }
            acc += half(w, p + 208) * d[dOff + b] * (float) isum;
        }
        return acc;
    }

    /** Scale ({@code min == false}) or min of sub-block {@code j} from the 12 bytes at {@code sc}; see FloatCodec. */
    private static int kScale(byte[] w, int sc, int j, boolean min) {
        if (j < 4) {
            return w[sc + j + (min ? 4 : 0)] & 63;
        }
        int packed = w[sc + j + 4] & 0xFF;
        int top = (w[sc + j - (min ? 0 : 4)] & 0xFF) >>> 6;
        return (min ? packed >>> 4 : packed & 0xF) | (top << 4);
    }

    private static float dotQ45K(byte[] w, int at, int cols, boolean five, byte[] q, int qOff, float[] d, int dOff) {
        int bytes = five ? 176 : 144;
        float acc = 0f;
        for (int b = 0; b < cols / 256; b++) {
            int p = at + bytes * b;
            int sc = p + 4;
            int qh = p + 16;
            int qs = five ? p + 48 : p + 16;
            int isum = 0;
            int imin = 0;
            for (int c = 0; c < 4; c++) {
                int o = qOff + 256 * b + 64 * c;
                int s1 = 0;
                int s2 = 0;
                int b1 = 0;
                int b2 = 0;
                for (int l = 0; l < 32; l++) {
                    int code = w[qs + 32 * c + l] & 0xFF;
                    int lo = code & 0xF;
                    int hi = code >>> 4;
                    if (five) {
                        int h = w[qh + l] & 0xFF;
                        lo |= ((h >>> (2 * c)) & 1) << 4;
                        hi |= ((h >>> (2 * c + 1)) & 1) << 4;
                    }
                    int x1 = q[o + l];
                    int x2 = q[o + 32 + l];
                    s1 += lo * x1;
                    s2 += hi * x2;
                    b1 += x1;
                    b2 += x2;
                }
                isum += kScale(w, sc, 2 * c, false) * s1 + kScale(w, sc, 2 * c + 1, false) * s2;
                imin += kScale(w, sc, 2 * c, true) * b1 + kScale(w, sc, 2 * c + 1, true) * b2;
            }
            float dx = d[dOff + b];
            acc += half(w, p) * dx * (float) isum - half(w, p + 2) * dx * (float) imin;
        }
        return acc;
    }

    private static float dotQ40(byte[] w, int at, int cols, byte[] q, int qOff, float[] d, int dOff) {
        float acc = 0f;
        for (int k = 0; k < cols / 32; k++) {
            int p = at + 18 * k;
            int o = qOff + 32 * k;
            int s = 0;
            for (int j = 0; j < 16; j++) {
                int code = w[p + 2 + j] & 0xFF;
                s += ((code & 0xF) - 8) * q[o + j] + ((code >>> 4) - 8) * q[o + j + 16];
            }
            acc += half(w, p) * d[dOff + k] * (float) s;
        }
        return acc;
    }
}
