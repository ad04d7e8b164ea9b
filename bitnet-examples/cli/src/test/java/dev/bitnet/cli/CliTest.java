package dev.bitnet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The command-line contracts: logits files, generate --json, info, bench --json, synth, usage errors. */
class CliTest {
    private static final String PROMPT = "508,92,190,83,176,161,318,117,246,123,316,255,423,32,140,183,57,96,104,245,401,427,169,415";

    record Result(int code, String out, String err) {
    }

    static Path fixture(String relative) {
        String prop = System.getProperty("bitnet.fixtures", "../shared/fixtures");
        return Path.of(prop).resolve(relative);
    }

    static Result run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static float[] floats(Path file) throws Exception {
        byte[] bytes = Files.readAllBytes(file);
        float[] f = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    @Test
    void logitsWritesOneRowPerIdAndBatchModeAgrees(@TempDir Path dir) throws Exception {
        String model = fixture("tiny-a/gguf/tiny-a-i2_s.gguf").toString();
        assertThat(run("logits", "--model", model, "--ids", "508,92,190", "--out", dir.resolve("seq.f32").toString()).code()).isZero();
        assertThat(run("logits", "--model", model, "--ids", "508,92,190", "--out", dir.resolve("batch.f32").toString(), "--batch").code()).isZero();
        float[] seq = floats(dir.resolve("seq.f32"));
        float[] batch = floats(dir.resolve("batch.f32"));
        assertThat(seq).hasSize(3 * 512);
        for (int i = 0; i < seq.length; i++) {
            assertThat(batch[i]).isCloseTo(seq[i], org.assertj.core.data.Offset.offset(1e-3f));
        }
    }

    @Test
    void generateJsonHasIdsFinishReasonAndTimings() {
        Result r = run("generate", "--model", fixture("tiny-a/gguf/tiny-a-i2_s.gguf").toString(), "--prompt-ids", PROMPT,
                "--max-tokens", "24", "--temperature", "0", "--seed", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).startsWith("{").endsWith("}")
                .contains("\"ids\":[436,300,419,234,391,101,309,423,101,309,309,309,419,426,426,426,426,101,426,101,113,509]")
                .contains("\"finish_reason\":\"stop\"")
                .contains("\"generation_tokens_per_second\":")
                .contains("\"usage\":{\"prompt_tokens\":24,\"generated_tokens\":22}");
    }

    @Test
    void generateJsonSchemaAndJsonObjectConstrainTheCompletion(@TempDir Path dir) throws Exception {
        Path schema = dir.resolve("schema.json");
        Files.writeString(schema, "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\"}},"
                + "\"required\":[\"n\"],\"additionalProperties\":false}");
        String model = fixture("tiny-a/gguf/tiny-a-i2_s.gguf").toString();
        Result r = run("generate", "--model", model, "--prompt-ids", PROMPT, "--max-tokens", "40", "--temperature", "0",
                "--json-schema", schema.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        // the tiny random model writes poor JSON, but its text must start the constrained object
        assertThat(r.out()).contains("\"text\":\"{");
        Result o = run("generate", "--model", model, "--prompt-ids", PROMPT, "--max-tokens", "40", "--temperature", "0",
                "--json-object");
        assertThat(o.code()).as(o.err()).isZero();
        assertThat(o.out()).startsWith("{");
        Files.writeString(schema, "{\"type\":\"string\",\"pattern\":\"a\"}");
        Result bad = run("generate", "--model", model, "--prompt-ids", PROMPT, "--json-schema", schema.toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("'pattern'");
        Result both = run("generate", "--model", model, "--prompt-ids", PROMPT, "--json-schema", schema.toString(),
                "--json-object");
        assertThat(both.code()).isEqualTo(2);
    }

    @Test
    void infoDescribesTheModel() {
        Result r = run("info", "--model", fixture("tiny-a/gguf/tiny-a-tq1_0.gguf").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("bitnet-b1.58").contains("layers        2").contains("TQ1_0").contains("kernel");
    }

    @Test
    void synthThenBenchJsonLines(@TempDir Path dir) {
        Path model = dir.resolve("tiny.gguf");
        assertThat(run("synth", "--shape", "tiny", "--type", "tq2_0", "--seed", "3", "--out", model.toString()).code()).isZero();
        Result r = run("bench", "--model", model.toString(), "-p", "8", "-n", "4", "-t", "1", "-r", "1", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(2);
        assertThat(lines[0]).startsWith("{\"test\": \"pp8\", \"threads\": 1, \"kernel\": \"").contains("\"tok_s_mean\": ").contains("\"tok_s_sd\": ");
        assertThat(lines[1]).startsWith("{\"test\": \"tg4\", \"threads\": 1,").endsWith(", \"head\": \"exact\"}");
    }

    @Test
    void synthEmbeddingTypeThenBenchPerHeadMode(@TempDir Path dir) {
        Path model = dir.resolve("tiny-q6k.gguf");
        Result w = run("synth", "--shape", "tiny", "--type", "i2_s", "--embedding-type", "q6_k", "--seed", "3", "--out", model.toString());
        assertThat(w.code()).as(w.err()).isZero();
        assertThat(w.err()).contains("Q6_K embedding");
        Result info = run("info", "--model", model.toString(), "--tensors");
        assertThat(info.out()).contains("Q6_K");
        Result r = run("bench", "--model", model.toString(), "-p", "0", "-n", "2", "-t", "1", "-r", "1", "--head", "int8", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).endsWith("\"head\": \"int8\"}");
        assertThat(run("bench", "--model", model.toString(), "--head", "fuzzy").code()).isEqualTo(2);
        assertThat(run("bench", "--model", model.toString(), "--head", "exact", "--int8-head").code()).isEqualTo(2);
        assertThat(run("synth", "--shape", "tiny", "--embedding-type", "q3_k", "--out", dir.resolve("x.gguf").toString()).code()).isEqualTo(2);
        assertThat(run("synth", "--shape", "tiny", "--embedding-type", "f32", "--out", dir.resolve("x.gguf").toString()).code()).isEqualTo(2);
    }

    @Test
    void benchParallelAddsOneTgLinePerSequenceCount(@TempDir Path dir) {
        Path model = dir.resolve("tiny.gguf");
        assertThat(run("synth", "--shape", "tiny", "--type", "i2_s", "--seed", "5", "--out", model.toString()).code()).isZero();
        Result r = run("bench", "--model", model.toString(), "-p", "4", "-n", "6", "-t", "1", "-r", "1", "--parallel", "1,3", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("{\"test\": \"pp4\", \"threads\": 1,").contains("\"parallel\": 1,").endsWith("\"head\": \"exact\"}");
        assertThat(lines[1]).startsWith("{\"test\": \"tg6\", \"threads\": 1,").contains("\"tok_s_mean\": ").contains("\"parallel\": 1,").endsWith("\"head\": \"exact\"}");
        assertThat(lines[2]).startsWith("{\"test\": \"tg6\", \"threads\": 1,").contains("\"parallel\": 3,").endsWith("\"head\": \"exact\"}");
        assertThat(run("bench", "--model", model.toString(), "-n", "6", "--parallel", "0").code()).isEqualTo(2);
        assertThat(run("bench", "--model", model.toString(), "-n", "1", "--parallel", "2").code()).isEqualTo(2);
    }

    @Test
    void benchBandwidthAddsOneReadLinePerThreadCountAfterTheTests(@TempDir Path dir) {
        Path model = dir.resolve("tiny.gguf");
        assertThat(run("synth", "--shape", "tiny", "--type", "i2_s", "--seed", "4", "--out", model.toString()).code()).isZero();
        // --int8-head is a switch: the flag after it must still be read as a flag
        Result r = run("bench", "--model", model.toString(), "-p", "0", "-n", "4", "--int8-head", "-t", "1,2", "-r", "1",
                "--bandwidth", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().strip().split("\n");
        assertThat(lines).hasSize(4);
        assertThat(lines[0]).startsWith("{\"test\": \"tg4\", \"threads\": 1,");
        assertThat(lines[1]).startsWith("{\"test\": \"tg4\", \"threads\": 2,");
        assertThat(lines[2]).startsWith("{\"test\": \"read\", \"threads\": 1,").contains("\"gb_s\": ")
                .contains("\"bytes_per_token\": ").contains("\"tg_fraction_of_bound\": ");
        assertThat(lines[3]).startsWith("{\"test\": \"read\", \"threads\": 2,");
    }

    @Test
    void benchBandwidthOnACheckpointDirectoryKeepsTheJsonLinesClean() {
        Result r = run("bench", "--model", fixture("tiny-a/hf").toString(), "-p", "0", "-n", "2", "-t", "1", "-r", "1",
                "--bandwidth", "--json");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip().split("\n")).singleElement().asString().startsWith("{\"test\": \"tg2\"");
        assertThat(r.err()).contains("bandwidth: skipped");
    }

    @Test
    void badCommandLinesExitWithUsageErrors() {
        assertThat(run().code()).isEqualTo(2);
        assertThat(run("frobnicate").code()).isEqualTo(2);
        Result unknownFlag = run("logits", "--model", "x.gguf", "--ids", "1", "--out", "o", "--bogus", "1");
        assertThat(unknownFlag.code()).isEqualTo(2);
        assertThat(unknownFlag.err()).contains("unknown flag --bogus");
        Result badNumber = run("generate", "--model", "x.gguf", "--prompt-ids", "1,x");
        assertThat(badNumber.code()).isEqualTo(2);
        assertThat(badNumber.err()).contains("--prompt-ids expects an integer");
        Result badOption = run("generate", "--model", fixture("tiny-a/gguf/tiny-a-i2_s.gguf").toString(), "--prompt-ids", "1", "--top-p", "2");
        assertThat(badOption.code()).isEqualTo(2);
        assertThat(badOption.err()).contains("top");
    }

    @Test
    void aCorruptModelFileFailsWithTheFileNamedNotACrash(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.gguf");
        byte[] good = Files.readAllBytes(fixture("tiny-a/gguf/tiny-a-i2_s.gguf"));
        Files.write(bad, java.util.Arrays.copyOf(good, 5000));
        Result r = run("info", "--model", bad.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("ModelFormatException").contains("bad.gguf");
    }
}
