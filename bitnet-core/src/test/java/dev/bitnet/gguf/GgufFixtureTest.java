package dev.bitnet.gguf;

import dev.bitnet.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads every GGUF fixture and checks its header, hyperparameters, tokenizer metadata and tensor table. */
class GgufFixtureTest {

    /** What each fixture holds: architecture, ternary type, embedding type, whether it has sub-norms and an output head. */
    record Expected(String model, String file, String arch, GgmlType ternary, GgmlType embedding, boolean subNorms,
                    boolean output, float ropeTheta, float rmsEps) {
    }

    static Stream<Arguments> fixtures() {
        return Stream.of(
                new Expected("tiny-a", "tiny-a-i2_s.gguf", "bitnet-b1.58", GgmlType.I2_S, GgmlType.F16, true, false, 500000f, 1e-5f),
                new Expected("tiny-a", "tiny-a-tq2_0.gguf", "bitnet-b1.58", GgmlType.TQ2_0, GgmlType.F16, true, false, 500000f, 1e-5f),
                new Expected("tiny-a", "tiny-a-tq1_0.gguf", "bitnet-b1.58", GgmlType.TQ1_0, GgmlType.F16, true, false, 500000f, 1e-5f),
                new Expected("tiny-a", "tiny-a-f32.gguf", "bitnet-b1.58", GgmlType.F32, GgmlType.F32, true, false, 500000f, 1e-5f),
                new Expected("tiny-a-silu", "tiny-a-silu-i2_s.gguf", "bitnet", GgmlType.I2_S, GgmlType.F16, true, false, 500000f, 1e-5f),
                new Expected("tiny-a-silu", "tiny-a-silu-tq2_0.gguf", "bitnet", GgmlType.TQ2_0, GgmlType.Q6_K, true, false, 500000f, 1e-5f),
                new Expected("tiny-e-llama", "tiny-e-llama-i2_s.gguf", "llama", GgmlType.I2_S, GgmlType.F16, false, true, 1000042f, 1e-6f),
                new Expected("tiny-e-llama", "tiny-e-llama-tq2_0.gguf", "llama", GgmlType.TQ2_0, GgmlType.F16, false, true, 1000042f, 1e-6f))
                .map(Arguments::of);
    }

    @Test
    void everyFixtureFileIsCovered() throws IOException {
        List<String> onDisk = new ArrayList<>();
        try (Stream<Path> models = Files.list(Fixtures.root())) {
            for (Path model : models.toList()) {
                Path dir = model.resolve("gguf");
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> files = Files.list(dir)) {
                        files.filter(f -> f.toString().endsWith(".gguf")).forEach(f -> onDisk.add(f.getFileName().toString()));
                    }
                }
            }
        }
        assertThat(onDisk).containsExactlyInAnyOrderElementsOf(fixtures().map(a -> ((Expected) a.get()[0]).file()).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readsHeaderAndHyperparameters(Expected e) {
        try (GgufFile file = GgufFile.open(Fixtures.gguf(e.model(), e.file()))) {
            assertThat(file.version()).isEqualTo(3);
            assertThat(file.alignment()).isEqualTo(32);
            assertThat(file.dataOffset() % 32).isZero();
            GgufMetadata m = file.metadata();
            assertThat(m.getString("general.architecture")).isEqualTo(e.arch());
            String p = e.arch() + ".";
            assertThat(m.getInt(p + "embedding_length")).isEqualTo(256);
            assertThat(m.getInt(p + "feed_forward_length")).isEqualTo(768);
            assertThat(m.getInt(p + "block_count")).isEqualTo(2);
            assertThat(m.getInt(p + "vocab_size")).isEqualTo(512);
            assertThat(m.getInt(p + "context_length")).isEqualTo(256);
            assertThat(m.getInt(p + "attention.head_count")).isEqualTo(4);
            assertThat(m.getInt(p + "attention.head_count_kv")).isEqualTo(2);
            assertThat(m.getInt(p + "rope.dimension_count")).isEqualTo(64);
            assertThat(m.type(p + "block_count")).isEqualTo(GgufValueType.UINT32);
            assertThat(m.getFloat(p + "rope.freq_base")).isEqualTo(e.ropeTheta());
            assertThat(m.getFloat(p + "attention.layer_norm_rms_epsilon")).isEqualTo(e.rmsEps());

            assertThat(m.getString("tokenizer.ggml.model")).isEqualTo("gpt2");
            String[] tokens = m.getStringArray("tokenizer.ggml.tokens");
            assertThat(tokens).hasSize(512);
            assertThat(tokens[0]).isEqualTo("!");
            assertThat(tokens[508]).isEqualTo("<|begin_of_text|>");
            assertThat(tokens[511]).isEqualTo("<|eot_id|>");
            assertThat(tokens[256]).isEqualTo("A\u00a4"); // non-ASCII: decoded as UTF-8
            int[] types = m.getIntArray("tokenizer.ggml.token_type");
            assertThat(m.elementType("tokenizer.ggml.token_type")).isEqualTo(GgufValueType.INT32);
            assertThat(types).hasSize(512).startsWith(1).endsWith(3, 3, 3, 3);
            assertThat(m.getStringArray("tokenizer.ggml.merges")).hasSize(252).startsWith("A \u00a4");
            assertThat(m.getInt("tokenizer.ggml.bos_token_id")).isEqualTo(508);
            assertThat(m.getInt("tokenizer.ggml.eos_token_id")).isEqualTo(509);
            assertThat(m.findBool("tokenizer.ggml.add_bos_token")).contains(true);
            assertThat(m.findBool("tokenizer.ggml.add_eos_token")).contains(false);
            assertThat(m.findString("tokenizer.chat_template")).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readsTensorTable(Expected e) {
        try (GgufFile file = GgufFile.open(Fixtures.gguf(e.model(), e.file()))) {
            List<String> expectedNames = new ArrayList<>(List.of("token_embd.weight", "output_norm.weight"));
            if (e.output()) {
                expectedNames.add("output.weight");
            }
            for (int l = 0; l < 2; l++) {
                for (String n : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                        "ffn_gate", "ffn_up", "ffn_down")) {
                    expectedNames.add("blk." + l + "." + n + ".weight");
                }
                if (e.subNorms()) {
                    expectedNames.add("blk." + l + ".attn_sub_norm.weight");
                    expectedNames.add("blk." + l + ".ffn_sub_norm.weight");
                }
            }
            assertThat(file.tensors()).extracting(GgufTensor::name).containsExactlyInAnyOrderElementsOf(expectedNames);

            assertTensor(file, "token_embd.weight", e.embedding(), 256, 512);
            assertTensor(file, "output_norm.weight", GgmlType.F32, 256);
            if (e.output()) {
                assertTensor(file, "output.weight", GgmlType.F16, 256, 512);
            }
            for (int l = 0; l < 2; l++) {
                String b = "blk." + l + ".";
                assertTensor(file, b + "attn_norm.weight", GgmlType.F32, 256);
                assertTensor(file, b + "ffn_norm.weight", GgmlType.F32, 256);
                assertTensor(file, b + "attn_q.weight", e.ternary(), 256, 256);
                assertTensor(file, b + "attn_k.weight", e.ternary(), 256, 128);
                assertTensor(file, b + "attn_v.weight", e.ternary(), 256, 128);
                assertTensor(file, b + "attn_output.weight", e.ternary(), 256, 256);
                assertTensor(file, b + "ffn_gate.weight", e.ternary(), 256, 768);
                assertTensor(file, b + "ffn_up.weight", e.ternary(), 256, 768);
                assertTensor(file, b + "ffn_down.weight", e.ternary(), 768, 256);
                if (e.subNorms()) {
                    assertTensor(file, b + "attn_sub_norm.weight", GgmlType.F32, 256);
                    assertTensor(file, b + "ffn_sub_norm.weight", GgmlType.F32, 768);
                }
            }

            long end = 0;
            for (GgufTensor t : file.tensors()) {
                assertThat(t.offset()).isGreaterThanOrEqualTo(file.dataOffset());
                assertThat((t.offset() - file.dataOffset()) % file.alignment()).isZero();
                MemorySegment data = file.data(t);
                assertThat(data.byteSize()).isEqualTo(t.byteSize()).isEqualTo(t.type().byteSize(t.shape()));
                assertThat(data.isReadOnly()).isTrue();
                end = Math.max(end, t.offset() + t.byteSize());
            }
            // The writers pad every tensor, the last one included, so the file ends with the data.
            assertThat(end).isEqualTo(file.fileSize());
        }
    }

    @Test
    void i2sTensorEndsWithItsScaleAndTakesQuarterBytePerWeight() {
        try (GgufFile file = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf"))) {
            GgufTensor q = file.tensor("blk.0.attn_q.weight").orElseThrow();
            assertThat(q.byteSize()).isEqualTo(256 * 256 / 4 + 32);
            float scale = file.data(q).get(ValueLayout.JAVA_FLOAT_UNALIGNED, 256 * 256 / 4);
            assertThat(scale).isFinite().isPositive();
        }
    }

    @Test
    void normsAreTheSameBytesInEveryFileOfOneModel() {
        try (GgufFile f32 = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-f32.gguf"));
             GgufFile i2s = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf"));
             GgufFile tq2 = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-tq2_0.gguf"))) {
            for (String name : List.of("output_norm.weight", "blk.1.ffn_sub_norm.weight", "blk.0.attn_norm.weight")) {
                MemorySegment a = f32.data(f32.tensor(name).orElseThrow());
                assertThat(a.mismatch(i2s.data(i2s.tensor(name).orElseThrow()))).isEqualTo(-1);
                assertThat(a.mismatch(tq2.data(tq2.tensor(name).orElseThrow()))).isEqualTo(-1);
            }
        }
    }

    @Test
    void dataRejectsForeignTensorsAndClosedFiles() {
        GgufFile file = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf"));
        GgufTensor own = file.tensor("blk.0.attn_q.weight").orElseThrow();
        MemorySegment view = file.data(own);
        GgufTensor foreign = new GgufTensor(own.name(), own.shape(), own.type(), own.offset() + 32, own.byteSize());
        assertThatThrownBy(() -> file.data(foreign)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("blk.0.attn_q.weight");
        assertThat(file.tensor("no.such.tensor")).isEmpty();
        file.close();
        file.close();
        assertThatThrownBy(() -> file.data(own)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> view.get(ValueLayout.JAVA_BYTE, 0)).isInstanceOf(IllegalStateException.class);
    }

    private static void assertTensor(GgufFile file, String name, GgmlType type, long... shape) {
        GgufTensor t = file.tensor(name).orElseThrow(() -> new AssertionError("missing " + name));
        assertThat(t.type()).as(name).isEqualTo(type);
        assertThat(t.shape()).as(name).containsExactly(shape);
        assertThat(t.elementCount()).isEqualTo(java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y));
    }
}
