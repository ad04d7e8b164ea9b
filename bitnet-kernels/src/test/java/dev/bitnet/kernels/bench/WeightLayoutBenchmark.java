package dev.bitnet.kernels.bench;

import dev.bitnet.kernels.Int8Activations;
import dev.bitnet.kernels.TernaryMatrix;
import dev.bitnet.kernels.TernaryMatrixSource;
import dev.bitnet.kernels.nativ.NativeKernel;
import dev.bitnet.kernels.nativ.NativeLibrary;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Whether copying I2_S weights into aligned off-heap memory at load pays: the native GEMV on the
 * mapped bytes in place ({@code copy=false}) against an aligned copy ({@code copy=true}), and what
 * preparing one matrix costs each way. The copy costs {@code rows * cols / 4} bytes per matrix (about
 * 521 MB for the 2B-4T model) on top of the mapped file.
 */
@State(Scope.Benchmark)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class WeightLayoutBenchmark {
    private static final int ROWS = 6912;
    private static final int COLS = 2560;

    @Param({"false", "true"})
    public boolean copy;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private NativeKernel k;
    private TernaryMatrixSource[] sources;
    private TernaryMatrix[] matrices;
    private Int8Activations act;
    private float[] y;
    private int next;

    /** Per-invocation counters that JMH reports as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long weightBytes;
    }

    @Setup(Level.Trial)
    public void setUp() throws NativeLibrary.UnavailableException {
        Random rnd = new Random(42);
        arena = Arena.ofShared();
        k = new NativeKernel(NativeLibrary.best(), threads, copy);
        int copies = (int) Math.max(1, BenchKernels.STREAM_BYTES / ((long) ROWS * COLS / 4));
        sources = new TernaryMatrixSource[copies];
        matrices = new TernaryMatrix[copies];
        for (int i = 0; i < copies; i++) {
            sources[i] = BenchKernels.i2s(arena, rnd, "w" + i, ROWS, COLS);
            matrices[i] = k.prepare(sources[i]);
        }
        act = new Int8Activations(1, COLS);
        k.quantize(BenchKernels.activations(rnd, 1, COLS), 0, 1, act);
        y = new float[ROWS];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        k.close();
        act.close();
        arena.close();
    }

    /** GEMV streaming the 6912x2560 matrices from DRAM. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    public float gemv(Counters counters) {
        TernaryMatrix w = matrices[next];
        next = next + 1 == matrices.length ? 0 : next + 1;
        k.multiply(w, act, y, 0);
        counters.weightBytes += (long) ROWS * COLS / 4;
        return y[0];
    }

    /** Preparing one 6912x2560 matrix (about 4.4 MB of codes). */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public TernaryMatrix prepare() {
        TernaryMatrixSource s = sources[next];
        next = next + 1 == sources.length ? 0 : next + 1;
        return k.prepare(s);
    }
}
