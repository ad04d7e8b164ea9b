package dev.bitnet.kernels.nativ;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.FloatMatrixSource;
import dev.bitnet.kernels.Int8Activations;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.TernaryMatrix;
import dev.bitnet.kernels.TernaryMatrixSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Drives every native entry point with out-of-range shapes, offsets and buffers, directly on {@link
 * NativeLibrary} and through {@link NativeKernel}'s public API: each bad call must end in a Java
 * exception before native code runs (a bad call that reached C would crash this JVM, failing the build).
 */
class NativeEntryPointsTest {
    private static final int COLS = 128;
    private static final int ROWS = 8;

    private NativeLibrary lib;
    private Arena arena;

    @BeforeEach
    void setUp() {
        NativeLibrary best;
        try {
            best = NativeLibrary.best();
        } catch (NativeLibrary.UnavailableException e) {
            best = null;
        }
        assumeTrue(best != null, "no native build runs here");
        lib = best;
        arena = Arena.ofShared();
    }

    @AfterEach
    void tearDown() {
        if (arena != null) {
            arena.close();
        }
    }

    private MemorySegment bytes(long n) {
        return arena.allocate(Math.max(1, n), 64);
    }

    private static void rejected(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfAny(IllegalArgumentException.class, IndexOutOfBoundsException.class,
                NullPointerException.class, ArithmeticException.class);
    }

    @Test
    void pack() {
        MemorySegment q = bytes(2L * COLS);
        MemorySegment dst = bytes(2L * COLS);
        MemorySegment sums = bytes(8);
        assertThatCode(() -> lib.pack(q, COLS, 2, COLS, COLS, dst, sums)).doesNotThrowAnyException();
        rejected(() -> lib.pack(q, COLS, -1, COLS, COLS, dst, sums));
        rejected(() -> lib.pack(q, COLS, 3, COLS, COLS, dst, sums));
        rejected(() -> lib.pack(q, COLS, 2, COLS, 100, dst, sums));
        rejected(() -> lib.pack(q, COLS, 2, COLS, 256, dst, sums));
        rejected(() -> lib.pack(q, 64, 2, COLS, COLS, dst, sums));
        rejected(() -> lib.pack(q, Long.MAX_VALUE, 2, COLS, COLS, dst, sums));
        rejected(() -> lib.pack(q, COLS, 2, COLS, COLS, dst, bytes(4)));
        rejected(() -> lib.pack(MemorySegment.ofArray(new byte[2 * COLS]), COLS, 2, COLS, COLS, dst, sums));
        rejected(() -> lib.pack(q, COLS, 2, -5, COLS, dst, sums));
    }

    @Test
    void gemm() {
        MemorySegment w = bytes((long) ROWS * COLS / 4);
        MemorySegment qp = bytes(2L * COLS);
        MemorySegment sums = bytes(8);
        MemorySegment sa = bytes(8);
        MemorySegment y = bytes(2L * ROWS * 4);
        for (boolean shortCall : List.of(true, false)) {
            assertThatCode(() -> lib.gemm(shortCall, w, 0, ROWS, COLS, qp, 2, sums, sa, 1f, y, ROWS)).doesNotThrowAnyException();
            rejected(() -> lib.gemm(shortCall, w, -1, ROWS, COLS, qp, 2, sums, sa, 1f, y, ROWS));
            rejected(() -> lib.gemm(shortCall, w, 4, 2, COLS, qp, 2, sums, sa, 1f, y, ROWS));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS + 4, COLS, qp, 2, sums, sa, 1f, y, ROWS + 4));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS, 0, qp, 2, sums, sa, 1f, y, ROWS));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS, 256, qp, 2, sums, sa, 1f, y, ROWS));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS, COLS, qp, 3, sums, sa, 1f, y, ROWS));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS, COLS, qp, 2, sums, sa, 1f, y, ROWS * 2));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS, COLS, qp, 2, sums, sa, 1f, y, 1));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS, COLS, qp, 2, sums, bytes(4), 1f, y, ROWS));
            rejected(() -> lib.gemm(shortCall, w, 0, ROWS, COLS, qp, -2, sums, sa, 1f, y, ROWS));
        }
    }

    @Test
    void quantize() {
        MemorySegment x = bytes(2L * COLS * 4);
        MemorySegment q = bytes(2L * COLS);
        MemorySegment sa = bytes(8);
        MemorySegment sums = bytes(8);
        assertThatCode(() -> lib.quantize(x, 2, COLS, q, COLS, sa, sums)).doesNotThrowAnyException();
        rejected(() -> lib.quantize(x, 3, COLS, q, COLS, sa, sums));
        rejected(() -> lib.quantize(x, -1, COLS, q, COLS, sa, sums));
        rejected(() -> lib.quantize(x, 2, COLS, q, COLS - 1, sa, sums));
        rejected(() -> lib.quantize(x, 2, COLS, q, COLS * 2, sa, sums));
        rejected(() -> lib.quantize(x, 2, COLS, q, COLS, bytes(4), sums));
        rejected(() -> lib.quantize(x, 2, COLS, q, COLS, sa, bytes(4)));
        rejected(() -> lib.quantize(x, 2, -COLS, q, COLS, sa, sums));
    }

    @Test
    void head() {
        MemorySegment w = bytes((long) ROWS * COLS * 4);
        MemorySegment x = bytes(2L * COLS * 4);
        MemorySegment y = bytes(2L * ROWS * 4);
        for (int format = 0; format <= 3; format++) {
            int f = format;
            assertThatCode(() -> lib.head(f, w, COLS, 0, ROWS, x, 2, y, ROWS)).doesNotThrowAnyException();
            rejected(() -> lib.head(f, w, COLS, 0, ROWS + 1, x, 2, y, ROWS + 1));
            rejected(() -> lib.head(f, w, COLS, -1, ROWS, x, 2, y, ROWS));
            rejected(() -> lib.head(f, w, COLS, 5, 4, x, 2, y, ROWS));
            rejected(() -> lib.head(f, w, COLS, 0, ROWS, x, 3, y, ROWS));
            rejected(() -> lib.head(f, w, COLS, 0, ROWS, x, 2, y, ROWS * 2));
            rejected(() -> lib.head(f, w, COLS, 0, ROWS, x, 2, y, 2));
            rejected(() -> lib.head(f, w, COLS * 64, 0, ROWS, x, 1, y, ROWS));
        }
        rejected(() -> lib.head(4, w, COLS, 0, ROWS, x, 2, y, ROWS));
        rejected(() -> lib.head(-1, w, COLS, 0, ROWS, x, 2, y, ROWS));
        rejected(() -> lib.head(3, w, 40, 0, ROWS, x, 2, y, ROWS));
    }

    @Test
    void kernelApiRejectsOutOfRangeCalls() {
        try (NativeKernel kernel = new NativeKernel(lib, 2); Int8Activations act = new Int8Activations(2, COLS)) {
            float[] x = new float[2 * COLS];
            rejected(() -> kernel.quantize(x, 0, 3, act));
            rejected(() -> kernel.quantize(x, -1, 1, act));
            rejected(() -> kernel.quantize(x, COLS + 1, 1, act));
            rejected(() -> kernel.quantize(new float[COLS], 0, 2, act));
            kernel.quantize(x, 0, 2, act);

            MemorySegment i2s = bytes((long) ROWS * COLS / 4 + 32);
            TernaryMatrix m = kernel.prepare(TernaryMatrixSource.of("w", ROWS, COLS, TernaryLayout.I2_S, i2s));
            float[] y = new float[2 * ROWS];
            kernel.multiply(m, act, y, 0);
            rejected(() -> kernel.multiply(m, act, y, 1));
            rejected(() -> kernel.multiply(m, act, y, -1));
            rejected(() -> kernel.multiply(m, act, new float[ROWS], 0));
            try (Int8Activations narrow = new Int8Activations(1, 256)) {
                narrow.setRows(1);
                rejected(() -> kernel.multiply(m, narrow, y, 0));
            }
            rejected(() -> kernel.prepare(TernaryMatrixSource.of("short", ROWS * 4, COLS, TernaryLayout.I2_S, i2s)));

            FloatMatrix head = kernel.prepare(new FloatMatrixSource("head", ROWS, COLS, FloatFormat.F32, bytes((long) ROWS * COLS * 4)));
            kernel.multiply(head, x, 2, y);
            rejected(() -> kernel.multiply(head, x, -1, y));
            rejected(() -> kernel.multiply(head, x, 3, new float[3 * ROWS]));
            rejected(() -> kernel.multiply(head, x, 2, new float[ROWS]));
            rejected(() -> kernel.prepare(new FloatMatrixSource("short", ROWS * 2, COLS, FloatFormat.F32, bytes((long) ROWS * COLS * 4))));

            float[] q = new float[4 * 32];
            float[] kv = new float[4 * 32];
            float[] out = new float[4 * 32];
            assertThatThrownBy(() -> kernel.attention(q, kv, kv, out, 2, 10, 4, 4, 32, 1f)).isInstanceOf(RuntimeException.class);
            assertThatThrownBy(() -> kernel.attention(q, kv, kv, out, 5, 0, 4, 4, 32, 1f)).isInstanceOf(RuntimeException.class);
        }
        assertThat(lib.isa()).isNotNull();
    }
}
