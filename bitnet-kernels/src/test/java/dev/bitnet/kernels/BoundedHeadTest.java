package dev.bitnet.kernels;

import dev.bitnet.kernels.scalar.ScalarKernel;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounded head against the exact head of the same kernel: the same greedy id for every input, exact
 * values wherever it says it recomputed, and (in sampling mode) softmax mass below 1e-6 on the rows it
 * left approximate. Heads with near-duplicate rows make the bound decide close calls.
 */
class BoundedHeadTest {
    /** The kernels that compute single head rows: the scalar one and the native builds (the Vector API kernel does not). */
    static Stream<Named<KernelConformanceTest.KernelFactory>> kernels() {
        List<Named<KernelConformanceTest.KernelFactory>> list = new ArrayList<>();
        list.add(Named.of("scalar", new KernelConformanceTest.KernelFactory(java.util.Optional::empty, t -> new ScalarKernel())));
        list.addAll(NativeKernels.factories());
        return list.stream();
    }

    @org.junit.jupiter.api.Test
    void vectorKernelHasNoBoundedHead() {
        try (TernaryKernel kernel = new dev.bitnet.kernels.vector.VectorKernelProvider().create(1); Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(4 * FloatFormat.F16.rowBytes(64), 64);
            FloatMatrix head = kernel.prepare(new FloatMatrixSource("head", 4, 64, FloatFormat.F16, data));
            assertThat(BoundedHead.build(head, kernel, arena)).isEmpty();
        } catch (UnsupportedOperationException | IllegalStateException e) {
            org.junit.jupiter.api.Assumptions.abort("no Vector API here");
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void greedyIdsAndTailMassMatchTheExactHead(KernelConformanceTest.KernelFactory factory) {
        Random rnd = new Random(11);
        int vocab = 3001;
        int cols = 256;
        try (TernaryKernel kernel = factory.open(2); Arena arena = Arena.ofShared()) {
            for (FloatFormat format : List.of(FloatFormat.F16, FloatFormat.BF16, FloatFormat.F32)) {
                MemorySegment data = arena.allocate(vocab * format.rowBytes(cols), 64);
                float[] w = new float[vocab * cols];
                for (int v = 0; v < vocab; v++) {
                    for (int i = 0; i < cols; i++) {
                        // rows 10..19 are near copies of row 9, so that the top logits often nearly tie
                        float value = v >= 10 && v < 20 ? w[9 * cols + i] + (float) rnd.nextGaussian() * 1e-3f
                                : (float) rnd.nextGaussian() * 0.05f;
                        w[v * cols + i] = value;
                        long at = v * format.rowBytes(cols) + (long) i * (format == FloatFormat.F32 ? 4 : 2);
                        switch (format) {
                            case F32 -> data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, value);
                            case F16 -> data.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16(value));
                            default -> data.set(ValueLayout.JAVA_SHORT_UNALIGNED, at, (short) (Float.floatToRawIntBits(value) >>> 16));
                        }
                    }
                }
                FloatMatrix head = kernel.prepare(new FloatMatrixSource("head", vocab, cols, format, data));
                BoundedHead bounded = BoundedHead.build(head, kernel, arena).orElseThrow();
                float[] exact = new float[vocab];
                float[] got = new float[vocab];
                int partial = 0;
                for (int trial = 0; trial < 40; trial++) {
                    float[] x = new float[cols];
                    float scale = trial % 3 == 0 ? 1f : 60f;
                    for (int i = 0; i < cols; i++) {
                        x[i] = (float) rnd.nextGaussian() * scale;
                    }
                    if (trial % 5 == 0) {
                        // push towards the near-duplicate rows
                        for (int i = 0; i < cols; i++) {
                            x[i] += w[9 * cols + i] * 400f;
                        }
                    }
                    kernel.multiply(head, x, 1, exact);
                    for (boolean sampling : new boolean[] {false, true}) {
                        int recomputed = bounded.logits(kernel, x, got, sampling);
                        if (recomputed < vocab) {
                            partial++;
                        }
                        assertThat(argmax(got)).as("%s trial %d sampling %s", format, trial, sampling).isEqualTo(argmax(exact));
                        double max = Double.NEGATIVE_INFINITY;
                        for (float g : got) {
                            max = Math.max(max, g);
                        }
                        double all = 0;
                        double approximate = 0;
                        for (int v = 0; v < vocab; v++) {
                            double p = Math.exp(got[v] - max);
                            all += p;
                            if (Float.compare(got[v], exact[v]) != 0) {
                                approximate += p;
                            }
                        }
                        if (sampling) {
                            assertThat(approximate / all).as("%s trial %d", format, trial).isLessThan(BoundedHead.TAIL_MASS);
                        }
                    }
                }
                assertThat(partial).as("%s: calls that did not fall back to the whole exact head", format).isGreaterThan(25);
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
