package dev.bitnet.kernels.nativ;

import dev.bitnet.kernels.BlockDot;
import dev.bitnet.kernels.FloatFormat;
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

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;
import java.util.function.IntConsumer;

/**
 * Kernels in C (AVX-512 VNNI, AVX2 or NEON dotprod; see {@code src/main/c}), called through FFM,
 * multi-threaded by a {@link WorkerPool}: each task is one native call on a range of output rows.
 *
 * <p>Ternary matrices stay in the I2_S code layout, in place on the mapped file for I2_S sources.
 * Per call, the activations are packed once (zero padded and, for AVX-512, interleaved to match
 * 64-byte code loads) together with their sums; the kernel computes {@code dot(c, q) - Σq} exactly in
 * 32-bit lanes and {@code y = (float) dot / s_a * s_w} like the scalar kernel. Float heads in F32,
 * F16, BF16 and Q8_0 are read in place with float dot products; Q4_0, Q4_K, Q5_K and Q6_K in place with the
 * integer dot products of {@link BlockDot} (the activation quantized once per call, in Java).
 *
 * <p>Native code only ever sees sizes and ranges that were checked here, and only native memory
 * segments (sources held on the Java heap are copied off-heap at prepare).
 */
public final class NativeKernel implements TernaryKernel {
    private static final int HEAD_ROWS_PER_TASK = 256;
    private static final int GEMM_ROWS_PER_TASK = 64;

    private final NativeLibrary lib;
    private final WorkerPool pool;
    private final ParallelAttention attention;
    private final boolean copyWeights;
    private final ThreadLocal<Call> calls = ThreadLocal.withInitial(Call::new);

    /** A kernel on {@code lib} computing with {@code threads} threads. */
    public NativeKernel(NativeLibrary lib, int threads) {
        this(lib, threads, false);
    }

    /**
     * A kernel on {@code lib}; with {@code copyWeights}, I2_S matrices are copied into aligned off-heap
     * memory at prepare instead of being used in place (to measure what the copy costs and buys).
     */
    public NativeKernel(NativeLibrary lib, int threads, boolean copyWeights) {
        this.lib = Objects.requireNonNull(lib, "lib");
        this.pool = new WorkerPool(threads);
        this.attention = ParallelAttention.create(pool);
        this.copyWeights = copyWeights;
    }

    @Override
    public String name() {
        return "native-" + lib.isa().id();
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public TernaryMatrix prepare(TernaryMatrixSource source) {
        return I2sMatrix.prepare(source, this, pool, copyWeights || !source.data().isNative());
    }

    @Override
    public FloatMatrix prepare(FloatMatrixSource source) {
        I2sMatrix.requireShared(source.name(), source.data(), pool);
        if (source.data().isNative()) {
            return new MappedFloatMatrix(source, this);
        }
        MemorySegment copy = Arena.ofAuto().allocate(source.data().byteSize(), 64);
        copy.copyFrom(source.data());
        return new MappedFloatMatrix(new FloatMatrixSource(source.name(), source.rows(), source.cols(), source.format(), copy), this);
    }

    @Override
    public void quantize(float[] x, int xOffset, int rows, Int8Activations out) {
        KernelChecks.quantize(x, xOffset, rows, out);
        if (rows > 0) {
            int n = rows * out.cols();
            MemorySegment xs = calls.get().floats(n);
            MemorySegment.copy(x, xOffset, xs, ValueLayout.JAVA_FLOAT, 0, n);
            lib.quantize(xs, rows, out.cols(), out.codes(), out.stride(), out.scales(), out.sums());
        }
        out.setRows(rows);
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
        MemorySegment packed = call.packed((long) batch * pc);
        MemorySegment sums = call.sums(batch);
        lib.pack(a.codes(), a.stride(), batch, a.cols(), pc, packed, sums);
        MemorySegment out = call.output((long) batch * rows);
        int perTask;
        if (batch == 1) {
            // about eight tasks per thread, whole four-row tiles, at least 64 rows
            int share = (rows + pool.threads() * 8 - 1) / (pool.threads() * 8);
            perTask = Math.max(64, (share + 3) / 4 * 4);
        } else {
            perTask = GEMM_ROWS_PER_TASK;
        }
        call.ternary(m, a, perTask);
        try {
            pool.parallelFor((rows + perTask - 1) / perTask, call);
        } finally {
            call.clear();
        }
        MemorySegment.copy(out, ValueLayout.JAVA_FLOAT, 0, y, yOffset, batch * rows);
    }

    @Override
    public void multiply(FloatMatrix w, float[] x, int rows, float[] y) {
        MappedFloatMatrix m = MappedFloatMatrix.of(w, this);
        KernelChecks.multiply(m, x, rows, y);
        if (rows == 0) {
            return;
        }
        int vocab = m.rows();
        int cols = m.cols();
        Call call = calls.get();
        int format = headFormat(m.format());
        boolean blocks = NativeLibrary.blockHeadFormat(m.format()) >= 0;
        if (blocks) {
            call.blockHead(m, x, rows);
        } else if (format < 0) {
            call.decodedHead(m, x, rows, y);
        } else {
            MemorySegment xs = call.floats((long) rows * cols);
            MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, rows * cols);
            call.output((long) rows * vocab);
            call.head(m, format, rows);
        }
        try {
            pool.parallelFor((vocab + HEAD_ROWS_PER_TASK - 1) / HEAD_ROWS_PER_TASK, call);
        } finally {
            call.clear();
        }
        if (format >= 0 || blocks) {
            MemorySegment.copy(call.out, ValueLayout.JAVA_FLOAT, 0, y, 0, rows * vocab);
        }
    }

    @Override
    public boolean multiplyRows(FloatMatrix w, float[] x, int[] rows, int count, float[] y) {
        MappedFloatMatrix m = MappedFloatMatrix.of(w, this);
        int format = headFormat(m.format());
        if (format < 0) {
            return false;
        }
        KernelChecks.multiplyRows(m, x, rows, count, y);
        int cols = m.cols();
        Call call = calls.get();
        MemorySegment xs = call.floats(cols);
        MemorySegment.copy(x, 0, xs, ValueLayout.JAVA_FLOAT, 0, cols);
        MemorySegment out = call.output(m.rows());
        // one row per call: bitnet_head computes every row with the same instructions whatever its range
        for (int k = 0; k < count; k++) {
            int v = rows[k];
            lib.head(format, m.source().data(), cols, v, v + 1, xs, 1, out, m.rows());
            y[k] = out.getAtIndex(ValueLayout.JAVA_FLOAT, v);
        }
        return true;
    }

    /** The {@code BITNET_HEAD_*} code for formats the native code reads directly, else -1. */
    private static int headFormat(FloatFormat format) {
        return switch (format) {
            case F32 -> 0;
            case F16 -> 1;
            case BF16 -> 2;
            case Q8_0 -> 3;
            default -> -1;
        };
    }

    @Override
    public void attention(float[] q, float[] keys, float[] values, float[] out, int rows, int start, int heads,
                          int kvHeads, int headDim, float scale) {
        attention.compute(q, keys, values, out, rows, start, heads, kvHeads, headDim, scale);
    }

    @Override
    public void close() {
        pool.close();
    }

    /**
     * One thread's reusable call state: the arguments of the call it is making, read by every thread that
     * runs one of its tasks, and its off-heap buffers (grown on demand, shared with the pool's threads).
     */
    private final class Call implements IntConsumer {
        private static final int TERNARY = 0;
        private static final int HEAD = 1;
        private static final int DECODED_HEAD = 2;
        private static final int BLOCK_HEAD = 3;

        private int kind;
        private I2sMatrix ternary;
        private MappedFloatMatrix head;
        private Int8Activations act;
        private int format;
        private int batch;
        private int perTask;
        private float[] x;
        private float[] y;
        private MemorySegment floats = MemorySegment.NULL;
        private MemorySegment packed = MemorySegment.NULL;
        private MemorySegment sums = MemorySegment.NULL;
        private MemorySegment out = MemorySegment.NULL;
        private float[] row = new float[0];
        private byte[] qCodes = new byte[0];
        private float[] qScales = new float[0];
        private int[] qSums = new int[0];
        private MemorySegment codes = MemorySegment.NULL;
        private MemorySegment scales = MemorySegment.NULL;
        private MemorySegment codeSums = MemorySegment.NULL;

        void ternary(I2sMatrix m, Int8Activations a, int perTask) {
            this.kind = TERNARY;
            this.ternary = m;
            this.act = a;
            this.batch = a.rows();
            this.perTask = perTask;
        }

        void head(MappedFloatMatrix m, int format, int batch) {
            this.kind = HEAD;
            this.head = m;
            this.format = format;
            this.batch = batch;
            this.perTask = HEAD_ROWS_PER_TASK;
        }

        void decodedHead(MappedFloatMatrix m, float[] x, int batch, float[] y) {
            this.kind = DECODED_HEAD;
            this.head = m;
            this.x = x;
            this.y = y;
            this.batch = batch;
            this.perTask = HEAD_ROWS_PER_TASK;
        }

        /** Quantizes the activation rows as {@link BlockDot} does and stages them off-heap for bitnet_head_q. */
        void blockHead(MappedFloatMatrix m, float[] x, int batch) {
            int cols = m.cols();
            int block = BlockDot.activationBlock(m.format());
            int nq = batch * cols;
            int nd = batch * (cols / block);
            int ns = batch * (cols / BlockDot.SUM_BLOCK);
            if (qCodes.length < nq) {
                qCodes = new byte[nq];
                codes = Arena.ofAuto().allocate(nq, 64);
            }
            if (qScales.length < nd) {
                qScales = new float[nd];
                scales = Arena.ofAuto().allocate((long) nd * Float.BYTES, 64);
            }
            if (qSums.length < ns) {
                qSums = new int[ns];
                codeSums = Arena.ofAuto().allocate((long) ns * Integer.BYTES, 64);
            }
            for (int r = 0; r < batch; r++) {
                BlockDot.quantize(x, r * cols, cols, block, qCodes, r * cols, qScales, r * (cols / block),
                        qSums, r * (cols / BlockDot.SUM_BLOCK));
            }
            MemorySegment.copy(qCodes, 0, codes, ValueLayout.JAVA_BYTE, 0, nq);
            MemorySegment.copy(qScales, 0, scales, ValueLayout.JAVA_FLOAT, 0, nd);
            MemorySegment.copy(qSums, 0, codeSums, ValueLayout.JAVA_INT, 0, ns);
            output((long) batch * m.rows());
            this.kind = BLOCK_HEAD;
            this.head = m;
            this.batch = batch;
            this.perTask = HEAD_ROWS_PER_TASK;
        }

        void clear() {
            ternary = null;
            head = null;
            act = null;
            x = null;
            y = null;
        }

        @Override
        public void accept(int task) {
            switch (kind) {
                case TERNARY -> {
                    int from = task * perTask;
                    int to = Math.min(ternary.rows(), from + perTask);
                    lib.gemm(batch == 1, ternary.codes(), from, to, ternary.paddedCols(), packed, batch, sums,
                            act.scales(), ternary.scale(), out, ternary.rows());
                }
                case HEAD -> {
                    int from = task * perTask;
                    int to = Math.min(head.rows(), from + perTask);
                    lib.head(format, head.source().data(), head.cols(), from, to, floats, batch, out, head.rows());
                }
                case BLOCK_HEAD -> {
                    int from = task * perTask;
                    int to = Math.min(head.rows(), from + perTask);
                    lib.headQ(head.format(), head.source().data(), head.cols(), from, to, codes, scales, codeSums,
                            batch, out, head.rows());
                }
                default -> decodedHeadRows(task * perTask, Math.min(head.rows(), (task + 1) * perTask));
            }
        }

        /** Head formats without a native path: decode each row in Java, then a plain dot product. */
        private void decodedHeadRows(int from, int to) {
            int cols = head.cols();
            int vocab = head.rows();
            float[] buf = calls.get().row(cols);
            for (int v = from; v < to; v++) {
                head.row(v, buf, 0);
                for (int r = 0; r < batch; r++) {
                    float s = 0f;
                    int base = r * cols;
                    for (int i = 0; i < cols; i++) {
                        s += buf[i] * x[base + i];
                    }
                    y[r * vocab + v] = s;
                }
            }
        }

        MemorySegment floats(long n) {
            if (floats.byteSize() < n * Float.BYTES) {
                floats = Arena.ofAuto().allocate(n * Float.BYTES, 64);
            }
            return floats;
        }

        MemorySegment packed(long n) {
            if (packed.byteSize() < n) {
                packed = Arena.ofAuto().allocate(n, 64);
            }
            return packed;
        }

        MemorySegment sums(int n) {
            if (sums.byteSize() < (long) n * Integer.BYTES) {
                sums = Arena.ofAuto().allocate((long) n * Integer.BYTES, 64);
            }
            return sums;
        }

        MemorySegment output(long n) {
            if (out.byteSize() < n * Float.BYTES) {
                out = Arena.ofAuto().allocate(n * Float.BYTES, 64);
            }
            return out;
        }

        float[] row(int n) {
            if (row.length < n) {
                row = new float[n];
            }
            return row;
        }
    }
}
