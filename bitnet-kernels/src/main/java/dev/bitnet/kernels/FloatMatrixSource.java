package dev.bitnet.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A full-precision (or block-quantized) matrix such as the token embedding or the LM head,
 * {@code rows x cols}, row-major, in {@code format}; {@code data} holds exactly
 * {@code rows * format.rowBytes(cols)} bytes.
 */
public record FloatMatrixSource(String name, int rows, int cols, FloatFormat format, MemorySegment data) {
    public FloatMatrixSource {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(data, "data");
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("tensor " + name + ": shape must be positive, got " + rows + "x" + cols);
        }
        long expected = rows * format.rowBytes(cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + ": " + format + " " + rows + "x" + cols
                    + " needs " + expected + " bytes, got " + data.byteSize());
        }
    }
}
