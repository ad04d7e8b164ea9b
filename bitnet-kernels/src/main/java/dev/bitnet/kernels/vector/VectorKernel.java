package dev.bitnet.kernels.vector;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.BlockDot;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.FloatMatrixSource;
import dev.bitnet.kernels.I2sMatrix;
import dev.bitnet.kernels.Int8Activations;
import dev.bitnet.kernels.KernelChecks;
import dev.bitnet.kernels.MappedFloatMatrix;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.TernaryMatrix;
import dev.bitnet.kernels.TernaryMatrixSource;
import dev.bitnet.kernels.ParallelAttention;
import dev.bitnet.kernels.WorkerPool;
import dev.bitnet.kernels.scalar.ScalarKernel;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.IntConsumer;

/**
 * The portable fast kernel, on the Java Vector API ({@code jdk.incubator.vector}), multi-threaded
 * through a {@link WorkerPool}. Only loaded when that module is present (see
 * {@link VectorKernelProvider}).
 *
 * <p>Ternary matrices stay in the I2_S code layout ({@link I2sMatrix}, on the mapped file for I2_S
 * sources). The activations of a call are widened once to 16 bits; products {@code code * q} are
 * summed in 16-bit lanes (flushed to 32 bits before they can overflow), so every integer result is
 * exact. One activation row (decode) streams the weights two rows at a time (half the range apart,
 * two sequential streams) and decodes the 2-bit codes in registers; several rows (prefill) decode two
 * weight rows at a time to 16-bit values {@code t} and multiply them with four activation rows per
 * pass, in batch tiles that stay in the L2 cache. The head reads F32, F16 (converted exactly in
 * vector registers), BF16 and Q8_0 in place; Q4_0, Q4_K, Q5_K and Q6_K heads run {@link BlockDot}'s
 * integer dot products on the worker threads.
 */
public final class VectorKernel implements TernaryKernel {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    /** Bytes that widen into one {@link #S} vector. */
    private static final VectorSpecies<Byte> SB = VectorSpecies.of(byte.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> SI = VectorSpecies.of(int.class, S.vectorShape());
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> FI = VectorSpecies.of(int.class, F.vectorShape());
    /** Halves that widen into one {@link #F} vector. */
    private static final VectorSpecies<Short> FH = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /** Bytes that widen into one {@link #F} vector, or null when that is narrower than any vector shape. */
    private static final VectorSpecies<Byte> FB = F.vectorBitSize() >= 256
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.vectorBitSize() / 4)) : null;

    private static final int SL = S.length();
    private static final int FL = F.length();
    /** Code bytes loaded per step; a 32-byte I2_S block takes {@code 32 / SBL} steps. */
    private static final int SBL = SB.length();
    /**
     * Blocks whose 16-bit sums of {@code code * q} (up to 4 * 3 * 128 per lane per step) fit a short:
     * 16 steps of 1536.
     */
    private static final int GEMV_FLUSH_BLOCKS = Math.max(1, 16 * SBL / 32);
    /** Steps of {@code t * q} (|t| <= 2) that fit a short: 64 * 256 = 16384. */
    private static final int GEMM_FLUSH_STEPS = 64;
    /** Activation rows multiplied per pass over a decoded weight row; their 16-bit copies stay in L2. */
    private static final int BATCH_TILE = 16;
    private static final int GEMM_ROWS_PER_TASK = 32;
    private static final int HEAD_ROWS_PER_TASK = 256;
    private static final float ROUND_MAGIC = 12582912f; // 1.5 * 2^23: adding and subtracting it rounds half to even

    private final WorkerPool pool;
    private final ThreadLocal<Call> calls = ThreadLocal.withInitial(Call::new);
    private final ParallelAttention attention;

    /** Creates a kernel computing with {@code threads} threads (the caller and {@code threads - 1} workers). */
    public VectorKernel(int threads) {
        this.pool = new WorkerPool(threads);
        this.attention = ParallelAttention.create(pool);
    }

    @Override
    public void attention(float[] q, float[] keys, float[] values, float[] out, int rows, int start, int heads,
                          int kvHeads, int headDim, float scale) {
        attention.compute(q, keys, values, out, rows, start, heads, kvHeads, headDim, scale);
    }

    /** One (row, head) pair of attention with SIMD arithmetic (see {@link dev.bitnet.kernels.Attention#head}). */
    public static void attentionHead(float[] q, float[] keys, float[] values, float[] out, int r, int start, int h,
                                     int heads, int kvHeads, int headDim, float scale) {
        VectorAttention.head(q, keys, values, out, r, start, h, heads, kvHeads, headDim, scale);
    }

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public TernaryMatrix prepare(TernaryMatrixSource source) {
        return I2sMatrix.prepare(source, this, pool, false);
    }

    @Override
    public FloatMatrix prepare(FloatMatrixSource source) {
        I2sMatrix.requireShared(source.name(), source.data(), pool);
        return new MappedFloatMatrix(source, this);
    }

    @Override
    public void quantize(float[] x, int xOffset, int rows, Int8Activations out) {
        KernelChecks.quantize(x, xOffset, rows, out);
        if (FB == null) {
            ScalarKernel.quantizeRows(x, xOffset, rows, out);
            return;
        }
        for (int r = 0; r < rows; r++) {
            quantizeRow(x, xOffset + r * out.cols(), out.cols(), out, r);
        }
        out.setRows(rows);
    }

    private static void quantizeRow(float[] x, int base, int cols, Int8Activations out, int r) {
        int vecEnd = cols - cols % FL;
        FloatVector vmax = FloatVector.zero(F);
        for (int i = 0; i < vecEnd; i += FL) {
            vmax = vmax.max(FloatVector.fromArray(F, x, base + i).abs());
        }
        float absmax = vmax.reduceLanes(VectorOperators.MAX);
        for (int i = vecEnd; i < cols; i++) {
            absmax = Math.max(absmax, Math.abs(x[base + i]));
        }
        float scale = 127f / Math.max(absmax, ScalarKernel.ABSMAX_FLOOR);
        MemorySegment codes = out.codes();
        long rowStart = (long) r * out.stride();
        IntVector vsum = IntVector.zero(FI);
        for (int i = 0; i < vecEnd; i += FL) {
            FloatVector v = FloatVector.fromArray(F, x, base + i).mul(scale).add(ROUND_MAGIC).sub(ROUND_MAGIC)
                    .max(-128f).min(127f);
            vsum = vsum.add(v.convertShape(VectorOperators.F2I, FI, 0));
            v.convertShape(VectorOperators.F2B, FB, 0).reinterpretAsBytes().intoMemorySegment(codes, rowStart + i, LE);
        }
        int sum = vsum.reduceLanes(VectorOperators.ADD);
        for (int i = vecEnd; i < cols; i++) {
            int q = ScalarKernel.quantizeValue(x[base + i], scale);
            codes.set(ValueLayout.JAVA_BYTE, rowStart + i, (byte) q);
            sum += q;
        }
        out.scales().setAtIndex(ValueLayout.JAVA_FLOAT, r, scale);
        out.sums().setAtIndex(ValueLayout.JAVA_INT, r, sum);
    }

    @Override
    public void multiply(TernaryMatrix w, Int8Activations a, float[] y, int yOffset) {
        I2sMatrix m = I2sMatrix.of(w, this);
        KernelChecks.multiply(m, a, y, yOffset);
        int batch = a.rows();
        if (batch == 0) {
            return;
        }
        int rows = m.rows();
        int pc = m.paddedCols();
        Call call = calls.get();
        short[] q = call.activations(batch * pc);
        for (int r = 0; r < batch; r++) {
            widen(a, r, q, r * pc, pc);
        }
        int perTask;
        if (batch == 1) {
            // about eight tasks per thread, whole four-row tiles, at least 64 rows (40 KB of codes at 2560 columns)
            int share = (rows + pool.threads() * 8 - 1) / (pool.threads() * 8);
            perTask = Math.max(64, (share + 3) / 4 * 4);
        } else {
            perTask = GEMM_ROWS_PER_TASK;
        }
        call.ternary(batch == 1 ? Call.GEMV : Call.GEMM, m, a, q, y, yOffset, perTask);
        try {
            pool.parallelFor((rows + perTask - 1) / perTask, call);
        } finally {
            call.clear();
        }
    }

    /** Activation row {@code r} as shorts at {@code dst[at..at + pc)}, zero beyond the row's columns. */
    private static void widen(Int8Activations a, int r, short[] dst, int at, int pc) {
        MemorySegment codes = a.codes();
        long src = (long) r * a.stride();
        int cols = a.cols();
        int vecEnd = cols - cols % SBL;
        for (int i = 0; i < vecEnd; i += SBL) {
            ByteVector.fromMemorySegment(SB, codes, src + i, LE).convertShape(VectorOperators.B2S, S, 0)
                    .reinterpretAsShorts().intoArray(dst, at + i);
        }
        for (int i = vecEnd; i < cols; i++) {
            dst[at + i] = codes.get(ValueLayout.JAVA_BYTE, src + i);
        }
        for (int i = cols; i < pc; i++) {
            dst[at + i] = 0;
        }
    }

    /**
     * One activation row: {@code y[o] = (Σ c·q − Σ q) / s_a · s_w} for {@code o in [from, to)}, two rows
     * half the range apart at a time: two sequential streams keep more DRAM reads in flight than one,
     * and they share the activation loads.
     */
    private static void gemvRows(I2sMatrix m, int from, int to, short[] q, int sumQ, float sa, float[] y, int yOffset) {
        MemorySegment w = m.codes();
        long rowBytes = m.rowBytes();
        int blocks = m.paddedCols() / I2sMatrix.BLOCK;
        float sw = m.scale();
        int half = (to - from) / 2;
        for (int o = from; o < from + half; o++) {
            gemv2(w, o * rowBytes, (o + half) * rowBytes, blocks, q, sumQ, sa, sw, y, yOffset + o, yOffset + o + half);
        }
        if ((to - from) % 2 != 0) {
            y[yOffset + to - 1] = (float) (gemv1(w, (to - 1) * rowBytes, blocks, q) - sumQ) / sa * sw;
        }
    }

    private static void gemv2(MemorySegment w, long offA, long offB, int blocks, short[] q, int sumQ,
                              float sa, float sw, float[] y, int yiA, int yiB) {
        IntVector tA = IntVector.zero(SI);
        IntVector tB = tA;
        for (int b = 0; b < blocks; ) {
            int end = Math.min(blocks, b + GEMV_FLUSH_BLOCKS);
            ShortVector aA = ShortVector.zero(S);
            ShortVector aB = aA;
            for (; b < end; b++) {
                long co = (long) b * I2sMatrix.BLOCK_BYTES;
                int qo = b * I2sMatrix.BLOCK;
                for (int p = 0; p < I2sMatrix.BLOCK_BYTES; p += SBL) {
                    ShortVector q0 = ShortVector.fromArray(S, q, qo + p);
                    ShortVector q1 = ShortVector.fromArray(S, q, qo + 32 + p);
                    ShortVector q2 = ShortVector.fromArray(S, q, qo + 64 + p);
                    ShortVector q3 = ShortVector.fromArray(S, q, qo + 96 + p);
                    ShortVector cA = (ShortVector) ByteVector.fromMemorySegment(SB, w, offA + co + p, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    ShortVector cB = (ShortVector) ByteVector.fromMemorySegment(SB, w, offB + co + p, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    aA = aA.add(cA.lanewise(VectorOperators.LSHR, 6).mul(q0))
                            .add(cA.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(q1))
                            .add(cA.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(q2))
                            .add(cA.and((short) 3).mul(q3));
                    aB = aB.add(cB.lanewise(VectorOperators.LSHR, 6).mul(q0))
                            .add(cB.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(q1))
                            .add(cB.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(q2))
                            .add(cB.and((short) 3).mul(q3));
                }
            }
            tA = tA.add(aA.convertShape(VectorOperators.S2I, SI, 0)).add(aA.convertShape(VectorOperators.S2I, SI, 1));
            tB = tB.add(aB.convertShape(VectorOperators.S2I, SI, 0)).add(aB.convertShape(VectorOperators.S2I, SI, 1));
        }
        y[yiA] = (float) (tA.reduceLanes(VectorOperators.ADD) - sumQ) / sa * sw;
        y[yiB] = (float) (tB.reduceLanes(VectorOperators.ADD) - sumQ) / sa * sw;
    }

    /** {@code Σ c·q} over one code row. */
    private static int gemv1(MemorySegment w, long off, int blocks, short[] q) {
        IntVector t = IntVector.zero(SI);
        for (int b = 0; b < blocks; ) {
            int end = Math.min(blocks, b + GEMV_FLUSH_BLOCKS);
            ShortVector acc = ShortVector.zero(S);
            for (; b < end; b++) {
                long co = off + (long) b * I2sMatrix.BLOCK_BYTES;
                int qo = b * I2sMatrix.BLOCK;
                for (int p = 0; p < I2sMatrix.BLOCK_BYTES; p += SBL) {
                    ShortVector c = (ShortVector) ByteVector.fromMemorySegment(SB, w, co + p, LE)
                            .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                    acc = acc.add(c.lanewise(VectorOperators.LSHR, 6).mul(ShortVector.fromArray(S, q, qo + p)))
                            .add(c.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(ShortVector.fromArray(S, q, qo + 32 + p)))
                            .add(c.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(ShortVector.fromArray(S, q, qo + 64 + p)))
                            .add(c.and((short) 3).mul(ShortVector.fromArray(S, q, qo + 96 + p)));
                }
            }
            t = t.add(acc.convertShape(VectorOperators.S2I, SI, 0)).add(acc.convertShape(VectorOperators.S2I, SI, 1));
        }
        return t.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Several activation rows: per batch tile, decode two weight rows to 16-bit values, then multiply
     * them with four activation rows at a time (each activation load serves both weight rows).
     */
    private void gemmRows(I2sMatrix m, int from, int to, Int8Activations a, short[] q, float[] y, int yOffset) {
        int batch = a.rows();
        int rows = m.rows();
        int pc = m.paddedCols();
        float sw = m.scale();
        Call own = calls.get();
        short[] t0 = own.weights(pc);
        short[] t1 = own.weights2(pc);
        for (int r0 = 0; r0 < batch; r0 += BATCH_TILE) {
            int r1 = Math.min(batch, r0 + BATCH_TILE);
            int o = from;
            for (; o + 2 <= to; o += 2) {
                decodeRow(m, o, t0);
                decodeRow(m, o + 1, t1);
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    dot2x4(t0, t1, q, r * pc, pc, a, r, sw, y, yOffset + r * rows + o, rows);
                }
                for (; r < r1; r++) {
                    y[yOffset + r * rows + o] = (float) dot1(t0, q, r * pc, pc) / a.scale(r) * sw;
                    y[yOffset + r * rows + o + 1] = (float) dot1(t1, q, r * pc, pc) / a.scale(r) * sw;
                }
            }
            if (o < to) {
                decodeRow(m, o, t0);
                for (int r = r0; r < r1; r++) {
                    y[yOffset + r * rows + o] = (float) dot1(t0, q, r * pc, pc) / a.scale(r) * sw;
                }
            }
        }
    }

    /** Weight row {@code o} as 16-bit ternary values {@code t = c - 1} in natural column order. */
    private static void decodeRow(I2sMatrix m, int o, short[] t) {
        MemorySegment w = m.codes();
        long off = o * m.rowBytes();
        int blocks = m.paddedCols() / I2sMatrix.BLOCK;
        for (int b = 0; b < blocks; b++) {
            long co = off + (long) b * I2sMatrix.BLOCK_BYTES;
            int to = b * I2sMatrix.BLOCK;
            for (int p = 0; p < I2sMatrix.BLOCK_BYTES; p += SBL) {
                ShortVector c = (ShortVector) ByteVector.fromMemorySegment(SB, w, co + p, LE)
                        .convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
                c.lanewise(VectorOperators.LSHR, 6).sub((short) 1).intoArray(t, to + p);
                c.lanewise(VectorOperators.LSHR, 4).and((short) 3).sub((short) 1).intoArray(t, to + 32 + p);
                c.lanewise(VectorOperators.LSHR, 2).and((short) 3).sub((short) 1).intoArray(t, to + 64 + p);
                c.and((short) 3).sub((short) 1).intoArray(t, to + 96 + p);
            }
        }
    }

    /** Two decoded weight rows (outputs {@code yi}, {@code yi + 1}) times activation rows {@code r..r+3}. */
    private static void dot2x4(short[] t0, short[] t1, short[] q, int q0, int n, Int8Activations a, int r, float sw,
                               float[] y, int yi, int yStride) {
        IntVector s00 = IntVector.zero(SI);
        IntVector s01 = s00;
        IntVector s02 = s00;
        IntVector s03 = s00;
        IntVector s10 = s00;
        IntVector s11 = s00;
        IntVector s12 = s00;
        IntVector s13 = s00;
        int q1 = q0 + n;
        int q2 = q1 + n;
        int q3 = q2 + n;
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + GEMM_FLUSH_STEPS * SL);
            ShortVector a00 = ShortVector.zero(S);
            ShortVector a01 = a00;
            ShortVector a02 = a00;
            ShortVector a03 = a00;
            ShortVector a10 = a00;
            ShortVector a11 = a00;
            ShortVector a12 = a00;
            ShortVector a13 = a00;
            for (; i < end; i += SL) {
                ShortVector u = ShortVector.fromArray(S, t0, i);
                ShortVector v = ShortVector.fromArray(S, t1, i);
                ShortVector x = ShortVector.fromArray(S, q, q0 + i);
                a00 = a00.add(u.mul(x));
                a10 = a10.add(v.mul(x));
                x = ShortVector.fromArray(S, q, q1 + i);
                a01 = a01.add(u.mul(x));
                a11 = a11.add(v.mul(x));
                x = ShortVector.fromArray(S, q, q2 + i);
                a02 = a02.add(u.mul(x));
                a12 = a12.add(v.mul(x));
                x = ShortVector.fromArray(S, q, q3 + i);
                a03 = a03.add(u.mul(x));
                a13 = a13.add(v.mul(x));
            }
            s00 = s00.add(a00.convertShape(VectorOperators.S2I, SI, 0)).add(a00.convertShape(VectorOperators.S2I, SI, 1));
            s01 = s01.add(a01.convertShape(VectorOperators.S2I, SI, 0)).add(a01.convertShape(VectorOperators.S2I, SI, 1));
            s02 = s02.add(a02.convertShape(VectorOperators.S2I, SI, 0)).add(a02.convertShape(VectorOperators.S2I, SI, 1));
            s03 = s03.add(a03.convertShape(VectorOperators.S2I, SI, 0)).add(a03.convertShape(VectorOperators.S2I, SI, 1));
            s10 = s10.add(a10.convertShape(VectorOperators.S2I, SI, 0)).add(a10.convertShape(VectorOperators.S2I, SI, 1));
            s11 = s11.add(a11.convertShape(VectorOperators.S2I, SI, 0)).add(a11.convertShape(VectorOperators.S2I, SI, 1));
            s12 = s12.add(a12.convertShape(VectorOperators.S2I, SI, 0)).add(a12.convertShape(VectorOperators.S2I, SI, 1));
            s13 = s13.add(a13.convertShape(VectorOperators.S2I, SI, 0)).add(a13.convertShape(VectorOperators.S2I, SI, 1));
        }
        y[yi] = (float) s00.reduceLanes(VectorOperators.ADD) / a.scale(r) * sw;
        y[yi + yStride] = (float) s01.reduceLanes(VectorOperators.ADD) / a.scale(r + 1) * sw;
        y[yi + 2 * yStride] = (float) s02.reduceLanes(VectorOperators.ADD) / a.scale(r + 2) * sw;
        y[yi + 3 * yStride] = (float) s03.reduceLanes(VectorOperators.ADD) / a.scale(r + 3) * sw;
        y[yi + 1] = (float) s10.reduceLanes(VectorOperators.ADD) / a.scale(r) * sw;
        y[yi + 1 + yStride] = (float) s11.reduceLanes(VectorOperators.ADD) / a.scale(r + 1) * sw;
        y[yi + 1 + 2 * yStride] = (float) s12.reduceLanes(VectorOperators.ADD) / a.scale(r + 2) * sw;
        y[yi + 1 + 3 * yStride] = (float) s13.reduceLanes(VectorOperators.ADD) / a.scale(r + 3) * sw;
    }

    private static int dot1(short[] t, short[] q, int q0, int n) {
        IntVector s = IntVector.zero(SI);
        for (int i = 0; i < n; ) {
            int end = Math.min(n, i + GEMM_FLUSH_STEPS * SL);
            ShortVector acc = ShortVector.zero(S);
            for (; i < end; i += SL) {
                acc = acc.add(ShortVector.fromArray(S, t, i).mul(ShortVector.fromArray(S, q, q0 + i)));
            }
            s = s.add(acc.convertShape(VectorOperators.S2I, SI, 0)).add(acc.convertShape(VectorOperators.S2I, SI, 1));
        }
        return s.reduceLanes(VectorOperators.ADD);
    }

    @Override
    public void multiply(FloatMatrix w, float[] x, int rows, float[] y) {
        MappedFloatMatrix m = MappedFloatMatrix.of(w, this);
        KernelChecks.multiply(m, x, rows, y);
        if (rows == 0) {
            return;
        }
        Call call = calls.get();
        call.head(m, x, rows, y);
        if (BlockDot.activationBlock(m.format()) != 0) {
            call.blocks = BlockDot.quantizeRows(m.format(), x, rows, m.cols());
        }
        try {
            pool.parallelFor((m.rows() + HEAD_ROWS_PER_TASK - 1) / HEAD_ROWS_PER_TASK, call);
        } finally {
            call.clear();
        }
    }

    /** Head rows {@code [from, to)}: two rows half the range apart at a time, like the ternary GEMV. */
    private void headRows(MappedFloatMatrix m, int from, int to, float[] x, int rows, float[] y, BlockDot.Activations blocks) {
        if (blocks != null) {
            BlockDot.multiplyRows(m, blocks, from, to, y);
            return;
        }
        FloatFormat format = m.format();
        boolean direct = format == FloatFormat.F32 || format == FloatFormat.F16 || format == FloatFormat.BF16
                || (format == FloatFormat.Q8_0 && FB != null);
        if (!direct) {
            decodedRows(m, from, to, x, rows, y);
            return;
        }
        MemorySegment data = m.source().data();
        long rowBytes = m.rowBytes();
        int cols = m.cols();
        int vocab = m.rows();
        int half = (to - from) / 2;
        for (int v = from; v < from + half; v++) {
            long offA = v * rowBytes;
            long offB = (v + half) * rowBytes;
            for (int r = 0; r < rows; r++) {
                int yi = r * vocab + v;
                switch (format) {
                    case F32 -> f32Dot2(data, offA, offB, x, r * cols, cols, y, yi, yi + half);
                    case F16 -> f16Dot2(data, offA, offB, x, r * cols, cols, y, yi, yi + half);
                    case BF16 -> bf16Dot2(data, offA, offB, x, r * cols, cols, y, yi, yi + half);
                    default -> {
                        y[yi] = q8Dot(data, offA, x, r * cols, cols);
                        y[yi + half] = q8Dot(data, offB, x, r * cols, cols);
                    }
                }
            }
        }
        if ((to - from) % 2 != 0) {
            long off = (to - 1) * rowBytes;
            for (int r = 0; r < rows; r++) {
                y[r * vocab + to - 1] = switch (format) {
                    case F32 -> f32Dot(data, off, x, r * cols, cols);
                    case F16 -> f16Dot(data, off, x, r * cols, cols);
                    case BF16 -> bf16Dot(data, off, x, r * cols, cols);
                    default -> q8Dot(data, off, x, r * cols, cols);
                };
            }
        }
    }

    /** Formats without a direct path: decode each row to floats, then a vector dot product. */
    private void decodedRows(MappedFloatMatrix m, int from, int to, float[] x, int rows, float[] y) {
        int cols = m.cols();
        int vocab = m.rows();
        float[] row = calls.get().floats(cols);
        int vecEnd = cols - cols % FL;
        for (int v = from; v < to; v++) {
            m.row(v, row, 0);
            for (int r = 0; r < rows; r++) {
                int xo = r * cols;
                FloatVector acc = FloatVector.zero(F);
                for (int i = 0; i < vecEnd; i += FL) {
                    acc = FloatVector.fromArray(F, row, i).fma(FloatVector.fromArray(F, x, xo + i), acc);
                }
                // the tail summed apart and added last, as in the direct paths
                float tail = 0f;
                for (int i = vecEnd; i < cols; i++) {
                    tail += row[i] * x[xo + i];
                }
                y[r * vocab + v] = Lanes.sum(acc) + tail;
            }
        }
    }

    private static void f32Dot2(MemorySegment w, long offA, long offB, float[] x, int xo, int cols, float[] y, int yiA, int yiB) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = a;
        int vecEnd = cols - cols % FL;
        for (int i = 0; i < vecEnd; i += FL) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a = FloatVector.fromMemorySegment(F, w, offA + 4L * i, LE).fma(xv, a);
            b = FloatVector.fromMemorySegment(F, w, offB + 4L * i, LE).fma(xv, b);
        }
        y[yiA] = Lanes.sum(a) + f32Tail(w, offA, x, xo, vecEnd, cols);
        y[yiB] = Lanes.sum(b) + f32Tail(w, offB, x, xo, vecEnd, cols);
    }

    private static float f32Dot(MemorySegment w, long off, float[] x, int xo, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int vecEnd = cols - cols % FL;
        for (int i = 0; i < vecEnd; i += FL) {
            acc = FloatVector.fromMemorySegment(F, w, off + 4L * i, LE).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        return Lanes.sum(acc) + f32Tail(w, off, x, xo, vecEnd, cols);
    }

    private static float f32Tail(MemorySegment w, long off, float[] x, int xo, int from, int cols) {
        float sum = 0f;
        for (int i = from; i < cols; i++) {
            sum += w.get(ValueLayout.JAVA_FLOAT_UNALIGNED, off + 4L * i) * x[xo + i];
        }
        return sum;
    }

    private static void f16Dot2(MemorySegment w, long offA, long offB, float[] x, int xo, int cols, float[] y, int yiA, int yiB) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = a;
        int vecEnd = cols - cols % FL;
        for (int i = 0; i < vecEnd; i += FL) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a = f16(w, offA + 2L * i).fma(xv, a);
            b = f16(w, offB + 2L * i).fma(xv, b);
        }
        y[yiA] = Lanes.sum(a) + f16Tail(w, offA, x, xo, vecEnd, cols);
        y[yiB] = Lanes.sum(b) + f16Tail(w, offB, x, xo, vecEnd, cols);
    }

    private static float f16Dot(MemorySegment w, long off, float[] x, int xo, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int vecEnd = cols - cols % FL;
        for (int i = 0; i < vecEnd; i += FL) {
            acc = f16(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        return Lanes.sum(acc) + f16Tail(w, off, x, xo, vecEnd, cols);
    }

    private static float f16Tail(MemorySegment w, long off, float[] x, int xo, int from, int cols) {
        float sum = 0f;
        for (int i = from; i < cols; i++) {
            sum += Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i)) * x[xo + i];
        }
        return sum;
    }

    /**
     * Converts {@link #FL} halves at {@code off} exactly: the sign and the 15 magnitude bits move to
     * their float positions and a multiplication by 2^112 re-biases the exponent (subnormals come out
     * right too); exponent 31 (infinity, NaN) gets the float's all-ones exponent instead.
     */
    private static FloatVector f16(MemorySegment w, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(FH, w, off, LE).convertShape(VectorOperators.S2I, FI, 0);
        IntVector bits = h.lanewise(VectorOperators.LSHL, 13).and(0x8FFFE000);
        FloatVector f = bits.reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Float> special = bits.and(0x0F800000).compare(VectorOperators.EQ, 0x0F800000).cast(F);
        return f.blend(bits.or(0x70000000).reinterpretAsFloats(), special);
    }

    private static void bf16Dot2(MemorySegment w, long offA, long offB, float[] x, int xo, int cols, float[] y, int yiA, int yiB) {
        FloatVector a = FloatVector.zero(F);
        FloatVector b = a;
        int vecEnd = cols - cols % FL;
        for (int i = 0; i < vecEnd; i += FL) {
            FloatVector xv = FloatVector.fromArray(F, x, xo + i);
            a = bf16(w, offA + 2L * i).fma(xv, a);
            b = bf16(w, offB + 2L * i).fma(xv, b);
        }
        y[yiA] = Lanes.sum(a) + bf16Tail(w, offA, x, xo, vecEnd, cols);
        y[yiB] = Lanes.sum(b) + bf16Tail(w, offB, x, xo, vecEnd, cols);
    }

    private static float bf16Dot(MemorySegment w, long off, float[] x, int xo, int cols) {
        FloatVector acc = FloatVector.zero(F);
        int vecEnd = cols - cols % FL;
        for (int i = 0; i < vecEnd; i += FL) {
            acc = bf16(w, off + 2L * i).fma(FloatVector.fromArray(F, x, xo + i), acc);
        }
        return Lanes.sum(acc) + bf16Tail(w, off, x, xo, vecEnd, cols);
    }

    private static float bf16Tail(MemorySegment w, long off, float[] x, int xo, int from, int cols) {
        float sum = 0f;
        for (int i = from; i < cols; i++) {
            sum += Float.intBitsToFloat((w.get(ValueLayout.JAVA_SHORT_UNALIGNED, off + 2L * i) & 0xFFFF) << 16) * x[xo + i];
        }
        return sum;
    }

    private static FloatVector bf16(MemorySegment w, long off) {
        return ((IntVector) ShortVector.fromMemorySegment(FH, w, off, LE).convertShape(VectorOperators.S2I, FI, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Q8_0 row: per 32-value block, the int8 codes times x summed, then times the block's f16 scale. */
    private static float q8Dot(MemorySegment w, long off, float[] x, int xo, int cols) {
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < cols / 32; b++) {
            long p = off + 34L * b;
            FloatVector block = FloatVector.zero(F);
            for (int j = 0; j < 32; j += FL) {
                FloatVector wv = (FloatVector) ByteVector.fromMemorySegment(FB, w, p + 2 + j, LE)
                        .convertShape(VectorOperators.B2F, F, 0);
                block = wv.fma(FloatVector.fromArray(F, x, xo + 32 * b + j), block);
            }
            acc = block.fma(FloatVector.broadcast(F, Float.float16ToFloat(w.get(ValueLayout.JAVA_SHORT_UNALIGNED, p))), acc);
        }
        return Lanes.sum(acc);
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * One thread's reusable call state: the arguments of the call it is making (read by every thread
     * that runs one of the call's tasks) and its own scratch buffers, grown on demand. Reusing it keeps
     * steady-state calls free of allocation.
     */
    private final class Call implements IntConsumer {
        static final int GEMV = 0;
        static final int GEMM = 1;
        static final int HEAD = 2;

        private int kind;
        private I2sMatrix ternary;
        private MappedFloatMatrix head;
        private BlockDot.Activations blocks;
        private Int8Activations act;
        private short[] q;
        private float[] x;
        private float[] y;
        private int offset;
        private int perTask;
        private int rows;
        private short[] activations = new short[0];
        private short[] weights = new short[0];
        private short[] weights2 = new short[0];
        private float[] floats = new float[0];

        void ternary(int kind, I2sMatrix m, Int8Activations a, short[] q, float[] y, int yOffset, int perTask) {
            this.kind = kind;
            this.ternary = m;
            this.act = a;
            this.q = q;
            this.y = y;
            this.offset = yOffset;
            this.perTask = perTask;
        }

        void head(MappedFloatMatrix m, float[] x, int rows, float[] y) {
            this.kind = HEAD;
            this.head = m;
            this.x = x;
            this.rows = rows;
            this.y = y;
            this.perTask = HEAD_ROWS_PER_TASK;
        }

        void clear() {
            ternary = null;
            head = null;
            blocks = null;
            act = null;
            q = null;
            x = null;
            y = null;
        }

        @Override
        public void accept(int task) {
            switch (kind) {
                case GEMV -> {
                    int to = Math.min(ternary.rows(), (task + 1) * perTask);
                    gemvRows(ternary, task * perTask, to, q, act.sum(0), act.scale(0), y, offset);
                }
                case GEMM -> gemmRows(ternary, task * perTask, Math.min(ternary.rows(), (task + 1) * perTask), act, q, y, offset);
                default -> headRows(head, task * perTask, Math.min(head.rows(), (task + 1) * perTask), x, rows, y, blocks);
            }
        }

        short[] activations(int n) {
            if (activations.length < n) {
                activations = new short[n];
            }
            return activations;
        }

        short[] weights(int n) {
            if (weights.length < n) {
                weights = new short[n];
            }
            return weights;
        }

        short[] weights2(int n) {
            if (weights2.length < n) {
                weights2 = new short[n];
            }
            return weights2;
        }

        float[] floats(int n) {
            if (floats.length < n) {
                floats = new float[n];
            }
            return floats;
        }
    }
}
