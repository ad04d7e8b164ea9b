package dev.bitnet.kernels.scalar;

import dev.bitnet.kernels.BlockDot;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.KernelChecks;
import dev.bitnet.kernels.FloatMatrixSource;
import dev.bitnet.kernels.MappedFloatMatrix;
import dev.bitnet.kernels.Int8Activations;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.TernaryMatrix;
import dev.bitnet.kernels.TernaryMatrixSource;
import dev.bitnet.kernels.format.TernaryCodec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The reference kernel: plain Java, one thread, each formula written out as the interface states
 * it. It runs on the source bytes (no repacking, no extra memory) and decodes one weight row at a
 * time. Every other kernel is tested against this one.
 */
public final class ScalarKernel implements TernaryKernel {
    /** The activation-quantization floor: rows whose absmax is below it quantize as if it were 1e-5. */
    public static final float ABSMAX_FLOOR = 1e-5f;

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public TernaryMatrix prepare(TernaryMatrixSource source) {
        TernaryCodec.validate(source.name(), source.layout(), source.rows(), source.cols(), source.data());
        float scale = source.layout() == TernaryLayout.INT8
                ? source.scale()
                : TernaryCodec.scale(source.name(), source.layout(), source.rows(), source.cols(), source.data());
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("tensor " + source.name() + ": scale is not finite: " + scale);
        }
        return new SourceTernaryMatrix(source, scale);
    }

    @Override
    public FloatMatrix prepare(FloatMatrixSource source) {
        return new MappedFloatMatrix(source, this);
    }

    @Override
    public void quantize(float[] x, int xOffset, int rows, Int8Activations out) {
        quantizeRows(x, xOffset, rows, out);
    }

    /** The quantization formula, shared by kernels that do not have a faster one. */
    public static void quantizeRows(float[] x, int xOffset, int rows, Int8Activations out) {
        int cols = out.cols();
        MemorySegment codes = out.codes();
        for (int r = 0; r < rows; r++) {
            int base = xOffset + r * cols;
            float absmax = 0f;
            for (int i = 0; i < cols; i++) {
                absmax = Math.max(absmax, Math.abs(x[base + i]));
            }
            float scale = 127f / Math.max(absmax, ABSMAX_FLOOR);
            long rowStart = (long) r * out.stride();
            int sum = 0;
            for (int i = 0; i < cols; i++) {
                int q = quantizeValue(x[base + i], scale);
                codes.set(ValueLayout.JAVA_BYTE, rowStart + i, (byte) q);
                sum += q;
            }
            out.scales().setAtIndex(ValueLayout.JAVA_FLOAT, r, scale);
            out.sums().setAtIndex(ValueLayout.JAVA_INT, r, sum);
        }
        out.setRows(rows);
    }

    /** {@code clamp(rint(x * scale), -128, 127)}: round half to even, as torch.round and the reference runtime do. */
    public static int quantizeValue(float x, float scale) {
        float v = (float) Math.rint(x * scale);
        return (int) Math.max(-128f, Math.min(127f, v));
    }

    @Override
    public void multiply(TernaryMatrix w, Int8Activations a, float[] y, int yOffset) {
        if (!(w instanceof SourceTernaryMatrix m)) {
            throw new IllegalArgumentException("matrix " + w.name() + " was prepared by another kernel");
        }
        int rows = m.rows();
        int cols = m.cols();
        if (a.cols() != cols) {
            throw new IllegalArgumentException(m.name() + ": activations have " + a.cols() + " columns, matrix has " + cols);
        }
        byte[] t = new byte[cols];
        for (int o = 0; o < rows; o++) {
            TernaryCodec.decodeRow(m.source.layout(), m.source.data(), cols, o, t);
            for (int r = 0; r < a.rows(); r++) {
                long rowStart = (long) r * a.stride();
                int dot = 0;
                for (int i = 0; i < cols; i++) {
                    dot += t[i] * a.codes().get(ValueLayout.JAVA_BYTE, rowStart + i);
                }
                y[yOffset + r * rows + o] = (float) dot / a.scale(r) * m.scale;
            }
        }
    }

    @Override
    public void multiply(FloatMatrix w, float[] x, int rows, float[] y) {
        if (BlockDot.activationBlock(w.format()) != 0) {
            MappedFloatMatrix m = MappedFloatMatrix.of(w, this);
            KernelChecks.multiply(m, x, rows, y);
            BlockDot.multiplyRows(m, BlockDot.quantizeRows(m.format(), x, rows, m.cols()), 0, m.rows(), y);
            return;
        }
        int vocab = w.rows();
        int cols = w.cols();
        float[] row = new float[cols];
        for (int v = 0; v < vocab; v++) {
            w.row(v, row, 0);
            for (int r = 0; r < rows; r++) {
                float sum = 0f;
                int base = r * cols;
                for (int i = 0; i < cols; i++) {
                    sum += row[i] * x[base + i];
                }
                y[r * vocab + v] = sum;
            }
        }
    }

    @Override
    public boolean multiplyRows(FloatMatrix w, float[] x, int[] rows, int count, float[] y) {
        if (BlockDot.activationBlock(w.format()) != 0) {
            return false;
        }
        MappedFloatMatrix m = MappedFloatMatrix.of(w, this);
        KernelChecks.multiplyRows(m, x, rows, count, y);
        int cols = m.cols();
        float[] row = new float[cols];
        for (int k = 0; k < count; k++) {
            m.row(rows[k], row, 0);
            float sum = 0f;
            for (int i = 0; i < cols; i++) {
                sum += row[i] * x[i];
            }
            y[k] = sum;
        }
        return true;
    }

    @Override
    public void close() {
        // no threads, nothing to release
    }

    private record SourceTernaryMatrix(TernaryMatrixSource source, float scale) implements TernaryMatrix {
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
        public long ownedBytes() {
            return 0;
        }
    }
}
