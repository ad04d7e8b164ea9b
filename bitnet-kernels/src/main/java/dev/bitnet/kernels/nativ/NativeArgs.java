package dev.bitnet.kernels.nativ;

import java.lang.foreign.MemorySegment;

/**
 * The last line of defence before C: checks every size, range and buffer of a native entry point
 * against the contract in {@code bitnet_kernels.h}, so that no argument can make native code read or
 * write outside the segments it is given. {@link NativeKernel} already passes only valid arguments;
 * these checks make that a property of {@link NativeLibrary} itself, tested by {@code NativeEntryPointsTest}.
 * A few comparisons per call, next to a native call that does thousands of operations.
 */
final class NativeArgs {
    /** Activation rows are padded to a multiple of this many bytes ({@code bitnet_act_pack}). */
    static final int PACK_ALIGN = 128;
    /** Values per Q8_0 block, and the block's bytes (an f16 scale and 32 codes). */
    private static final int Q8_BLOCK = 32;
    private static final int Q8_BLOCK_BYTES = 34;

    private NativeArgs() {
    }

    static void pack(MemorySegment q, long stride, int batch, int cols, int pcols, MemorySegment dst, MemorySegment sums) {
        nonNegative("batch", batch);
        nonNegative("cols", cols);
        paddedCols(pcols, cols);
        if (stride < cols) {
            throw new IllegalArgumentException("stride " + stride + " is below cols " + cols);
        }
        need("q", q, rowsSpan(batch, stride, cols));
        need("dst", dst, (long) batch * pcols);
        need("sums", sums, (long) batch * Integer.BYTES);
    }

    static void gemm(MemorySegment w, int row0, int row1, int pcols, MemorySegment qp, int batch, MemorySegment sums,
                     MemorySegment sa, MemorySegment y, long yStride) {
        rowRange(row0, row1);
        nonNegative("batch", batch);
        paddedCols(pcols, 0);
        if (batch > 1 && yStride < row1) {
            throw new IllegalArgumentException("y stride " + yStride + " is below row1 " + row1);
        }
        need("w", w, (long) row1 * (pcols / 4));
        need("qp", qp, (long) batch * pcols);
        need("sums", sums, (long) batch * Integer.BYTES);
        need("sa", sa, (long) batch * Float.BYTES);
        need("y", y, rowsSpan(batch, yStride, row1) * Float.BYTES);
    }

    static void quantize(MemorySegment x, int rows, int cols, MemorySegment q, long stride, MemorySegment sa, MemorySegment sums) {
        nonNegative("rows", rows);
        nonNegative("cols", cols);
        if (stride < cols) {
            throw new IllegalArgumentException("stride " + stride + " is below cols " + cols);
        }
        need("x", x, (long) rows * cols * Float.BYTES);
        need("q", q, rowsSpan(rows, stride, cols));
        need("sa", sa, (long) rows * Float.BYTES);
        need("sums", sums, (long) rows * Integer.BYTES);
    }

    static void head(int format, MemorySegment w, int cols, int row0, int row1, MemorySegment x, int batch,
                     MemorySegment y, long yStride) {
        rowRange(row0, row1);
        nonNegative("batch", batch);
        nonNegative("cols", cols);
        long rowBytes = switch (format) {
            case 0 -> (long) cols * Float.BYTES;
            case 1, 2 -> (long) cols * 2;
            case 3 -> {
                if (cols % Q8_BLOCK != 0) {
                    throw new IllegalArgumentException("Q8_0 head: cols " + cols + " is not a multiple of " + Q8_BLOCK);
                }
                yield (long) cols / Q8_BLOCK * Q8_BLOCK_BYTES;
            }
            default -> throw new IllegalArgumentException("unknown head format " + format);
        };
        if (batch > 1 && yStride < row1) {
            throw new IllegalArgumentException("y stride " + yStride + " is below row1 " + row1);
        }
        need("w", w, row1 * rowBytes);
        need("x", x, (long) batch * cols * Float.BYTES);
        need("y", y, rowsSpan(batch, yStride, row1) * Float.BYTES);
    }

    /** Elements spanned by {@code rows} rows of {@code width} elements, {@code stride} apart. */
    private static long rowsSpan(int rows, long stride, long width) {
        return rows == 0 ? 0 : Math.addExact(Math.multiplyExact(rows - 1L, stride), width);
    }

    private static void rowRange(int row0, int row1) {
        if (row0 < 0 || row1 < row0) {
            throw new IllegalArgumentException("row range [" + row0 + ", " + row1 + ") is invalid");
        }
    }

    private static void paddedCols(int pcols, int cols) {
        if (pcols <= 0 || pcols % PACK_ALIGN != 0 || pcols < cols) {
            throw new IllegalArgumentException("padded cols " + pcols + " must be a positive multiple of " + PACK_ALIGN
                    + " and at least cols " + cols);
        }
    }

    private static void nonNegative(String what, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative, got " + value);
        }
    }

    private static void need(String what, MemorySegment s, long bytes) {
        if (s == null) {
            throw new NullPointerException(what);
        }
        if (!s.isNative()) {
            throw new IllegalArgumentException(what + " must be a native segment");
        }
        if (s.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(what + " holds " + s.byteSize() + " bytes, the call needs " + bytes);
        }
    }
}
