package dev.bitnet.tokenizer.bench;

import dev.bitnet.tokenizer.Fixtures;
import dev.bitnet.tokenizer.PreTokenizerKind;
import dev.bitnet.tokenizer.Tokenizer;
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
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Encode throughput on the LLaMA-3 corpus (1675 texts, 0.54 MB of UTF-8), one thread. The
 * {@code megabytes} line of the result is the rate in MB/s of UTF-8 input. Run with
 * {@code ./mvnw -q -pl bitnet-tokenizer test-compile exec:exec -Dexec.executable=java
 * -Dexec.classpathScope=test -Dexec.args="-cp %classpath org.openjdk.jmh.Main EncodeBenchmark"}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EncodeBenchmark {
    /** Which split to measure. */
    @Param({"LLAMA3", "LLAMA_CPP_DEFAULT"})
    public String split;

    private Tokenizer tokenizer;
    private String[] texts;
    private double corpusMegabytes;

    /** Megabytes of input encoded; JMH reports it per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Input {
        public double megabytes;

        @Setup(Level.Iteration)
        public void reset() {
            megabytes = 0;
        }
    }

    @Setup
    public void load() throws IOException {
        tokenizer = Tokenizer.fromTokenizerJson(Fixtures.llama3TokenizerJson(), PreTokenizerKind.valueOf(split));
        texts = Fixtures.llama3Corpus().stream().map(Fixtures.Row::text).toArray(String[]::new);
        long bytes = 0;
        for (String t : texts) {
            bytes += t.getBytes(StandardCharsets.UTF_8).length;
        }
        corpusMegabytes = bytes / 1e6;
    }

    /** Encodes the whole corpus once; returns the token count so the work cannot be optimised away. */
    @Benchmark
    public int encodeCorpus(Input input) {
        int tokens = 0;
        for (String text : texts) {
            tokens += tokenizer.encode(text).length;
        }
        input.megabytes += corpusMegabytes;
        return tokens;
    }
}
