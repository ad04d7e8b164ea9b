package dev.bitnet.kernels.format;

import dev.bitnet.kernels.TernaryLayout;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Encodes and decodes the ternary layouts bit for bit. Every 2-bit layout stores the code
 * {@code c = t + 1}; a decoder returns {@code c - 1}, so the unused code 3 decodes as +2 in every
 * kernel alike (which is also what the reference runtime's {@code dot(c, q) - Σq} arithmetic gives).
 *
 * <ul>
 *   <li>I2_S (bitnet.cpp, x86 / official-file layout): the tensor is flattened row-major and cut into
 *       blocks of 128 values of 32 bytes; byte {@code j} of a block holds values {@code j, 32+j, 64+j,
 *       96+j} in bits 7-6, 5-4, 3-2, 1-0. After {@code n/4} code bytes comes a 32-byte tail whose
 *       first 4 bytes are the f32 tensor scale.</li>
 *   <li>TQ2_0: blocks of 256 values, {@code qs[64]} then an f16 {@code d}; for each 32-byte half
 *       {@code h}, byte {@code m} holds values {@code 128h + 32l + m} at bits {@code 2l}, LSB first.</li>
 *   <li>TQ1_0: blocks of 256 values, {@code qs[48]}, {@code qh[4]}, f16 {@code d}; each byte is a
 *       base-3 number (first trit most significant) stored as {@code ceil(v * 256 / 243)}; trit
 *       {@code n} of byte {@code b} is {@code ((b * 3^n mod 256) * 3) >> 8}. {@code qs[0..31]} hold
 *       values {@code 32n + m}, {@code qs[32..47]} values {@code 160 + 16n + m}, {@code qh[j]} values
 *       {@code 240 + 4n + j} (four trits, shifted up once).</li>
 * </ul>
 */
public final class TernaryCodec {
    public static final int I2S_BLOCK = 128;
    public static final int I2S_BLOCK_BYTES = 32;
    public static final int I2S_TAIL_BYTES = 32;
    public static final int TQ_BLOCK = 256;
    public static final int TQ2_BLOCK_BYTES = 66;
    public static final int TQ1_BLOCK_BYTES = 54;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    private TernaryCodec() {
    }

    /** Number of values per row a layout requires the row length to be a multiple of. */
    public static int rowMultiple(TernaryLayout layout) {
        return switch (layout) {
            case I2_S -> I2S_BLOCK;
            case TQ2_0, TQ1_0 -> TQ_BLOCK;
            case INT8 -> 1;
        };
    }

    /** Exact byte size of a {@code rows x cols} tensor in {@code layout}. */
    public static long byteSize(TernaryLayout layout, int rows, int cols) {
        long n = (long) rows * cols;
        return switch (layout) {
            case I2_S -> n / 4 + I2S_TAIL_BYTES;
            case TQ2_0 -> n / TQ_BLOCK * TQ2_BLOCK_BYTES;
            case TQ1_0 -> n / TQ_BLOCK * TQ1_BLOCK_BYTES;
            case INT8 -> n;
        };
    }

    /**
     * Checks that {@code data} can hold a {@code rows x cols} matrix in {@code layout}.
     *
     * @throws IllegalArgumentException naming the tensor and what is wrong
     */
    public static void validate(String name, TernaryLayout layout, int rows, int cols, MemorySegment data) {
        int multiple = rowMultiple(layout);
        if (cols % multiple != 0) {
            throw new IllegalArgumentException("tensor " + name + ": " + layout + " needs rows of a multiple of "
                    + multiple + " values, got " + cols);
        }
        long expected = byteSize(layout, rows, cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + layout + " " + rows + "x" + cols
                    + " takes " + expected + " bytes, got " + data.byteSize());
        }
    }

    /**
     * The per-tensor scale: I2_S stores it after the codes; TQ1_0/TQ2_0 store one f16 per block, which
     * for a ternary model is the same in every block that holds a non-zero weight.
     *
     * @throws IllegalArgumentException if the blocks carry different scales (not a per-tensor ternary model)
     */
    public static float scale(String name, TernaryLayout layout, int rows, int cols, MemorySegment data) {
        return switch (layout) {
            case I2_S -> data.get(F32, (long) rows * cols / 4);
            case TQ2_0, TQ1_0 -> uniformBlockScale(name, layout, rows, cols, data);
            case INT8 -> throw new IllegalArgumentException("tensor " + name + ": INT8 ternary data carries no scale");
        };
    }

    private static float uniformBlockScale(String name, TernaryLayout layout, int rows, int cols, MemorySegment data) {
        int blockBytes = layout == TernaryLayout.TQ2_0 ? TQ2_BLOCK_BYTES : TQ1_BLOCK_BYTES;
        int codeBytes = blockBytes - 2;
        long blocks = (long) rows * cols / TQ_BLOCK;
        float scale = 0f;
        boolean found = false;
        for (long b = 0; b < blocks; b++) {
            long base = b * blockBytes;
            float d = Float.float16ToFloat(data.get(I16, base + codeBytes));
            if (d == 0f || allZero(layout, data, base)) {
                continue;
            }
            if (!found) {
                scale = d;
                found = true;
            } else if (d != scale) {
                throw new IllegalArgumentException("tensor " + name + ": " + layout + " block " + b + " has scale " + d
                        + " but earlier blocks have " + scale + "; only one scale per tensor is supported (BitNet b1.58)");
            }
        }
        return scale;
    }

    private static boolean allZero(TernaryLayout layout, MemorySegment data, long base) {
        byte[] t = new byte[TQ_BLOCK];
        decodeBlock(layout, data, base, t, 0);
        for (byte v : t) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** Decodes row {@code row} into {@code dst[0..cols)} as values in {-1, 0, +1} (+2 for code 3). */
    public static void decodeRow(TernaryLayout layout, MemorySegment data, int cols, int row, byte[] dst) {
        long first = (long) row * cols;
        switch (layout) {
            case I2_S -> {
                for (int c = 0; c < cols; c++) {
                    long i = first + c;
                    long block = i / I2S_BLOCK;
                    int j = (int) (i % I2S_BLOCK);
                    int b = data.get(ValueLayout.JAVA_BYTE, block * I2S_BLOCK_BYTES + (j & 31)) & 0xFF;
                    dst[c] = (byte) (((b >>> (6 - 2 * (j >>> 5))) & 3) - 1);
                }
            }
            case TQ2_0, TQ1_0 -> {
                int blockBytes = layout == TernaryLayout.TQ2_0 ? TQ2_BLOCK_BYTES : TQ1_BLOCK_BYTES;
                long firstBlock = first / TQ_BLOCK;
                for (int k = 0; k < cols / TQ_BLOCK; k++) {
                    decodeBlock(layout, data, (firstBlock + k) * blockBytes, dst, k * TQ_BLOCK);
                }
            }
            case INT8 -> MemorySegment.copy(data, ValueLayout.JAVA_BYTE, first, dst, 0, cols);
        }
    }

    private static void decodeBlock(TernaryLayout layout, MemorySegment data, long base, byte[] dst, int off) {
        if (layout == TernaryLayout.TQ2_0) {
            for (int h = 0; h < 2; h++) {
                for (int m = 0; m < 32; m++) {
                    int b = data.get(ValueLayout.JAVA_BYTE, base + 32 * h + m) & 0xFF;
                    for (int l = 0; l < 4; l++) {
                        dst[off + 128 * h + 32 * l + m] = (byte) (((b >>> (2 * l)) & 3) - 1);
                    }
                }
            }
            return;
        }
        for (int m = 0; m < 32; m++) {
            int b = data.get(ValueLayout.JAVA_BYTE, base + m) & 0xFF;
            for (int n = 0; n < 5; n++) {
                dst[off + 32 * n + m] = (byte) (trit(b, n) - 1);
            }
        }
        for (int m = 0; m < 16; m++) {
            int b = data.get(ValueLayout.JAVA_BYTE, base + 32 + m) & 0xFF;
            for (int n = 0; n < 5; n++) {
                dst[off + 160 + 16 * n + m] = (byte) (trit(b, n) - 1);
            }
        }
        for (int j = 0; j < 4; j++) {
            int b = data.get(ValueLayout.JAVA_BYTE, base + 48 + j) & 0xFF;
            for (int n = 0; n < 4; n++) {
                dst[off + 240 + 4 * n + j] = (byte) (trit(b, n) - 1);
            }
        }
    }

    private static int trit(int b, int n) {
        return (((b * POW3[n]) & 0xFF) * 3) >>> 8;
    }

    /**
     * Packs a row-major ternary matrix ({@code t} values in {-1, 0, +1}) into {@code layout} with
     * scale {@code scale} (stored as f16 in each TQ block, as f32 in the I2_S tail).
     */
    public static byte[] encode(TernaryLayout layout, byte[] t, int rows, int cols, float scale) {
        long n = (long) rows * cols;
        if (t.length != n) {
            throw new IllegalArgumentException("expected " + n + " values, got " + t.length);
        }
        if (cols % rowMultiple(layout) != 0) {
            throw new IllegalArgumentException(layout + " needs rows of a multiple of " + rowMultiple(layout) + " values, got " + cols);
        }
        long size = byteSize(layout, rows, cols);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("tensor too large to encode in memory: " + size + " bytes");
        }
        byte[] out = new byte[(int) size];
        MemorySegment seg = MemorySegment.ofArray(out);
        switch (layout) {
            case I2_S -> {
                for (int i = 0; i < n; i++) {
                    int block = i / I2S_BLOCK;
                    int j = i % I2S_BLOCK;
                    int idx = block * I2S_BLOCK_BYTES + (j & 31);
                    out[idx] |= (byte) (code(t[i]) << (6 - 2 * (j >>> 5)));
                }
                seg.set(F32, n / 4, scale);
            }
            case TQ2_0 -> {
                short d = Float.floatToFloat16(scale);
                for (int b = 0; b < n / TQ_BLOCK; b++) {
                    int base = b * TQ2_BLOCK_BYTES;
                    int v0 = b * TQ_BLOCK;
                    for (int h = 0; h < 2; h++) {
                        for (int m = 0; m < 32; m++) {
                            int q = 0;
                            for (int l = 0; l < 4; l++) {
                                q |= code(t[v0 + 128 * h + 32 * l + m]) << (2 * l);
                            }
                            out[base + 32 * h + m] = (byte) q;
                        }
                    }
                    seg.set(I16, base + 64, d);
                }
            }
            case TQ1_0 -> {
                short d = Float.floatToFloat16(scale);
                for (int b = 0; b < n / TQ_BLOCK; b++) {
                    int base = b * TQ1_BLOCK_BYTES;
                    int v0 = b * TQ_BLOCK;
                    for (int m = 0; m < 32; m++) {
                        out[base + m] = packTrits(t, v0 + m, 32, 5);
                    }
                    for (int m = 0; m < 16; m++) {
                        out[base + 32 + m] = packTrits(t, v0 + 160 + m, 16, 5);
                    }
                    for (int j = 0; j < 4; j++) {
                        out[base + 48 + j] = packTrits(t, v0 + 240 + j, 4, 4);
                    }
                    seg.set(I16, base + 52, d);
                }
            }
            case INT8 -> System.arraycopy(t, 0, out, 0, (int) n);
        }
        return out;
    }

    private static byte packTrits(byte[] t, int first, int step, int count) {
        int q = 0;
        for (int k = 0; k < count; k++) {
            q = q * 3 + code(t[first + k * step]);
        }
        for (int k = count; k < 5; k++) {
            q *= 3;
        }
        return (byte) ((q * 256 + 242) / 243);
    }

    private static int code(byte t) {
        if (t < -1 || t > 1) {
            throw new IllegalArgumentException("not a ternary value: " + t);
        }
        return t + 1;
    }
}
