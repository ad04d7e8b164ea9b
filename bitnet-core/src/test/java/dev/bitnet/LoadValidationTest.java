package dev.bitnet;

import dev.bitnet.gguf.GgufFile;
import dev.bitnet.gguf.GgufTensor;
import dev.bitnet.gguf.GgufWriter;
import dev.bitnet.safetensors.SafetensorsCheckpoint;
import dev.bitnet.safetensors.SafetensorsTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Regressions from the outside fuzz campaign (issue 11): bad numbers and inconsistent structure are
 * caught at load with a {@link ModelFormatException} naming the tensor or key, and what cannot be
 * checked at load surfaces at generation as a {@link NonFiniteLogitsException} naming the position.
 */
class LoadValidationTest {
    private static final LoadOptions SCALAR = LoadOptions.builder().kernel("scalar").threads(1).build();
    private static final GenerationOptions GREEDY = GenerationOptions.builder().maxTokens(4).temperature(0).build();

    @TempDir
    Path tmp;
    private int patches;

    // ---- GGUF ----

    /** Rewrites a fixture GGUF with the same tensors and edited metadata. */
    private Path rewrite(String fixture, Consumer<GgufWriter> edit) {
        Path out = tmp.resolve(fixture);
        try (GgufFile src = GgufFile.open(Fixtures.gguf("tiny-a", fixture))) {
            GgufWriter w = new GgufWriter().putAll(src.metadata());
            for (GgufTensor t : src.tensors()) {
                w.addTensor(t.name(), t.type(), t.shape(), src.data(t));
            }
            edit.accept(w);
            w.write(out);
        }
        return out;
    }

    /** A copy of a fixture GGUF with {@code bytes} written at {@code at} bytes into tensor {@code name}. */
    private Path patchTensor(String fixture, String name, long at, byte[] bytes) throws IOException {
        Path out = tmp.resolve("patched-" + (patches++) + "-" + fixture);
        Files.copy(Fixtures.gguf("tiny-a", fixture), out);
        long offset;
        try (GgufFile f = GgufFile.open(out)) {
            offset = f.tensor(name).orElseThrow().offset();
        }
        patch(out, offset + at, bytes);
        return out;
    }

    private static void patch(Path file, long offset, byte[] bytes) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            raf.write(bytes);
        }
    }

    private static byte[] f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    private static int[] prompt() {
        return new int[]{1, 2, 3};
    }

    @Test
    void hugeValueInANormWeightFailsAtLoadNamingTheTensor() throws IOException {
        Path p = patchTensor("tiny-a-i2_s.gguf", "output_norm.weight", 8, f32(-1.7e38f));
        assertThatThrownBy(() -> BitNetModel.load(p, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("output_norm.weight").hasMessageContaining("index 2");
    }

    @Test
    void nanInASubNormFailsAtLoadNamingTheTensor() throws IOException {
        Path p = patchTensor("tiny-a-i2_s.gguf", "blk.1.ffn_sub_norm.weight", 0, f32(Float.NaN));
        assertThatThrownBy(() -> BitNetModel.load(p, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("blk.1.ffn_sub_norm.weight").hasMessageContaining("non-finite");
    }

    @Test
    void nanI2sScaleFailsAtLoadNamingTheTensor() throws IOException {
        Path p;
        try (GgufFile f = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf"))) {
            GgufTensor t = f.tensor("blk.0.attn_q.weight").orElseThrow();
            long codes = t.shape()[0] * t.shape()[1] / 4;
            p = patchTensor("tiny-a-i2_s.gguf", t.name(), codes, f32(Float.NaN));
        }
        assertThatThrownBy(() -> BitNetModel.load(p, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("blk.0.attn_q.weight").hasMessageContaining("scale");
    }

    @Test
    void hugeFloatTernaryWeightFailsAtLoad() throws IOException {
        Path p = patchTensor("tiny-a-f32.gguf", "blk.0.ffn_down.weight", 40, f32(-1.7e38f));
        assertThatThrownBy(() -> BitNetModel.load(p, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("blk.0.ffn_down.weight");
        Path nan = patchTensor("tiny-a-f32.gguf", "blk.0.ffn_up.weight", 40, f32(Float.NaN));
        assertThatThrownBy(() -> BitNetModel.load(nan, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("blk.0.ffn_up.weight").hasMessageContaining("non-finite");
    }

    @Test
    void tinyRopeBaseFailsAtLoadNamingTheKey() {
        Path p = rewrite("tiny-a-i2_s.gguf", w -> w.putFloat32("bitnet-b1.58.rope.freq_base", 1e-45f));
        assertThatThrownBy(() -> BitNetModel.load(p, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("rope.freq_base");
    }

    @Test
    void rmsEpsilonOutOfRangeFailsAtLoadAndAMissingOneTakesTheDefault() {
        Path zero = rewrite("tiny-a-i2_s.gguf", w -> w.putFloat32("bitnet-b1.58.attention.layer_norm_rms_epsilon", 0f));
        assertThatThrownBy(() -> BitNetModel.load(zero, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("layer_norm_rms_epsilon");
        Path dropped = rewrite("tiny-a-i2_s.gguf", w -> w.remove("bitnet-b1.58.attention.layer_norm_rms_epsilon"));
        try (BitNetModel m = BitNetModel.load(dropped, SCALAR)) {
            assertThat(m.config().rmsEps()).isEqualTo(1e-5f);
            assertThat(m.generate(prompt(), GREEDY, GenerationListener.NONE).tokenIds()).isNotEmpty();
        }
    }

    @Test
    void blockCountBelowTheLayersPresentNamesTheUnusedTensors() {
        Path p = rewrite("tiny-a-i2_s.gguf", w -> w.putUInt32("bitnet-b1.58.block_count", 1));
        assertThatThrownBy(() -> BitNetModel.load(p, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("block_count is 1").hasMessageContaining("blk.1.");
    }

    @Test
    void nanEmbeddingRowOfThePromptFailsGenerationNamingPositionAndTensor() throws IOException {
        int hidden;
        try (GgufFile f = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-f32.gguf"))) {
            GgufTensor t = f.tensor("token_embd.weight").orElseThrow();
            assertThat(t.type().name()).isEqualTo("F32");
            hidden = (int) t.shape()[0];
        }
        float[] nans = new float[4];
        Arrays.fill(nans, Float.NaN);
        Path p = patchTensor("tiny-a-f32.gguf", "token_embd.weight", 3L * hidden * 4, f32(nans));
        try (BitNetModel m = BitNetModel.load(p, SCALAR)) {
            assertThatThrownBy(() -> m.generate(prompt(), GREEDY, GenerationListener.NONE))
                    .isInstanceOf(NonFiniteLogitsException.class)
                    .hasMessageContaining("position 2").hasMessageContaining("token_embd.weight")
                    .satisfies(e -> assertThat(((NonFiniteLogitsException) e).position()).isEqualTo(2));
            // a prompt that avoids token 3 reaches the head: the bad row is then an LM head row
            assertThatThrownBy(() -> m.generate(new int[]{1, 2}, GREEDY, GenerationListener.NONE))
                    .isInstanceOf(NonFiniteLogitsException.class)
                    .hasMessageContaining("row 3 of the LM head");
        }
    }

    // ---- Hugging Face ----

    private Path hfCopy() throws IOException {
        Path dir = tmp.resolve("hf");
        Files.createDirectories(dir);
        try (var files = Files.list(Fixtures.root().resolve("tiny-a/hf"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        return dir;
    }

    private static void editConfig(Path dir, String from, String to) throws IOException {
        Path c = dir.resolve("config.json");
        String json = Files.readString(c);
        assertThat(json).contains(from);
        Files.writeString(c, json.replace(from, to));
    }

    @Test
    void ffFilledNormWeightsInSafetensorsFailAtLoad() throws IOException {
        Path dir = hfCopy();
        SafetensorsTensor t;
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            t = c.tensor("model.layers.0.post_attention_layernorm.weight").orElseThrow();
        }
        byte[] ff = new byte[(int) t.byteSize()];
        Arrays.fill(ff, (byte) 0xFF);
        patch(dir.resolve("model.safetensors"), t.offset(), ff);
        assertThatThrownBy(() -> BitNetModel.load(dir, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("model.layers.0.post_attention_layernorm.weight").hasMessageContaining("non-finite");
    }

    @Test
    void numHiddenLayersBelowTheLayersPresentNamesTheUnusedTensors() throws IOException {
        Path dir = hfCopy();
        editConfig(dir, "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1");
        assertThatThrownBy(() -> BitNetModel.load(dir, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("num_hidden_layers is 1").hasMessageContaining("model.layers.1.");
    }

    @Test
    void useRmsNormMustBeABoolean() throws IOException {
        Path dir = hfCopy();
        String json = Files.readString(dir.resolve("config.json"));
        Files.writeString(dir.resolve("config.json"), json.replace("\"quant_method\"", "\"use_rms_norm\": \"true\", \"quant_method\""));
        assertThatThrownBy(() -> BitNetModel.load(dir, SCALAR)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("quantization_config.use_rms_norm must be true or false");
        Files.writeString(dir.resolve("config.json"), json.replace("\"quant_method\"", "\"use_rms_norm\": true, \"quant_method\""));
        assertThatThrownBy(() -> BitNetModel.load(dir, SCALAR)).isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("use_rms_norm");
        Files.writeString(dir.resolve("config.json"), json.replace("\"quant_method\"", "\"use_rms_norm\": false, \"quant_method\""));
        BitNetModel.load(dir, SCALAR).close();
    }

    @Test
    void loadsThroughConfigJson() throws IOException {
        Path dir = hfCopy();
        try (BitNetModel viaConfig = BitNetModel.load(dir.resolve("config.json"), SCALAR);
             BitNetModel viaDir = BitNetModel.load(dir, SCALAR)) {
            assertThat(viaConfig.config()).isEqualTo(viaDir.config());
            assertThat(viaConfig.generate(prompt(), GREEDY, GenerationListener.NONE).tokenIds())
                    .containsExactly(viaDir.generate(prompt(), GREEDY, GenerationListener.NONE).tokenIds());
        }
    }
}
