package dev.bitnet.kernels;

/**
 * Non-ternary storage formats used for embeddings and the LM head. Each format stores a row of
 * {@code cols} values in {@link #rowBytes(int)} bytes; block formats need {@code cols} to be a
 * multiple of {@link #blockSize()}.
 */
public enum FloatFormat {
    F32(1, 4),
    F16(1, 2),
    BF16(1, 2),
    /** 32 values: f16 scale + 32 int8. */
    Q8_0(32, 34),
    /** 32 values: f16 scale + 16 bytes of 4-bit codes (value = (q - 8) * d). */
    Q4_0(32, 18),
    /** 256 values: ql[128], qh[64], int8 scales[16], f16 d. */
    Q6_K(256, 210),
    /** 256 values: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, qs[128] (4-bit codes). */
    Q4_K(256, 144),
    /** 256 values: f16 d, f16 dmin, 12 bytes of 6-bit scales and mins, qh[32] (fifth bits), qs[128]. */
    Q5_K(256, 176);

    private final int blockSize;
    private final int blockBytes;

    FloatFormat(int blockSize, int blockBytes) {
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    public int blockSize() {
        return blockSize;
    }

    public int blockBytes() {
        return blockBytes;
    }

    /** Bytes taken by {@code cols} values; {@code cols} must be a multiple of the block size. */
    public long rowBytes(int cols) {
        if (cols % blockSize != 0) {
            throw new IllegalArgumentException(name() + " rows must be a multiple of " + blockSize + " values, got " + cols);
        }
        return (long) (cols / blockSize) * blockBytes;
    }
}
