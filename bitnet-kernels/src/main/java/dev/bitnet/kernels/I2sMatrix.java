package dev.bitnet.kernels;

import dev.bitnet.kernels.format.TernaryCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A ternary matrix held as I2_S codes: the layout the fast kernels compute on. Rows are
 * {@link #paddedCols()} values long (a multiple of 128), cut into blocks of 128 values in 32 bytes
 * where byte {@code j} holds the codes {@code c = t + 1} of values {@code j, 32+j, 64+j, 96+j} in bits
 * 7-6, 5-4, 3-2, 1-0. Within a block, each 2-bit plane covers 32 consecutive values, so the codes of
 * a plane line up with a contiguous run of activations.
 *
 * <p>An I2_S source is used in place (a slice of the mapped file, no copy). Other layouts are
 * repacked once, off-heap and 64-byte aligned, with pad columns coded as 0 so they add nothing. The
 * repacked memory belongs to the matrix and is freed by the garbage collector with it, so it stays
 * valid for as long as anything can still pass the matrix to a kernel.
 */
public final class I2sMatrix implements TernaryMatrix {
    /** Values per I2_S block. */
    public static final int BLOCK = TernaryCodec.I2S_BLOCK;
    /** Bytes per I2_S block. */
    public static final int BLOCK_BYTES = TernaryCodec.I2S_BLOCK_BYTES;
    /**
     * Longest row the kernels accept: their 32-bit integer sums stay exact up to about 5.5 million values
     * (|code * q| <= 3 * 128 per value, the AVX-512 GEMV sums planes scaled by up to 64).
     */
    public static final int MAX_COLS = 1 << 22;
    private static final int REPACK_ROWS_PER_TASK = 64;
    /**
     * A TQ2_0 half block (32 bytes, byte m holding values 32l + m in bits 2l, LSB first) is an I2_S block
     * with the four 2-bit fields of every byte in reverse order, the codes being the same.
     */
    private static final byte[] TQ2_TO_I2S = new byte[256];

    static {
        for (int b = 0; b < 256; b++) {
            TQ2_TO_I2S[b] = (byte) ((b & 3) << 6 | (b >>> 2 & 3) << 4 | (b >>> 4 & 3) << 2 | b >>> 6);
        }
    }

    private final String name;
    private final int rows;
    private final int cols;
    private final int paddedCols;
    private final float scale;
    private final MemorySegment codes;
    private final long ownedBytes;
    private final Object owner;

    private I2sMatrix(String name, int rows, int cols, int paddedCols, float scale, MemorySegment codes,
                      long ownedBytes, Object owner) {
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.paddedCols = paddedCols;
        this.scale = scale;
        this.codes = codes;
        this.ownedBytes = ownedBytes;
        this.owner = owner;
    }

    /**
     * Validates {@code source} and brings it into the I2_S code layout: in place for I2_S, repacked
     * (spread over {@code pool}) for the other layouts.
     *
     * @param owner the kernel preparing the matrix; {@link #of} later checks it
     * @param copy  repack even an I2_S source into an aligned off-heap copy (for measuring what a copy buys)
     * @throws IllegalArgumentException naming the tensor when the data does not fit the shape and layout,
     *                                  the scale is not finite, or an INT8 value is not a ternary code
     */
    public static I2sMatrix prepare(TernaryMatrixSource source, Object owner, WorkerPool pool, boolean copy) {
        String name = source.name();
        TernaryLayout layout = source.layout();
        int rows = source.rows();
        int cols = source.cols();
        TernaryCodec.validate(name, layout, rows, cols, source.data());
        if (cols > MAX_COLS) {
            throw new IllegalArgumentException("tensor " + name + ": rows of " + cols + " values exceed the "
                    + MAX_COLS + " the ternary kernels sum exactly");
        }
        requireShared(name, source.data(), pool);
        float scale = layout == TernaryLayout.INT8 ? source.scale() : TernaryCodec.scale(name, layout, rows, cols, source.data());
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("tensor " + name + ": scale is not finite: " + scale);
        }
        int paddedCols = (cols + BLOCK - 1) / BLOCK * BLOCK;
        long bytes = (long) rows * (paddedCols / 4);
        if (layout == TernaryLayout.I2_S && !copy) {
            return new I2sMatrix(name, rows, cols, paddedCols, scale, source.data().asSlice(0, bytes), 0, owner);
        }
        MemorySegment packed = Arena.ofAuto().allocate(bytes, 64);
        MemorySegment data = source.data();
        if (layout == TernaryLayout.I2_S) {
            MemorySegment.copy(data, 0, packed, 0, bytes);
            return new I2sMatrix(name, rows, cols, paddedCols, scale, packed, bytes, owner);
        }
        int tasks = (rows + REPACK_ROWS_PER_TASK - 1) / REPACK_ROWS_PER_TASK;
        pool.parallelFor(tasks, task -> {
            int end = Math.min(rows, (task + 1) * REPACK_ROWS_PER_TASK);
            if (layout == TernaryLayout.TQ2_0) {
                byte[] src = new byte[cols / TernaryCodec.TQ_BLOCK * TernaryCodec.TQ2_BLOCK_BYTES];
                byte[] dst = new byte[cols / 4];
                for (int r = task * REPACK_ROWS_PER_TASK; r < end; r++) {
                    MemorySegment.copy(data, ValueLayout.JAVA_BYTE, (long) r * src.length, src, 0, src.length);
                    tq2Row(src, dst);
                    MemorySegment.copy(dst, 0, packed, ValueLayout.JAVA_BYTE, (long) r * dst.length, dst.length);
                }
                return;
            }
            byte[] t = new byte[paddedCols];
            byte[] dst = new byte[paddedCols / 4];
            for (int r = task * REPACK_ROWS_PER_TASK; r < end; r++) {
                TernaryCodec.decodeRow(layout, data, cols, r, t);
                packRow(name, r, t, cols, dst);
                MemorySegment.copy(dst, 0, packed, ValueLayout.JAVA_BYTE, (long) r * dst.length, dst.length);
            }
        });
        return new I2sMatrix(name, rows, cols, paddedCols, scale, packed, bytes, owner);
    }

    private static void tq2Row(byte[] src, byte[] dst) {
        for (int blk = 0; blk < src.length / TernaryCodec.TQ2_BLOCK_BYTES; blk++) {
            int s = blk * TernaryCodec.TQ2_BLOCK_BYTES;
            int d = blk * 64;
            for (int j = 0; j < 64; j++) {
                dst[d + j] = TQ2_TO_I2S[src[s + j] & 0xFF];
            }
        }
    }

    /**
     * Rejects data that the pool's threads cannot read (a confined arena's segment).
     *
     * @throws IllegalArgumentException naming the tensor
     */
    public static void requireShared(String name, MemorySegment data, WorkerPool pool) {
        if (!pool.canAccess(data)) {
            throw new IllegalArgumentException("tensor " + name + ": its memory is confined to one thread; "
                    + "a multi-threaded kernel needs it in a shared, global or automatic arena");
        }
    }

    /** Packs {@code t[0..cols)} (pad values after it count as 0) into I2_S blocks in {@code dst}. */
    private static void packRow(String name, int row, byte[] t, int cols, byte[] dst) {
        for (int i = 0; i < t.length; i++) {
            if (i >= cols) {
                t[i] = 0;
            } else if (t[i] < -1 || t[i] > 2) {
                throw new IllegalArgumentException("tensor " + name + ": value " + t[i] + " at row " + row
                        + ", column " + i + " is not ternary");
            }
        }
        for (int b = 0; b < t.length / BLOCK; b++) {
            int v = b * BLOCK;
            for (int j = 0; j < 32; j++) {
                dst[b * BLOCK_BYTES + j] = (byte) ((t[v + j] + 1) << 6 | (t[v + 32 + j] + 1) << 4
                        | (t[v + 64 + j] + 1) << 2 | (t[v + 96 + j] + 1));
            }
        }
    }

    /**
     * The matrix behind {@code w}, which must have been prepared by {@code owner}.
     *
     * @throws IllegalArgumentException if another kernel prepared it
     */
    public static I2sMatrix of(TernaryMatrix w, Object owner) {
        if (w instanceof I2sMatrix m && m.owner == owner) {
            return m;
        }
        throw new IllegalArgumentException("matrix " + w.name() + " was prepared by another kernel");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** Row length in the code layout: {@link #cols()} rounded up to a multiple of {@link #BLOCK}. */
    public int paddedCols() {
        return paddedCols;
    }

    /** Bytes per row in {@link #codes()}. */
    public long rowBytes() {
        return paddedCols / 4;
    }

    @Override
    public float scale() {
        return scale;
    }

    /** The codes, {@code rows * rowBytes()} bytes. */
    public MemorySegment codes() {
        return codes;
    }

    @Override
    public long ownedBytes() {
        return ownedBytes;
    }
}
