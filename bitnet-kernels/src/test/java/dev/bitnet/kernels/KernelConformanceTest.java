package dev.bitnet.kernels;

import dev.bitnet.kernels.format.TernaryCodec;
import dev.bitnet.kernels.scalar.ScalarKernel;
import dev.bitnet.kernels.vector.VectorKernelProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every fast kernel against {@link ScalarKernel}: integer parts (activation codes, sums, ternary dot
 * products) bit-exact, the ternary output formula to the bit, float head products within a small
 * relative tolerance (their summation order differs).
 */
class KernelConformanceTest {
    private static final ScalarKernel SCALAR = new ScalarKernel();

    /** A kernel under test: why it cannot run here (if so), and how to make one. */
    record KernelFactory(Supplier<Optional<String>> unavailable, IntFunction<TernaryKernel> create) {
        TernaryKernel open(int threads) {
            Optional<String> why = unavailable.get();
            Assumptions.assumeTrue(why.isEmpty(), () -> "kernel cannot run here: " + why.orElse(""));
            return create.apply(threads);
        }
    }

    static Stream<Named<KernelFactory>> kernels() {
        List<Named<KernelFactory>> list = new ArrayList<>();
        VectorKernelProvider vector = new VectorKernelProvider();
        list.add(Named.of("vector", new KernelFactory(vector::unavailableReason, vector::create)));
        list.addAll(NativeKernels.factories());
        return list.stream();
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void quantizeIsBitExact(KernelFactory factory) {
        Random rnd = new Random(1);
        try (TernaryKernel kernel = factory.open(2)) {
            for (int cols : new int[] {1, 7, 16, 63, 64, 65, 127, 256, 1000, 2560}) {
                int rows = 1 + rnd.nextInt(5);
                float[] x = KernelFixtures.randomActivations(rnd, rows + 2, cols);
                int off = cols; // skip one row: offsets must be honoured
                if (cols > 2) {
                    // the row 1 of the batch ends in exact ties, which must round half to even
                    float absmax = 0f;
                    for (int i = 0; i < cols; i++) {
                        absmax = Math.max(absmax, Math.abs(x[off + cols + i]));
                    }
                    float s = 127f / absmax;
                    x[off + cols] = 2.5f / s;
                    x[off + cols + 1] = -0.5f / s;
                }
                assertQuantizeMatches(kernel, x, off, rows, cols);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void quantizeEdgeRowsMatch(KernelFactory factory) {
        try (TernaryKernel kernel = factory.open(1)) {
            int cols = 200;
            float[][] rows = {
                    new float[cols], // all zero: the 1e-5 floor
                    filledRow(cols, 3e-6f), // below the floor
                    filledRow(cols, -7.25f), // every value is -absmax: all codes -127
                    filledRow(cols, Float.MAX_VALUE),
                    withValue(filledRow(cols, 1f), 17, Float.POSITIVE_INFINITY),
                    withValue(filledRow(cols, 1f), 150, Float.NaN),
                    withValue(new float[cols], 199, -0f),
            };
            for (float[] row : rows) {
                assertQuantizeMatches(kernel, row, 0, 1, cols);
            }
        }
    }

    private static float[] filledRow(int cols, float v) {
        float[] x = new float[cols];
        Arrays.fill(x, v);
        return x;
    }

    private static float[] withValue(float[] x, int i, float v) {
        x[i] = v;
        return x;
    }

    private static void assertQuantizeMatches(TernaryKernel kernel, float[] x, int off, int rows, int cols) {
        try (Int8Activations expected = new Int8Activations(rows, cols); Int8Activations actual = new Int8Activations(rows, cols)) {
            SCALAR.quantize(x, off, rows, expected);
            kernel.quantize(x, off, rows, actual);
            assertThat(actual.rows()).isEqualTo(rows);
            for (int r = 0; r < rows; r++) {
                assertThat(Float.floatToRawIntBits(actual.scale(r))).as("scale of row %d (cols %d)", r, cols)
                        .isEqualTo(Float.floatToRawIntBits(expected.scale(r)));
                assertThat(actual.sum(r)).as("sum of row %d (cols %d)", r, cols).isEqualTo(expected.sum(r));
                for (int i = 0; i < cols; i++) {
                    if (actual.code(r, i) != expected.code(r, i)) {
                        throw new AssertionError("code " + r + "," + i + " of " + cols + ": " + actual.code(r, i)
                                + " != " + expected.code(r, i) + " for x = " + x[off + r * cols + i]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void ternaryMatmulIsExactForEveryLayoutShapeAndBatch(KernelFactory factory) {
        Random rnd = new Random(2);
        try (TernaryKernel kernel = factory.open(3); Arena arena = Arena.ofShared()) {
            for (TernaryLayout layout : TernaryLayout.values()) {
                int multiple = TernaryCodec.rowMultiple(layout);
                int[] colChoices = multiple == 1 ? new int[] {1, 33, 100, 128, 129, 300} : new int[] {multiple, 2 * multiple, 3 * multiple, 5 * multiple};
                for (int trial = 0; trial < 6; trial++) {
                    int rows = 1 + 2 * rnd.nextInt(40); // odd
                    int cols = colChoices[trial % colChoices.length];
                    float scale = 0.25f + rnd.nextFloat();
                    byte[] t = KernelFixtures.randomTernary(rnd, rows, cols);
                    TernaryMatrixSource src = KernelFixtures.source(arena, layout + "-" + trial, layout, t, rows, cols, scale);
                    TernaryMatrix w = kernel.prepare(src);
                    TernaryMatrix ref = SCALAR.prepare(src);
                    assertThat(w.rows()).isEqualTo(rows);
                    assertThat(w.cols()).isEqualTo(cols);
                    assertThat(w.scale()).isEqualTo(ref.scale());
                    for (int batch = 1; batch <= 17; batch += trial % 2 == 0 ? 1 : 3) {
                        float[] x = KernelFixtures.randomActivations(rnd, batch, cols);
                        try (Int8Activations a = new Int8Activations(batch, cols)) {
                            SCALAR.quantize(x, 0, batch, a);
                            assertMultiplyMatches(kernel, w, ref, t, a, 5);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void ternaryMatmulIsExactAtTheExtremes(KernelFactory factory) {
        try (TernaryKernel kernel = factory.open(2); Arena arena = Arena.ofShared()) {
            // long rows at full magnitude: a 16-bit partial sum that is not flushed in time overflows here
            for (int cols : new int[] {128, 6912, 8320}) {
                int rows = 9;
                for (int value : new int[] {-1, 0, 1}) {
                    byte[] t = KernelFixtures.filled(rows, cols, value);
                    TernaryMatrixSource src = KernelFixtures.source(arena, "fill" + value, TernaryLayout.I2_S, t, rows, cols, 1f);
                    for (int code : new int[] {-128, 0, 127}) {
                        for (int batch : new int[] {1, 6}) {
                            try (Int8Activations a = KernelFixtures.constant(batch, cols, code)) {
                                assertMultiplyMatches(kernel, kernel.prepare(src), SCALAR.prepare(src), t, a, 0);
                            }
                        }
                    }
                }
                // code 3 (unused by writers) decodes as +2 in every kernel: dot(c, q) - Σq = 2q
                byte[] codes = new byte[rows * cols / 4 + TernaryCodec.I2S_TAIL_BYTES];
                Arrays.fill(codes, 0, rows * cols / 4, (byte) 0xFF);
                MemorySegment data = KernelFixtures.offHeap(arena, codes);
                data.set(ValueLayout.JAVA_FLOAT_UNALIGNED, (long) rows * cols / 4, 1f);
                TernaryMatrixSource src = TernaryMatrixSource.of("max-codes", rows, cols, TernaryLayout.I2_S, data);
                byte[] twos = KernelFixtures.filled(rows, cols, 2);
                for (int batch : new int[] {1, 5}) {
                    try (Int8Activations a = KernelFixtures.constant(batch, cols, -128)) {
                        assertMultiplyMatches(kernel, kernel.prepare(src), SCALAR.prepare(src), twos, a, 0);
                    }
                }
            }
        }
    }

    /**
     * Runs both kernels into a buffer with {@code pad} guard floats on each side and checks every output
     * against the scalar kernel (to the bit) and against the exact integer dot product.
     */
    private static void assertMultiplyMatches(TernaryKernel kernel, TernaryMatrix w, TernaryMatrix ref, byte[] t,
                                              Int8Activations a, int pad) {
        int rows = w.rows();
        int n = a.rows() * rows;
        float[] expected = new float[n + 2 * pad];
        float[] actual = new float[n + 2 * pad];
        Arrays.fill(expected, -42f);
        Arrays.fill(actual, -42f);
        SCALAR.multiply(ref, a, expected, pad);
        kernel.multiply(w, a, actual, pad);
        for (int i = 0; i < pad; i++) {
            assertThat(actual[i]).as("guard before the output").isEqualTo(-42f);
            assertThat(actual[pad + n + i]).as("guard after the output").isEqualTo(-42f);
        }
        for (int r = 0; r < a.rows(); r++) {
            for (int o = 0; o < rows; o++) {
                float want = (float) KernelFixtures.dot(t, w.cols(), o, a, r) / a.scale(r) * w.scale();
                float got = actual[pad + r * rows + o];
                if (Float.floatToRawIntBits(got) != Float.floatToRawIntBits(want)
                        || Float.floatToRawIntBits(got) != Float.floatToRawIntBits(expected[pad + r * rows + o])) {
                    throw new AssertionError(w.name() + " " + rows + "x" + w.cols() + " batch " + a.rows() + ": y[" + r + "][" + o
                            + "] = " + got + ", scalar " + expected[pad + r * rows + o] + ", exact " + want);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void ternaryMatricesRunOnTheMappedI2sBytesAndRepackTheRest(KernelFactory factory) {
        Random rnd = new Random(3);
        try (TernaryKernel kernel = factory.open(1); Arena arena = Arena.ofShared()) {
            byte[] t = KernelFixtures.randomTernary(rnd, 8, 256);
            assertThat(kernel.prepare(KernelFixtures.source(arena, "i2s", TernaryLayout.I2_S, t, 8, 256, 1f)).ownedBytes()).isZero();
            assertThat(kernel.prepare(KernelFixtures.source(arena, "tq2", TernaryLayout.TQ2_0, t, 8, 256, 1f)).ownedBytes())
                    .isEqualTo(8 * 256 / 4);
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void rejectsBadInput(KernelFactory factory) {
        try (TernaryKernel kernel = factory.open(2); Arena arena = Arena.ofShared()) {
            byte[] t = KernelFixtures.filled(4, 128, 1);
            TernaryMatrix w = kernel.prepare(KernelFixtures.source(arena, "w", TernaryLayout.I2_S, t, 4, 128, 1f));
            TernaryMatrix foreign = SCALAR.prepare(KernelFixtures.source(arena, "foreign", TernaryLayout.I2_S, t, 4, 128, 1f));
            try (Int8Activations a = new Int8Activations(2, 128); Int8Activations wrongCols = new Int8Activations(2, 256)) {
                SCALAR.quantize(new float[256], 0, 2, a);
                SCALAR.quantize(new float[512], 0, 2, wrongCols);
                assertThatThrownBy(() -> kernel.multiply(foreign, a, new float[8], 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("foreign");
                assertThatThrownBy(() -> kernel.multiply(w, wrongCols, new float[8], 0))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("columns");
                assertThatThrownBy(() -> kernel.multiply(w, a, new float[7], 0)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> kernel.multiply(w, a, new float[8], 1)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> kernel.quantize(new float[255], 0, 2, a)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> kernel.quantize(new float[256], 0, 3, a)).isInstanceOf(IllegalArgumentException.class);
            }
            byte[] bad = KernelFixtures.filled(2, 10, 1);
            bad[13] = 5;
            TernaryMatrixSource notTernary = new TernaryMatrixSource("bad", 2, 10, TernaryLayout.INT8, KernelFixtures.offHeap(arena, bad), 1f);
            assertThatThrownBy(() -> kernel.prepare(notTernary)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bad").hasMessageContaining("row 1").hasMessageContaining("column 3");
            TernaryMatrixSource truncated = TernaryMatrixSource.of("short", 4, 128, TernaryLayout.I2_S,
                    KernelFixtures.offHeap(arena, new byte[100]));
            assertThatThrownBy(() -> kernel.prepare(truncated)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("short");
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void concurrentCallersGetTheSameResultsAsAlone(KernelFactory factory) throws Exception {
        Random rnd = new Random(4);
        int rows = 301;
        int cols = 512;
        try (TernaryKernel kernel = factory.open(2); Arena arena = Arena.ofShared(); ExecutorService callers = Executors.newFixedThreadPool(4)) {
            byte[] t = KernelFixtures.randomTernary(rnd, rows, cols);
            TernaryMatrixSource src = KernelFixtures.source(arena, "shared", TernaryLayout.I2_S, t, rows, cols, 0.5f);
            TernaryMatrix w = kernel.prepare(src);
            TernaryMatrix ref = SCALAR.prepare(src);
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                int batch = 1 + 3 * c;
                float[] x = KernelFixtures.randomActivations(new Random(10 + c), batch, cols);
                futures.add(callers.submit(() -> {
                    try (Int8Activations a = new Int8Activations(batch, cols)) {
                        kernel.quantize(x, 0, batch, a);
                        float[] expected = new float[batch * rows];
                        SCALAR.multiply(ref, a, expected, 0);
                        float[] actual = new float[batch * rows];
                        for (int round = 0; round < 10; round++) {
                            kernel.multiply(w, a, actual, 0);
                            assertThat(actual).isEqualTo(expected);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void headMatchesScalarForEveryFormat(KernelFactory factory) {
        Random rnd = new Random(5);
        try (TernaryKernel kernel = factory.open(3); Arena arena = Arena.ofShared()) {
            for (FloatFormat format : FloatFormat.values()) {
                int[] colChoices = format.blockSize() == 1 ? new int[] {1, 33, 256, 1000}
                        : format.blockSize() == 32 ? new int[] {96, 256, 512, 2560} : new int[] {256, 512, 2560};
                boolean integer = BlockDot.activationBlock(format) != 0;
                for (int cols : colChoices) {
                    int vocab = 1 + 2 * rnd.nextInt(300);
                    byte[] data = HeadData.random(rnd, format, vocab, cols);
                    FloatMatrixSource src = new FloatMatrixSource("head-" + format, vocab, cols, format, KernelFixtures.offHeap(arena, data));
                    FloatMatrix w = kernel.prepare(src);
                    FloatMatrix ref = SCALAR.prepare(src);
                    float[] values = new float[vocab * cols];
                    for (int v = 0; v < vocab; v++) {
                        ref.row(v, values, v * cols);
                    }
                    for (int rows : new int[] {1, 2, 5}) {
                        float[] x = KernelFixtures.randomActivations(rnd, rows, cols);
                        float[] expected = new float[rows * vocab];
                        float[] actual = new float[rows * vocab];
                        SCALAR.multiply(ref, x, rows, expected);
                        kernel.multiply(w, x, rows, actual);
                        if (integer) {
                            // integer dot products and one fixed float formula: the same bits as the reference
                            assertThat(actual).as("%s %dx%d, %d rows", format, vocab, cols, rows).isEqualTo(expected);
                        }
                        for (int r = 0; r < rows; r++) {
                            for (int v = 0; v < vocab; v++) {
                                double magnitude = 0;
                                for (int i = 0; i < cols; i++) {
                                    magnitude += Math.abs(values[v * cols + i] * x[r * cols + i]);
                                }
                                assertThat((double) actual[r * vocab + v]).as("%s %dx%d y[%d][%d]", format, vocab, cols, r, v)
                                        .isCloseTo(expected[r * vocab + v], org.assertj.core.data.Offset.offset(1e-5 * magnitude + 1e-30));
                            }
                        }
                    }
                    float[] decoded = new float[cols];
                    float[] want = new float[cols];
                    w.row(vocab - 1, decoded, 0);
                    ref.row(vocab - 1, want, 0);
                    assertThat(decoded).isEqualTo(want);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void f16HeadConvertsEveryHalfExactly(KernelFactory factory) {
        // row h holds half h in column h % 16 and zeros elsewhere, so with x = 1 its output is that half exactly
        int cols = 16;
        int vocab = 65536;
        byte[] data = new byte[vocab * cols * 2];
        for (int h = 0; h < vocab; h++) {
            int bits = (h & 0x7C00) == 0x7C00 ? 0x3C00 : h; // infinities and NaNs are checked below
            int at = 2 * (h * cols + h % cols);
            data[at] = (byte) bits;
            data[at + 1] = (byte) (bits >>> 8);
        }
        try (TernaryKernel kernel = factory.open(2); Arena arena = Arena.ofShared()) {
            FloatMatrix w = kernel.prepare(new FloatMatrixSource("halves", vocab, cols, FloatFormat.F16, KernelFixtures.offHeap(arena, data)));
            float[] x = new float[cols];
            Arrays.fill(x, 1f);
            float[] y = new float[vocab];
            kernel.multiply(w, x, 1, y);
            for (int h = 0; h < vocab; h++) {
                float want = (h & 0x7C00) == 0x7C00 ? 1f : Float.float16ToFloat((short) h);
                if (Float.compare(y[h], want) != 0 && !(want == 0f && y[h] == 0f)) {
                    throw new AssertionError("half 0x" + Integer.toHexString(h) + ": " + y[h] + " != " + want);
                }
            }
            short[] specials = {(short) 0x7C00, (short) 0xFC00, (short) 0x7E00};
            float[] expect = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
            for (int k = 0; k < specials.length; k++) {
                byte[] row = new byte[2 * cols];
                for (int i = 0; i < cols; i++) {
                    row[2 * i] = (byte) specials[k];
                    row[2 * i + 1] = (byte) (specials[k] >>> 8);
                }
                FloatMatrix s = kernel.prepare(new FloatMatrixSource("special", 1, cols, FloatFormat.F16, KernelFixtures.offHeap(arena, row)));
                float[] out = new float[1];
                kernel.multiply(s, x, 1, out);
                assertThat(Float.floatToIntBits(out[0])).as("half 0x%04x gives %s", specials[k] & 0xFFFF, out[0])
                        .isEqualTo(Float.floatToIntBits(expect[k]));
            }
        }
    }
}
