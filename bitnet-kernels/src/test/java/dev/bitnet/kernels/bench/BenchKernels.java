package dev.bitnet.kernels.bench;

import dev.bitnet.kernels.Kernels;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.TernaryMatrixSource;
import dev.bitnet.kernels.format.TernaryCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import java.util.Random;

/** Shared set-up of the benchmarks: kernels by name and random model-shaped weights off-heap. */
final class BenchKernels {
    /** Weights cycled per benchmark: over twice this CPU's 32 MiB L3, so that GEMV streams from DRAM like decode does. */
    static final long STREAM_BYTES = 96L << 20;

    private BenchKernels() {
    }

    static TernaryKernel open(String name, int threads) {
        return Kernels.create(Optional.of(name), threads);
    }

    /** {@code "rows x cols"} as two ints. */
    static int[] shape(String shape) {
        String[] parts = shape.split("x");
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    /** A random ternary matrix in I2_S, in native memory like a mapped model file. */
    static TernaryMatrixSource i2s(Arena arena, Random rnd, String name, int rows, int cols) {
        byte[] t = new byte[rows * cols];
        for (int i = 0; i < t.length; i++) {
            t[i] = (byte) (rnd.nextInt(3) - 1);
        }
        byte[] data = TernaryCodec.encode(TernaryLayout.I2_S, t, rows, cols, 0.8f);
        MemorySegment seg = arena.allocate(data.length, 64);
        MemorySegment.copy(MemorySegment.ofArray(data), 0, seg, 0, data.length);
        return TernaryMatrixSource.of(name, rows, cols, TernaryLayout.I2_S, seg);
    }

    static float[] activations(Random rnd, int rows, int cols) {
        float[] x = new float[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
