package dev.bitnet.model;

import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import dev.bitnet.kernels.Kernels;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.safetensors.SafetensorsWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HfModelLoaderTest {
    private static final Path FIXTURES = Path.of(System.getProperty("bitnet.fixtures", "../shared/fixtures"));
    private static final int POSITIONS = 48;
    /** Reference top-2 gaps below this may legitimately flip the argmax (fixtures README). */
    private static final float DECISIVE_GAP = 0.25f;

    @TempDir
    Path tmp;

    private TernaryKernel kernel;
    private Arena arena;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @BeforeEach
    void setUp() {
        kernel = Kernels.create(Optional.of("scalar"), 1);
        arena = Arena.ofConfined();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable r : resources) {
            r.close();
        }
        arena.close();
        kernel.close();
    }

    @Test
    void readsThePackedBitNetConfig() throws IOException {
        ModelConfig c = HfModelLoader.readConfig(hf("tiny-a"));
        assertThat(c).isEqualTo(new ModelConfig(Architecture.BITNET_B158, Architecture.Activation.RELU_SQUARED, "hf",
                512, 256, 256, 768, 2, 4, 2, 64, 64, 500000f, 1e-5f, true));
        assertThat(HfModelLoader.readConfig(hf("tiny-a").resolve("model.safetensors"))).isEqualTo(c);
    }

    @Test
    void readsTheOtherFixtureConfigs() throws IOException {
        ModelConfig silu = HfModelLoader.readConfig(hf("tiny-a-silu"));
        assertThat(silu.architecture()).isEqualTo(Architecture.BITNET_B158);
        assertThat(silu.activation()).isEqualTo(Architecture.Activation.SILU);

        ModelConfig bf16 = HfModelLoader.readConfig(hf("tiny-c-bf16"));
        assertThat(bf16.kvHeads()).isEqualTo(4);
        assertThat(HfConfig.read(hf("tiny-c-bf16")).encoding()).isEqualTo(HfConfig.WeightEncoding.MASTER_WEIGHTS);

        ModelConfig llama = HfModelLoader.readConfig(hf("tiny-e-llama"));
        assertThat(llama).isEqualTo(new ModelConfig(Architecture.LLAMA, Architecture.Activation.SILU, "hf",
                512, 256, 256, 768, 2, 4, 2, 64, 64, 1000042f, 1e-6f, false));
        assertThat(HfConfig.read(hf("tiny-e-llama")).encoding()).isEqualTo(HfConfig.WeightEncoding.PACKED_DIVIDED_BY_SCALE);
        assertThat(HfConfig.read(hf("tiny-a")).encoding()).isEqualTo(HfConfig.WeightEncoding.PACKED_TIMES_SCALE);
    }

    @Test
    void readsA1bitLlmConfigAsTheBitnetArchitectureWithMasterWeights() throws IOException {
        Files.writeString(tmp.resolve("config.json"), """
                {"architectures": ["BitnetForCausalLM"], "model_type": "llama", "hidden_act": "silu",
                 "hidden_size": 1536, "intermediate_size": 4096, "num_hidden_layers": 24, "num_attention_heads": 16,
                 "vocab_size": 32002, "max_position_embeddings": 2048, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
                 "rope_scaling": null, "tie_word_embeddings": false}
                """);
        ModelConfig c = HfModelLoader.readConfig(tmp);
        assertThat(c.architecture()).isEqualTo(Architecture.BITNET);
        assertThat(c.kvHeads()).isEqualTo(16);
        assertThat(c.headDim()).isEqualTo(96);
        assertThat(HfConfig.read(tmp).encoding()).isEqualTo(HfConfig.WeightEncoding.MASTER_WEIGHTS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-a", "tiny-a-silu", "tiny-c-bf16", "tiny-e-llama"})
    void matchesTransformersLogits(String model) throws IOException {
        Path dir = hf(model);
        ModelConfig config = HfModelLoader.readConfig(dir);
        Transformer transformer = new Transformer(config, HfModelLoader.loadWeights(dir, config, kernel, arena, resources), kernel);
        String reference = Files.readString(FIXTURES.resolve(model).resolve("transformers/reference.json"));
        int[] prompt = ints(reference, "prompt");
        int[] generated = ints(reference, "generated_greedy");
        int[] ids = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, ids, 0, prompt.length);
        System.arraycopy(generated, 0, ids, prompt.length, generated.length);
        assertThat(ids).hasSize(POSITIONS);
        int vocab = config.vocabSize();
        float[] expected = floats(FIXTURES.resolve(model).resolve("transformers/logits.f32"), POSITIONS * vocab);

        float[] actual = new float[POSITIONS * vocab];
        try (SequenceState state = new SequenceState(transformer, 64, 64)) {
            state.evaluate(ids, 0, POSITIONS, actual, true);
        }
        double sum = 0;
        float max = 0;
        for (int i = 0; i < actual.length; i++) {
            float d = Math.abs(actual[i] - expected[i]);
            sum += d;
            max = Math.max(max, d);
        }
        double mean = sum / actual.length;
        assertThat(mean).as("%s mean abs diff", model).isLessThanOrEqualTo(0.04);
        assertThat(max).as("%s max abs diff", model).isLessThanOrEqualTo(0.3f);
        for (int pos = 0; pos < POSITIONS; pos++) {
            if (topTwoGap(expected, pos * vocab, vocab) >= DECISIVE_GAP) {
                assertThat(argmax(actual, pos * vocab, vocab)).as("%s argmax at position %d", model, pos)
                        .isEqualTo(argmax(expected, pos * vocab, vocab));
            }
        }

        // greedy decoding from the prompt, one token per call, up to the first position the reference leaves open
        float[] last = new float[vocab];
        try (SequenceState state = new SequenceState(transformer, 64, 64)) {
            state.evaluate(prompt, 0, prompt.length, last, false);
            for (int j = 0; j < generated.length; j++) {
                if (topTwoGap(expected, (prompt.length - 1 + j) * vocab, vocab) < DECISIVE_GAP) {
                    break;
                }
                assertThat(argmax(last, 0, vocab)).as("%s greedy token %d", model, j).isEqualTo(generated[j]);
                state.evaluate(generated, j, 1, last, false);
            }
        }
    }

    @Test
    void unpacksFourPlanesLeastSignificantBitsFirst() {
        int rows = 8;
        int cols = 3;
        // packed row p, bits 2k..2k+1 -> output row k * 2 + p; codes 0, 1, 2 -> -1, 0, +1
        byte[] packed = {
                (byte) 0b10_01_00_10, (byte) 0b00_00_00_00, (byte) 0b01_01_01_01,
                (byte) 0b00_10_01_00, (byte) 0b10_10_10_10, (byte) 0b11_01_01_01};
        MemorySegment dst = arena.allocate(rows * cols);
        long invalid = HfModelLoader.unpack(MemorySegment.ofArray(packed), rows, cols, r -> r, dst);
        assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsExactly(
                1, -1, 0,    // row 0 = plane 0 of packed row 0
                -1, 1, 0,    // row 1 = plane 0 of packed row 1
                -1, -1, 0,   // row 2 = plane 1 of packed row 0
                0, 1, 0,     // row 3 = plane 1 of packed row 1
                0, -1, 0,    // row 4 = plane 2 of packed row 0
                1, 1, 0,     // row 5
                1, -1, 0,    // row 6 = plane 3 of packed row 0
                -1, 1, 0);   // row 7: code 3 reads as 0
        assertThat(invalid).isEqualTo(1);
    }

    @Test
    void unpackingInvertsTheReferencePacking() {
        Random random = new Random(42);
        int rows = 64;
        int cols = 40;
        byte[] ternary = new byte[rows * cols];
        for (int i = 0; i < ternary.length; i++) {
            ternary[i] = (byte) (random.nextInt(3) - 1);
        }
        byte[] packed = new byte[rows / 4 * cols];
        for (int r = 0; r < rows; r++) {
            int plane = r / (rows / 4);
            int p = r % (rows / 4);
            for (int i = 0; i < cols; i++) {
                packed[p * cols + i] |= (byte) ((ternary[r * cols + i] + 1) << (2 * plane));
            }
        }
        MemorySegment dst = arena.allocate(rows * cols);
        assertThat(HfModelLoader.unpack(MemorySegment.ofArray(packed), rows, cols, r -> r, dst)).isZero();
        assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsExactly(ternary);
    }

    @Test
    void interleavesTheRowsOfEachHead() {
        var order = HfModelLoader.interleaveHeads(8);
        int[] moved = new int[16];
        for (int r = 0; r < 16; r++) {
            moved[r] = order.applyAsInt(r);
        }
        // rotate-half pairs (i, i + 4) land on adjacent rows (2i, 2i + 1), head by head
        assertThat(moved).containsExactly(0, 2, 4, 6, 1, 3, 5, 7, 8, 10, 12, 14, 9, 11, 13, 15);
    }

    @Test
    void rejectsShapesThatDisagreeWithTheConfig() throws IOException {
        Path dir = variant("tiny-a", "\"intermediate_size\": 768", "\"intermediate_size\": 512");
        ModelConfig config = HfModelLoader.readConfig(dir);
        assertThatThrownBy(() -> HfModelLoader.loadWeights(dir, config, kernel, arena, resources))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [192, 256], expected [128, 256]")
                .hasMessageContaining(dir.resolve("model.safetensors").toString());
        assertThat(resources).isEmpty();
    }

    @Test
    void rejectsAMissingTensor() throws IOException {
        Path dir = variant("tiny-a", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
        ModelConfig config = HfModelLoader.readConfig(dir);
        assertThatThrownBy(() -> HfModelLoader.loadWeights(dir, config, kernel, arena, resources))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'model.layers.2.input_layernorm.weight' is missing");
    }

    @Test
    void rejectsUntiedWeightsWithoutAnLmHead() throws IOException {
        Path dir = variant("tiny-a", "\"tie_word_embeddings\": true", "\"tie_word_embeddings\": false");
        ModelConfig config = HfModelLoader.readConfig(dir);
        assertThatThrownBy(() -> HfModelLoader.loadWeights(dir, config, kernel, arena, resources))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("tensor 'lm_head.weight' is missing");
    }

    @Test
    void rejectsMasterWeightsWhereThePackedFormatIsDeclared() throws IOException {
        Path dir = variant("tiny-c-bf16", "\"online\"", "\"offline\"");
        ModelConfig config = HfModelLoader.readConfig(dir);
        assertThatThrownBy(() -> HfModelLoader.loadWeights(dir, config, kernel, arena, resources))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("tensor 'model.layers.0.self_attn.q_proj.weight' is BF16, but config.json declares packed ternary weights");
    }

    @Test
    void rejectsANonPositiveWeightScale() throws IOException {
        Path dir = tmp.resolve("zero-scale");
        Files.createDirectories(dir);
        Files.copy(hf("tiny-a").resolve("config.json"), dir.resolve("config.json"));
        byte[] file = Files.readAllBytes(hf("tiny-a").resolve("model.safetensors"));
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        // model.layers.0.self_attn.q_proj.weight_scale sits at data offset 542720 in the fixture's header
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putFloat((int) (8 + headerLength + 542720), 0f);
        Files.write(dir.resolve("model.safetensors"), file);
        ModelConfig config = HfModelLoader.readConfig(dir);
        assertThatThrownBy(() -> HfModelLoader.loadWeights(dir, config, kernel, arena, resources))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'model.layers.0.self_attn.q_proj.weight_scale' holds 0.0, expected a positive scale");
    }

    @Test
    void rejectsBiases() throws IOException {
        Path dir = tmp.resolve("bias");
        Files.createDirectories(dir);
        Files.copy(hf("tiny-a").resolve("config.json"), dir.resolve("config.json"));
        new SafetensorsWriter().add("model.layers.0.self_attn.q_proj.bias", "F32", new long[] {1}, SafetensorsWriter.f32(0))
                .write(dir.resolve("model.safetensors"));
        ModelConfig config = HfModelLoader.readConfig(dir);
        assertThatThrownBy(() -> HfModelLoader.loadWeights(dir, config, kernel, arena, resources))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("'model.layers.0.self_attn.q_proj.bias' is a bias");
    }

    @Test
    void rejectsConfigsItCannotRun() throws IOException {
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"model_type\": \"bitnet\"", "\"model_type\": \"gpt2\"")))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("model_type 'gpt2' is not supported");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"relu2\"", "\"gelu\"")))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("hidden_act 'gelu'");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"rope_type\": \"default\"", "\"rope_type\": \"yarn\"")))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("rope type 'yarn'");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"autobitlinear\"", "\"somethingelse\"")))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("linear_class 'somethingelse'");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"quant_method\": \"bitnet\"", "\"quant_method\": \"gptq\"")))
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("quant_method 'gptq'");
    }

    @Test
    void rejectsMalformedConfigs() throws IOException {
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"hidden_size\": 256,", "")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("config.json: has no hidden_size");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": \"two\"")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("num_hidden_layers must be a 32-bit integer, got two");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("inconsistent hyperparameters");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"vocab_size\": 512", "\"vocab_size\": 99999999999")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("vocab_size must be a 32-bit integer");
        assertThatThrownBy(() -> HfModelLoader.readConfig(variant("tiny-a", "\"vocab_size\": 512,", "\"vocab_size\": ")))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("invalid JSON");
    }

    private static Path hf(String model) {
        return FIXTURES.resolve(model).resolve("hf");
    }

    /** A scratch checkpoint directory with the fixture's weights and an edited config.json. */
    private Path variant(String model, String from, String to) throws IOException {
        String config = Files.readString(hf(model).resolve("config.json"));
        assertThat(config).contains(from);
        Path dir = Files.createTempDirectory(tmp, model);
        Files.writeString(dir.resolve("config.json"), config.replace(from, to));
        Files.copy(hf(model).resolve("model.safetensors"), dir.resolve("model.safetensors"));
        return dir;
    }

    private static int[] ints(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)]").matcher(json);
        assertThat(m.find()).as("reference.json has %s", key).isTrue();
        return Arrays.stream(m.group(1).split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static float[] floats(Path file, int count) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertThat(bytes).hasSize(4 * count);
        float[] out = new float[count];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
        return out;
    }

    private static int argmax(float[] v, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[off + i] > v[off + best]) {
                best = i;
            }
        }
        return best;
    }

    private static float topTwoGap(float[] v, int off, int n) {
        float first = Float.NEGATIVE_INFINITY;
        float second = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            float x = v[off + i];
            if (x > first) {
                second = first;
                first = x;
            } else if (x > second) {
                second = x;
            }
        }
        return first - second;
    }
}
