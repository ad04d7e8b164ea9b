package dev.bitnet.kernels;

import dev.bitnet.kernels.scalar.ScalarKernel;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;

/** Run by {@link KernelSelectionTest} in a JVM started without flags: reports what it can use and checks one product. */
public final class NoFlagsProbe {
    private NoFlagsProbe() {
    }

    public static void main(String[] args) {
        for (KernelProvider p : Kernels.providers()) {
            System.out.println(p.name() + ": " + p.unavailableReason().orElse("available"));
        }
        Random rnd = new Random(7);
        int rows = 37;
        int cols = 256;
        try (TernaryKernel kernel = Kernels.create(Optional.empty(), 2); Arena arena = Arena.ofShared();
             Int8Activations a = new Int8Activations(3, cols)) {
            System.out.println("chosen " + kernel.name());
            byte[] t = KernelFixtures.randomTernary(rnd, rows, cols);
            TernaryMatrixSource src = KernelFixtures.source(arena, "probe", TernaryLayout.I2_S, t, rows, cols, 0.5f);
            ScalarKernel scalar = new ScalarKernel();
            scalar.quantize(KernelFixtures.randomActivations(rnd, 3, cols), 0, 3, a);
            float[] expected = new float[3 * rows];
            float[] actual = new float[3 * rows];
            scalar.multiply(scalar.prepare(src), a, expected, 0);
            kernel.multiply(kernel.prepare(src), a, actual, 0);
            System.out.println(Arrays.equals(expected, actual) ? "matches scalar" : "DIFFERS from scalar");
        }
        try {
            Kernels.create(Optional.of("vector"), 1).close();
            System.out.println("requesting vector: created");
        } catch (RuntimeException e) {
            System.out.println("requesting vector: " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
