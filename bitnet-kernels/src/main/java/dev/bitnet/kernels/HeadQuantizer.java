package dev.bitnet.kernels;

import dev.bitnet.kernels.format.FloatCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * Quantizes an LM head (or any float matrix) to Q8_0 at load, for the optional int8 head: half the
 * bytes of F16 per decode step, at the cost of 8-bit weights with one scale per 32 values. The blocks
 * are what ggml's reference quantizer writes: {@code d = absmax / 127} stored as f16,
 * {@code q = round(x / d)} (half away from zero), so the result is an ordinary Q8_0 tensor that every
 * kernel's Q8_0 path reads.
 */
public final class HeadQuantizer {
    private static final int BLOCK = 32;
    private static final int BLOCK_BYTES = 34;
    private static final int ROWS_PER_TASK = 512;

    private HeadQuantizer() {
    }

    /**
     * Returns {@code source} as Q8_0 in memory from {@code arena}, quantized on {@code threads} threads.
     *
     * @throws IllegalArgumentException if the row length is not a multiple of 32
     */
    public static FloatMatrixSource toQ8_0(FloatMatrixSource source, Arena arena, int threads) {
        Objects.requireNonNull(source, "source");
        return quantize(source.name(), source.rows(), source.cols(),
                (r, row) -> FloatCodec.decodeRow(source.format(), source.data(), source.cols(), r, row, 0), arena, threads);
    }

    /** Like {@link #toQ8_0(FloatMatrixSource, Arena, int)}, reading the rows of an already prepared matrix. */
    public static FloatMatrixSource toQ8_0(FloatMatrix matrix, Arena arena, int threads) {
        Objects.requireNonNull(matrix, "matrix");
        return quantize(matrix.name(), matrix.rows(), matrix.cols(), (r, row) -> matrix.row(r, row, 0), arena, threads);
    }

    /**
     * Like {@link #toQ8_0(FloatMatrix, Arena, int)}, also writing per row the largest difference between a
     * source value and its decoded Q8_0 value ({@code rowError[r]}, computed in double and rounded up) and
     * the largest source magnitude ({@code rowMax[r]}), for {@link BoundedHead}.
     */
    public static FloatMatrixSource toQ8_0(FloatMatrix matrix, Arena arena, int threads, float[] rowError, float[] rowMax) {
        Objects.requireNonNull(matrix, "matrix");
        if (rowError.length < matrix.rows() || rowMax.length < matrix.rows()) {
            throw new IllegalArgumentException("error arrays shorter than the " + matrix.rows() + " rows");
        }
        return quantize(matrix.name(), matrix.rows(), matrix.cols(), (r, row) -> matrix.row(r, row, 0), arena, threads,
                rowError, rowMax);
    }

    private interface RowReader {
        void read(int row, float[] dst);
    }

    private static FloatMatrixSource quantize(String name, int rows, int cols, RowReader reader, Arena arena, int threads) {
        return quantize(name, rows, cols, reader, arena, threads, null, null);
    }

    private static FloatMatrixSource quantize(String name, int rows, int cols, RowReader reader, Arena arena, int threads,
                                              float[] rowError, float[] rowMax) {
        Objects.requireNonNull(arena, "arena");
        if (cols % BLOCK != 0) {
            throw new IllegalArgumentException("tensor " + name + ": Q8_0 needs rows of a multiple of 32 values, got " + cols);
        }
        long rowBytes = FloatFormat.Q8_0.rowBytes(cols);
        MemorySegment out = arena.allocate(rows * rowBytes, 64);
        try (WorkerPool pool = new WorkerPool(threads)) {
            pool.parallelFor((rows + ROWS_PER_TASK - 1) / ROWS_PER_TASK, task -> {
                float[] row = new float[cols];
                int end = Math.min(rows, (task + 1) * ROWS_PER_TASK);
                for (int r = task * ROWS_PER_TASK; r < end; r++) {
                    reader.read(r, row);
                    quantizeRow(row, out, r * rowBytes);
                    if (rowError != null) {
                        measure(row, out, r * rowBytes, r, rowError, rowMax);
                    }
                }
            });
        }
        return new FloatMatrixSource(name, rows, cols, FloatFormat.Q8_0, out);
    }

    /** The largest |x - decoded| and |x| of one quantized row, as Q8_0 decoding gives the values back. */
    private static void measure(float[] x, MemorySegment q, long at, int r, float[] rowError, float[] rowMax) {
        double e = 0;
        double a = 0;
        for (int b = 0; b < x.length / BLOCK; b++) {
            long p = at + (long) BLOCK_BYTES * b;
            float d = Float.float16ToFloat(q.get(ValueLayout.JAVA_SHORT_UNALIGNED, p));
            for (int j = 0; j < BLOCK; j++) {
                float v = x[BLOCK * b + j];
                float back = d * q.get(ValueLayout.JAVA_BYTE, p + 2 + j);
                e = Math.max(e, Math.abs((double) v - back));
                a = Math.max(a, Math.abs(v));
            }
        }
        rowError[r] = Math.nextUp((float) e);
        rowMax[r] = Math.nextUp((float) a);
    }

    /** Writes {@code x} as Q8_0 blocks at {@code dst[at..]}. */
    static void quantizeRow(float[] x, MemorySegment dst, long at) {
        for (int b = 0; b < x.length / BLOCK; b++) {
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                amax = Math.max(amax, Math.abs(x[BLOCK * b + j]));
            }
            float d = amax / 127f;
            float id = d != 0f ? 1f / d : 0f;
            long p = at + (long) BLOCK_BYTES * b;
            dst.set(ValueLayout.JAVA_SHORT_UNALIGNED, p, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) {
                float v = x[BLOCK * b + j] * id;
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) Math.copySign(Math.floor(Math.abs(v) + 0.5f), v));
            }
        }
    }
}
