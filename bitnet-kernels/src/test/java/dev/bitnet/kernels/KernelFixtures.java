package dev.bitnet.kernels;

import dev.bitnet.kernels.format.TernaryCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** Random test matrices and activations, off-heap like a mapped model file. */
final class KernelFixtures {
    private KernelFixtures() {
    }

    /** Ternary values with about a third each of -1, 0, +1. */
    static byte[] randomTernary(Random rnd, int rows, int cols) {
        byte[] t = new byte[rows * cols];
        for (int i = 0; i < t.length; i++) {
            t[i] = (byte) (rnd.nextInt(3) - 1);
        }
        return t;
    }

    static byte[] filled(int rows, int cols, int value) {
        byte[] t = new byte[rows * cols];
        java.util.Arrays.fill(t, (byte) value);
        return t;
    }

    /** Copies bytes into a native segment of {@code arena}, as a memory-mapped file would present them. */
    static MemorySegment offHeap(Arena arena, byte[] bytes) {
        MemorySegment seg = arena.allocate(Math.max(1, bytes.length), 64).asSlice(0, bytes.length);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, seg, 0, bytes.length);
        return seg;
    }

    static TernaryMatrixSource source(Arena arena, String name, TernaryLayout layout, byte[] t, int rows, int cols, float scale) {
        byte[] data = TernaryCodec.encode(layout, t, rows, cols, scale);
        return new TernaryMatrixSource(name, rows, cols, layout, offHeap(arena, data),
                layout == TernaryLayout.INT8 ? scale : Float.NaN);
    }

    /** Activations drawn like real hidden states: mostly small, a few outliers. */
    static float[] randomActivations(Random rnd, int rows, int cols) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (rnd.nextInt(50) == 0 ? 20 : 1));
        }
        return x;
    }

    /** Activations with every code set to {@code code} and a consistent sum; scales are arbitrary but fixed. */
    static Int8Activations constant(int rows, int cols, int code) {
        Int8Activations a = new Int8Activations(rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < cols; i++) {
                a.codes().set(ValueLayout.JAVA_BYTE, (long) r * a.stride() + i, (byte) code);
            }
            a.scales().setAtIndex(ValueLayout.JAVA_FLOAT, r, 0.37f + r);
            a.sums().setAtIndex(ValueLayout.JAVA_INT, r, code * cols);
        }
        a.setRows(rows);
        return a;
    }

    /** The exact integer dot product of weight row {@code o} (values {@code t}) with activation row {@code r}. */
    static int dot(byte[] t, int cols, int o, Int8Activations a, int r) {
        int dot = 0;
        for (int i = 0; i < cols; i++) {
            dot += t[o * cols + i] * a.code(r, i);
        }
        return dot;
    }
}
