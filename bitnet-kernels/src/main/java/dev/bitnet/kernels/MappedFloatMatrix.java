package dev.bitnet.kernels;

import dev.bitnet.kernels.format.FloatCodec;

import java.util.Objects;

/**
 * A float (or block-quantized) matrix used in place, on the source bytes: the fast kernels read the
 * LM head straight from the mapped file, so preparing it copies nothing.
 *
 * @param source the matrix as found in the model file
 * @param owner  the kernel that prepared it; {@link #of} checks it
 */
public record MappedFloatMatrix(FloatMatrixSource source, Object owner) implements FloatMatrix {
    public MappedFloatMatrix {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(owner, "owner");
    }

    /**
     * The matrix behind {@code w}, which must have been prepared by {@code owner}.
     *
     * @throws IllegalArgumentException if another kernel prepared it
     */
    public static MappedFloatMatrix of(FloatMatrix w, Object owner) {
        if (w instanceof MappedFloatMatrix m && m.owner == owner) {
            return m;
        }
        throw new IllegalArgumentException("matrix " + w.name() + " was prepared by another kernel");
    }

    @Override
    public String name() {
        return source.name();
    }

    @Override
    public int rows() {
        return source.rows();
    }

    @Override
    public int cols() {
        return source.cols();
    }

    @Override
    public FloatFormat format() {
        return source.format();
    }

    /** Bytes per row in the source. */
    public long rowBytes() {
        return source.format().rowBytes(source.cols());
    }

    @Override
    public void row(int row, float[] dst, int dstOffset) {
        if (row < 0 || row >= source.rows()) {
            throw new IndexOutOfBoundsException(source.name() + ": row " + row + " outside [0, " + source.rows() + ")");
        }
        Objects.checkFromIndexSize(dstOffset, source.cols(), dst.length);
        FloatCodec.decodeRow(source.format(), source.data(), source.cols(), row, dst, dstOffset);
    }
}
