package dev.bitnet.kernels.bench;

import dev.bitnet.kernels.Int8Activations;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.TernaryMatrix;
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
 * Ternary GEMV (batch 1, decode) and GEMM (batch 128, prefill) on the BitNet b1.58 2B-4T projection
 * shapes (rows x cols = out x in: q/o 2560x2560, k/v 640x2560, gate/up 6912x2560, down 2560x6912).
 * GEMV cycles through enough copies of the matrix to stream it from DRAM. The {@code weightBytes}
 * counter gives the weight bandwidth (bytes/s), {@code tokens} the activation rows per second.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class TernaryMatmulBenchmark {
    @Param({"native", "vector"})
    public String kernel;

    @Param({"2560x2560", "640x2560", "6912x2560", "2560x6912"})
    public String shape;

    @Param({"1", "128"})
    public int batch;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private TernaryKernel k;
    private TernaryMatrix[] matrices;
    private Int8Activations act;
    private float[] y;
    private long matrixBytes;
    private int next;

    /** Per-invocation counters that JMH reports as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long weightBytes;
        public long tokens;
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] rc = BenchKernels.shape(shape);
        Random rnd = new Random(42);
        arena = Arena.ofShared();
        k = BenchKernels.open(kernel, threads);
        matrixBytes = (long) rc[0] * rc[1] / 4;
        int copies = batch == 1 ? (int) Math.max(1, BenchKernels.STREAM_BYTES / matrixBytes) : 1;
        matrices = new TernaryMatrix[copies];
        TernaryMatrix first = k.prepare(BenchKernels.i2s(arena, rnd, "w0", rc[0], rc[1]));
        matrices[0] = first;
        for (int i = 1; i < copies; i++) {
            matrices[i] = k.prepare(BenchKernels.i2s(arena, rnd, "w" + i, rc[0], rc[1]));
        }
        act = new Int8Activations(batch, rc[1]);
        k.quantize(BenchKernels.activations(rnd, batch, rc[1]), 0, batch, act);
        y = new float[batch * rc[0]];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        k.close();
        act.close();
        arena.close();
    }

    @Benchmark
    public float multiply(Counters counters) {
        TernaryMatrix w = matrices[next];
        next = next + 1 == matrices.length ? 0 : next + 1;
        k.multiply(w, act, y, 0);
        counters.weightBytes += matrixBytes;
        counters.tokens += batch;
        return y[0];
    }
}
