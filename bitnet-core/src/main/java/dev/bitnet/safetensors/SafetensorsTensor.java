package dev.bitnet.safetensors;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * One tensor listed in a safetensors header, already checked against its file: its bytes lie inside
 * the data section, overlap no other tensor, and number exactly {@code elementCount() *
 * dtype().byteSize()}.
 *
 * @param file     the file holding the data
 * @param name     the tensor's name in the header
 * @param dtype    element type
 * @param shape    dimensions, outermost first (row-major); empty for a scalar
 * @param offset   absolute byte offset of the first element in {@code file}
 * @param byteSize bytes of data
 */
public record SafetensorsTensor(Path file, String name, SafetensorsDtype dtype, List<Long> shape, long offset, long byteSize) {
    public SafetensorsTensor {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = List.copyOf(shape);
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.size();
    }

    /** Dimension {@code i}, outermost first. */
    public long dim(int i) {
        return shape.get(i);
    }

    /** Product of the dimensions (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
