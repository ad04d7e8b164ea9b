package dev.bitnet.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A batch of activation rows quantized to int8, the input of every ternary matmul.
 *
 * <p>Row {@code r} holds {@code q[r][i] = clamp(rint(x[r][i] * s_a[r]), -128, 127)} with
 * {@code s_a[r] = 127 / max(max_i |x[r][i]|, 1e-5)}, and {@code sum[r] = Σ_i q[r][i]}. The codes
 * live off-heap (64-byte aligned rows, zero padded to {@link #stride()}) so that native kernels
 * read them without copying. Not thread-safe: one instance belongs to one session's workspace.
 */
public final class Int8Activations implements AutoCloseable {
    /** Rows are padded to a multiple of this many bytes (one AVX-512 register). */
    public static final int ROW_ALIGN = 64;

    private final Arena arena;
    private final int capacity;
    private final int cols;
    private final int stride;
    private final MemorySegment codes;
    private final MemorySegment scales;
    private final MemorySegment sums;
    private int rows;

    /** Room for up to {@code capacity} rows of {@code cols} values. */
    public Int8Activations(int capacity, int cols) {
        if (capacity <= 0 || cols <= 0) {
            throw new IllegalArgumentException("capacity and cols must be positive: " + capacity + ", " + cols);
        }
        this.capacity = capacity;
        this.cols = cols;
        this.stride = (cols + ROW_ALIGN - 1) / ROW_ALIGN * ROW_ALIGN;
        this.arena = Arena.ofShared();
        this.codes = arena.allocate((long) capacity * stride, ROW_ALIGN);
        this.scales = arena.allocate((long) capacity * Float.BYTES, ROW_ALIGN);
        this.sums = arena.allocate((long) capacity * Integer.BYTES, ROW_ALIGN);
    }

    public int capacity() {
        return capacity;
    }

    public int cols() {
        return cols;
    }

    /** Bytes between the starts of two rows in {@link #codes()}. */
    public int stride() {
        return stride;
    }

    /** Rows currently holding data (set by the kernel that quantized them). */
    public int rows() {
        return rows;
    }

    public void setRows(int rows) {
        if (rows < 0 || rows > capacity) {
            throw new IllegalArgumentException("rows " + rows + " outside [0, " + capacity + "]");
        }
        this.rows = rows;
    }

    /** int8 codes, {@code capacity * stride} bytes. */
    public MemorySegment codes() {
        return codes;
    }

    /** f32 {@code s_a} per row. */
    public MemorySegment scales() {
        return scales;
    }

    /** i32 {@code Σ q} per row. */
    public MemorySegment sums() {
        return sums;
    }

    public byte code(int row, int col) {
        return codes.get(ValueLayout.JAVA_BYTE, (long) row * stride + col);
    }

    public float scale(int row) {
        return scales.getAtIndex(ValueLayout.JAVA_FLOAT, row);
    }

    public int sum(int row) {
        return sums.getAtIndex(ValueLayout.JAVA_INT, row);
    }

    @Override
    public void close() {
        arena.close();
    }
}
