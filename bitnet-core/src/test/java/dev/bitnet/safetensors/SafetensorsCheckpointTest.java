package dev.bitnet.safetensors;

import dev.bitnet.ModelFormatException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SafetensorsCheckpointTest {
    private static final Path FIXTURES = Path.of(System.getProperty("bitnet.fixtures", "../shared/fixtures"));

    @TempDir
    Path dir;

    @Test
    void opensTheSingleFileOfADirectory() throws IOException {
        Path hf = FIXTURES.resolve("tiny-e-llama/hf");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(hf)) {
            assertThat(c.files()).containsExactly(hf.resolve(SafetensorsCheckpoint.SINGLE_FILE));
            assertThat(c.tensors()).hasSize(35);
            SafetensorsTensor head = c.tensor("lm_head.weight").orElseThrow();
            assertThat(head.shape()).containsExactly(512L, 256L);
            assertThat(c.data(head).byteSize()).isEqualTo(512L * 256 * 4);
        }
    }

    @Test
    void readsShardsThroughTheIndex() throws IOException {
        new SafetensorsWriter().add("a", "F32", new long[] {2}, SafetensorsWriter.f32(1, 2))
                .add("unlisted", "U8", new long[] {1}, new byte[1]).write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().add("b", "F32", new long[] {1}, SafetensorsWriter.f32(3)).write(dir.resolve("model-00002-of-00002.safetensors"));
        index("{\"metadata\":{\"total_size\":12},\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
                + "\"b\":\"model-00002-of-00002.safetensors\"}}");
        try (SafetensorsCheckpoint c = SafetensorsCheckpoint.open(dir)) {
            assertThat(c.files()).hasSize(2);
            assertThat(c.tensors()).extracting(SafetensorsTensor::name).containsExactly("a", "b");
            assertThat(c.data(c.tensor("a").orElseThrow()).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(1, 2);
            assertThat(c.data(c.tensor("b").orElseThrow()).toArray(ValueLayout.JAVA_FLOAT_UNALIGNED)).containsExactly(3);
            assertThat(c.tensor("unlisted")).isEmpty();
        }
    }

    @Test
    void rejectsAnIndexEntryItsShardLacks() throws IOException {
        Path shard = new SafetensorsWriter().add("a", "U8", new long[] {1}, new byte[1]).write(dir.resolve("s.safetensors"));
        index("{\"weight_map\":{\"a\":\"s.safetensors\",\"ghost\":\"s.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(shard.toString()).hasMessageContaining("tensor 'ghost' is listed");
    }

    @Test
    void rejectsShardNamesOutsideTheDirectory() throws IOException {
        index("{\"weight_map\":{\"a\":\"../elsewhere.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("names '../elsewhere.safetensors', which is not a file name in the index's directory");
    }

    @Test
    void rejectsAnIndexWithoutWeightMap() throws IOException {
        index("{\"metadata\":{}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no weight_map entries");
        index("{\"weight_map\":{\"a\":1}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("weight_map entry of 'a' is not a string");
        index("{\"weight_map\":");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("invalid JSON in the shard index");
    }

    @Test
    void reportsAMissingShard() throws IOException {
        index("{\"weight_map\":{\"a\":\"gone.safetensors\"}}");
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void reportsADirectoryWithoutWeights() {
        assertThatThrownBy(() -> SafetensorsCheckpoint.open(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("neither model.safetensors nor model.safetensors.index.json");
    }

    private void index(String json) throws IOException {
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX_FILE), json);
    }
}
