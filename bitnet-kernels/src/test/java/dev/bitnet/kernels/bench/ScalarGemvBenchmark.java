package dev.bitnet.kernels.bench;

import dev.bitnet.kernels.Int8Activations;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.TernaryMatrix;
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

/** The scalar reference kernel on one small GEMV shape (k/v, 640x2560), the baseline for the fast kernels' ratios. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ScalarGemvBenchmark {
    @Param({"scalar", "vector", "native"})
    public String kernel;

    private Arena arena;
    private TernaryKernel k;
    private TernaryMatrix w;
    private Int8Activations act;
    private float[] y;

    @Setup(Level.Trial)
    public void setUp() {
        Random rnd = new Random(42);
        arena = Arena.ofShared();
        k = BenchKernels.open(kernel, 1);
        w = k.prepare(BenchKernels.i2s(arena, rnd, "kv", 640, 2560));
        act = new Int8Activations(1, 2560);
        k.quantize(BenchKernels.activations(rnd, 1, 2560), 0, 1, act);
        y = new float[640];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        k.close();
        act.close();
        arena.close();
    }

    /** One 640x2560 GEMV on one thread (the matrix stays in cache: this compares compute, not DRAM). */
    @Benchmark
    public float gemv640x2560() {
        k.multiply(w, act, y, 0);
        return y[0];
    }
}
