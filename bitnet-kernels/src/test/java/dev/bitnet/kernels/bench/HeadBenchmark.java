package dev.bitnet.kernels.bench;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.FloatMatrixSource;
import dev.bitnet.kernels.TernaryKernel;
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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The LM head GEMV of BitNet b1.58 2B-4T: 128256 x 2560 in F16 (657 MB, read from DRAM every call), in
 * Q8_0 (the optional int8 head, 349 MB), or in the block formats an embedding may come in (Q6_K 269 MB,
 * Q5_K 226 MB, Q4_K 185 MB, Q4_0 185 MB, BF16 657 MB). {@code weightBytes} gives the bandwidth.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class HeadBenchmark {
    private static final int VOCAB = 128256;
    private static final int HIDDEN = 2560;

    @Param({"native", "vector"})
    public String kernel;

    @Param({"F16", "Q8_0", "Q6_K", "Q4_K", "Q5_K", "Q4_0", "BF16"})
    public String format;

    @Param({"2"})
    public int threads;

    private Arena arena;
    private TernaryKernel k;
    private FloatMatrix head;
    private float[] x;
    private float[] y;
    private long bytes;

    /** Per-invocation counters that JMH reports as rates. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long weightBytes;
    }

    @Setup(Level.Trial)
    public void setUp() {
        FloatFormat f = FloatFormat.valueOf(format);
        Random rnd = new Random(42);
        arena = Arena.ofShared();
        bytes = VOCAB * f.rowBytes(HIDDEN);
        MemorySegment data = arena.allocate(bytes, 64);
        if (f == FloatFormat.F16 || f == FloatFormat.BF16) {
            for (long i = 0; i < (long) VOCAB * HIDDEN; i++) {
                float v = (float) (rnd.nextGaussian() * 0.05);
                data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, f == FloatFormat.F16 ? Float.floatToFloat16(v)
                        : (short) (Float.floatToRawIntBits(v) >>> 16));
            }
        } else if (f != FloatFormat.Q8_0) {
            // random block bytes with small finite f16 scales where the format keeps them
            for (long i = 0; i < bytes; i++) {
                data.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
            }
            int blockBytes = f.blockBytes();
            long scaleAt = f == FloatFormat.Q6_K ? 208 : 0;
            for (long b = 0; b < bytes / blockBytes; b++) {
                data.set(ValueLayout.JAVA_SHORT_UNALIGNED, blockBytes * b + scaleAt, Float.floatToFloat16(0.001f));
                if (f == FloatFormat.Q4_K || f == FloatFormat.Q5_K) {
                    data.set(ValueLayout.JAVA_SHORT_UNALIGNED, blockBytes * b + 2, Float.floatToFloat16(0.001f));
                }
            }
        } else {
            for (long b = 0; b < bytes / 34; b++) {
                data.set(ValueLayout.JAVA_SHORT_UNALIGNED, 34 * b, Float.floatToFloat16(0.001f));
                for (int j = 0; j < 32; j++) {
                    data.set(ValueLayout.JAVA_BYTE, 34 * b + 2 + j, (byte) rnd.nextInt(256));
                }
            }
        }
        k = BenchKernels.open(kernel, threads);
        head = k.prepare(new FloatMatrixSource("token_embd", VOCAB, HIDDEN, f, data));
        x = BenchKernels.activations(rnd, 1, HIDDEN);
        y = new float[VOCAB];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        k.close();
        arena.close();
    }

    @Benchmark
    public float head(Counters counters) {
        k.multiply(head, x, 1, y);
        counters.weightBytes += bytes;
        return y[0];
    }
}
