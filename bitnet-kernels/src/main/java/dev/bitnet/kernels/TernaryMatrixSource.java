package dev.bitnet.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A ternary weight matrix as found in a model file, before a kernel prepares it.
 *
 * <p>The matrix is {@code rows x cols}, row-major: row {@code o} holds the weights of output
 * {@code o}. {@code data} covers exactly the tensor's bytes in {@code layout} (for {@link
 * TernaryLayout#I2_S} that includes the 32-byte scale tail). For {@link TernaryLayout#INT8} the
 * scale is {@code scale}; for the other layouts it is read from the data and {@code scale} must be
 * {@code NaN}.
 *
 * @param name   tensor name, used in error messages
 * @param rows   output features
 * @param cols   input features
 * @param layout how {@code data} is laid out
 * @param data   the tensor's bytes (typically a slice of a memory-mapped file)
 * @param scale  the tensor scale for {@link TernaryLayout#INT8}, otherwise {@code Float.NaN}
 */
public record TernaryMatrixSource(String name, int rows, int cols, TernaryLayout layout, MemorySegment data, float scale) {
    public TernaryMatrixSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(layout, "layout");
        Objects.requireNonNull(data, "data");
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("tensor " + name + ": shape must be positive, got " + rows + "x" + cols);
        }
    }

    /** A source in the layout of a model file; the scale is read from the data. */
    public static TernaryMatrixSource of(String name, int rows, int cols, TernaryLayout layout, MemorySegment data) {
        return new TernaryMatrixSource(name, rows, cols, layout, data, Float.NaN);
    }
}
