package dev.bitnet.kernels;

import dev.bitnet.kernels.nativ.NativeKernel;
import dev.bitnet.kernels.nativ.NativeLibrary;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The decode hot path (quantize, ternary GEMV and GEMM, head GEMV) allocates nothing once warmed up. */
class AllocationTest {

    @Test
    void nativeKernelCallsAllocateNothingInSteadyState() throws NativeLibrary.UnavailableException {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean,
                "this JVM cannot count allocated bytes");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        NativeLibrary lib;
        try {
            lib = NativeLibrary.best();
        } catch (NativeLibrary.UnavailableException e) {
            Assumptions.abort("no native kernel here: " + e.getMessage());
            return;
        }
        Random rnd = new Random(11);
        int rows = 256;
        int cols = 512;
        try (NativeKernel kernel = new NativeKernel(lib, 2); Arena arena = Arena.ofShared();
             Int8Activations a = new Int8Activations(4, cols)) {
            TernaryMatrix w = kernel.prepare(KernelFixtures.source(arena, "w", TernaryLayout.I2_S,
                    KernelFixtures.randomTernary(rnd, rows, cols), rows, cols, 1f));
            FloatMatrix head = kernel.prepare(new FloatMatrixSource("head", 300, cols, FloatFormat.F16,
                    KernelFixtures.offHeap(arena, HeadData.random(rnd, FloatFormat.F16, 300, cols))));
            float[] x = KernelFixtures.randomActivations(rnd, 4, cols);
            float[] y = new float[4 * rows];
            float[] logits = new float[300];
            for (int i = 0; i < 5000; i++) {
                step(kernel, w, head, a, x, y, logits, 1 + i % 4);
            }
            long before = mx.getCurrentThreadAllocatedBytes();
            int n = 2000;
            for (int i = 0; i < n; i++) {
                step(kernel, w, head, a, x, y, logits, 1 + i % 4);
            }
            long perStep = (mx.getCurrentThreadAllocatedBytes() - before) / n;
            assertThat(perStep).as("bytes allocated per quantize + matmul + head").isLessThan(16);
        }
    }

    private static void step(TernaryKernel kernel, TernaryMatrix w, FloatMatrix head, Int8Activations a,
                             float[] x, float[] y, float[] logits, int batch) {
        kernel.quantize(x, 0, batch, a);
        kernel.multiply(w, a, y, 0);
        kernel.multiply(head, x, 1, logits);
    }
}
