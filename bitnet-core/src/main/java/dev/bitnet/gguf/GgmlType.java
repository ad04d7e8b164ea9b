package dev.bitnet.gguf;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.TernaryLayout;

import java.util.Arrays;
import java.util.Optional;

/**
 * The tensor types bitnet-java reads, with their ggml type ids. Ids 0 to 35 are the same in
 * upstream llama.cpp and in bitnet.cpp's fork; 36 (I2_S) is bitnet.cpp's and is reserved upstream.
 * Block types store {@link #blockSize()} values in {@link #blockBytes()} bytes; I2_S packs four
 * values per byte and ends with a 32-byte tail whose first four bytes are the tensor's f32 scale.
 */
public enum GgmlType {
    F32(0, 1, 4),
    F16(1, 1, 2),
    Q4_0(2, 32, 18),
    Q8_0(8, 32, 34),
    Q4_K(12, 256, 144),
    Q5_K(13, 256, 176),
    Q6_K(14, 256, 210),
    BF16(30, 1, 2),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66),
    /** bitnet.cpp's 2-bit ternary layout: 128 values per 32 bytes, then a 32-byte tail holding the f32 scale. */
    I2_S(36, 128, 32);

    /** Bytes after I2_S's packed codes: the f32 scale and 28 bytes of padding. */
    static final int I2S_TAIL_BYTES = 32;

    private final int id;
    private final int blockSize;
    private final int blockBytes;

    GgmlType(int id, int blockSize, int blockBytes) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
    }

    /** The ggml type id stored in a GGUF tensor info. */
    public int id() {
        return id;
    }

    /** Values per block; {@code shape[0]} of a tensor of this type must be a multiple of it. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block of {@link #blockSize()} values. */
    public int blockBytes() {
        return blockBytes;
    }

    /**
     * Exact bytes a tensor of this type and shape takes in a file: {@code n / blockSize * blockBytes},
     * plus the 32-byte scale tail for I2_S (so {@code n/4 + 32}).
     *
     * @param shape dimensions in GGUF order, {@code shape[0]} varying fastest; 1 to 4 positive values
     * @throws IllegalArgumentException if the shape is empty, has more than 4 or non-positive
     *                                  dimensions, its row is not a whole number of blocks, or the size overflows a long
     */
    public long byteSize(long[] shape) {
        long n = elementCount(shape);
        if (shape[0] % blockSize != 0) {
            throw new IllegalArgumentException(name() + " needs shape[0] to be a multiple of " + blockSize
                    + ", got " + Arrays.toString(shape));
        }
        try {
            long bytes = Math.multiplyExact(n / blockSize, (long) blockBytes);
            return this == I2_S ? Math.addExact(bytes, I2S_TAIL_BYTES) : bytes;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(name() + " tensor of shape " + Arrays.toString(shape) + " is too large", e);
        }
    }

    /** The kernel layout of a ternary type (TQ1_0, TQ2_0, I2_S); empty for the others. */
    public Optional<TernaryLayout> ternaryLayout() {
        return switch (this) {
            case TQ1_0 -> Optional.of(TernaryLayout.TQ1_0);
            case TQ2_0 -> Optional.of(TernaryLayout.TQ2_0);
            case I2_S -> Optional.of(TernaryLayout.I2_S);
            default -> Optional.empty();
        };
    }

    /** The kernel float format of a non-ternary type (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K); empty for ternary types. */
    public Optional<FloatFormat> floatFormat() {
        return switch (this) {
            case F32 -> Optional.of(FloatFormat.F32);
            case F16 -> Optional.of(FloatFormat.F16);
            case BF16 -> Optional.of(FloatFormat.BF16);
            case Q8_0 -> Optional.of(FloatFormat.Q8_0);
            case Q4_0 -> Optional.of(FloatFormat.Q4_0);
            case Q6_K -> Optional.of(FloatFormat.Q6_K);
            case Q4_K -> Optional.of(FloatFormat.Q4_K);
            case Q5_K -> Optional.of(FloatFormat.Q5_K);
            case TQ1_0, TQ2_0, I2_S -> Optional.empty();
        };
    }

    /**
     * Number of elements of {@code shape}.
     *
     * @throws IllegalArgumentException if the shape is empty, has more than 4 or non-positive
     *                                  dimensions, or its product overflows a long
     */
    static long elementCount(long[] shape) {
        if (shape.length < 1 || shape.length > GgufTensor.MAX_DIMS) {
            throw new IllegalArgumentException("a tensor has 1 to " + GgufTensor.MAX_DIMS + " dimensions, got "
                    + Arrays.toString(shape));
        }
        long n = 1;
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("tensor dimensions must be positive, got " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("element count of shape " + Arrays.toString(shape) + " overflows a long", e);
            }
        }
        return n;
    }
}
