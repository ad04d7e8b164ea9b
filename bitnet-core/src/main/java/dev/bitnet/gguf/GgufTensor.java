package dev.bitnet.gguf;

import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor of a GGUF file, as described by its tensor info.
 *
 * @param name     the tensor's name, e.g. {@code blk.0.attn_q.weight}
 * @param shape    dimensions in GGUF ("ne") order: {@code shape[0]} varies fastest, so a 2-D weight
 *                 of {@code out} rows of {@code in} values has shape {@code [in, out]}. The accessor
 *                 returns a copy.
 * @param type     the storage type
 * @param offset   absolute byte offset of the tensor's data in the file
 * @param byteSize exact number of data bytes, {@code type.byteSize(shape)}
 */
public record GgufTensor(String name, long[] shape, GgmlType type, long offset, long byteSize) {
    /** The most dimensions a ggml tensor has. */
    public static final int MAX_DIMS = 4;

    /**
     * @throws IllegalArgumentException if the shape is not valid for the type, {@code byteSize} is not
     *                                  the type's size for that shape, or the offset is negative
     */
    public GgufTensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        long expected = type.byteSize(shape);
        if (byteSize != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + type + " " + Arrays.toString(shape)
                    + " takes " + expected + " bytes, not " + byteSize);
        }
        if (offset < 0) {
            throw new IllegalArgumentException("tensor " + name + ": negative offset " + offset);
        }
    }

    /** A copy of the dimensions, {@code shape[0]} fastest. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dimensions (1 to 4). */
    public int rank() {
        return shape.length;
    }

    /** Dimension {@code i} in GGUF order (0 is the fastest-varying). */
    public long dim(int i) {
        return shape[i];
    }

    /** Number of values: the product of the dimensions. */
    public long elementCount() {
        return GgmlType.elementCount(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && Arrays.equals(shape, t.shape) && type == t.type
                && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), type, offset, byteSize);
    }

    @Override
    public String toString() {
        return "GgufTensor[" + name + " " + type + " " + Arrays.toString(shape) + " at " + offset + ", " + byteSize + " bytes]";
    }
}
