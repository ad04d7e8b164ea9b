package dev.bitnet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Loading binds the kernel and builds the tokenizer on helper threads; a failed load must leave none behind. */
class ModelLoadTest {
    private static final Path TINY = Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf");

    @TempDir
    Path dir;

    @Test
    void aLoadedModelHasItsKernelAndTokenizerAndNoLoadThreadsRemain() {
        Set<Thread> before = bitnetThreads();
        try (BitNetModel model = BitNetModel.load(TINY, LoadOptions.builder().threads(2).build())) {
            assertThat(model.kernelName()).isNotEmpty();
            assertThat(model.hasTokenizer()).isTrue();
            assertThat(model.tokenizer().encode("hello world")).isNotEmpty();
            Set<Thread> running = bitnetThreads();
            running.removeAll(before);
            assertThat(running).allSatisfy(t -> assertThat(t.getName()).startsWith("bitnet-worker-"));
        }
        assertThat(newThreads(before)).isEmpty();
    }

    @Test
    void aTruncatedFileFailsWithItsNameAndLeavesNoThreadsBehind() throws IOException {
        Path cut = dir.resolve("cut.gguf");
        byte[] bytes = Files.readAllBytes(TINY);
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        Set<Thread> before = bitnetThreads();

        assertThatThrownBy(() -> BitNetModel.load(cut, LoadOptions.builder().threads(2).build()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("cut.gguf");
        assertThat(newThreads(before)).isEmpty();
    }

    @Test
    void anUnknownKernelFailsWithItsNameAndLeavesNoThreadsBehind() {
        Set<Thread> before = bitnetThreads();

        assertThatThrownBy(() -> BitNetModel.load(TINY, LoadOptions.builder().kernel("quantum").build()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown kernel 'quantum'");
        assertThat(newThreads(before)).isEmpty();
    }

    @Test
    void aCorruptFileIsReportedBeforeABadKernelName() throws IOException {
        Path cut = dir.resolve("cut.gguf");
        Files.write(cut, Arrays.copyOf(Files.readAllBytes(TINY), 100));

        assertThatThrownBy(() -> BitNetModel.load(cut, LoadOptions.builder().kernel("quantum").build()))
                .isInstanceOf(ModelFormatException.class);
    }

    private static Set<Thread> bitnetThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("bitnet-"))
                .collect(Collectors.toSet());
    }

    /** Live bitnet threads that were not in {@code before}; a closing pool's workers get a moment to end. */
    private static Set<Thread> newThreads(Set<Thread> before) {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (true) {
            Set<Thread> now = bitnetThreads();
            now.removeAll(before);
            if (now.isEmpty() || System.nanoTime() > deadline) {
                return now;
            }
            Thread.onSpinWait();
        }
    }
}
