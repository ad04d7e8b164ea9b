package dev.bitnet.hub;

import dev.bitnet.BitNetModel;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import dev.bitnet.LoadOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Models fetched from the fake hub load and generate exactly as the same files loaded from disk. */
class HubModelLoadTest {
    static final int[] PROMPT = {508, 72, 101, 108, 108, 111};
    static final String COMMIT = "fedcba9876543210fedcba9876543210fedcba98";
    static final Path FIXTURES = HubClientTest.FIXTURES;

    @TempDir
    Path tmp;
    FakeHub fake;
    HubEnvironment env;

    @BeforeEach
    void setUp() throws IOException {
        fake = new FakeHub();
        fake.repo("org/tiny-gguf", COMMIT).file("tiny-a-i2_s.gguf", Files.readAllBytes(FIXTURES.resolve("tiny-a/gguf/tiny-a-i2_s.gguf")), true);
        fake.repo("org/tiny-hf", COMMIT)
                .file("config.json", Files.readAllBytes(FIXTURES.resolve("tiny-a/hf/config.json")), false)
                .file("model.safetensors", Files.readAllBytes(FIXTURES.resolve("tiny-a/hf/model.safetensors")), true);
        env = HubEnvironment.of(Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString(), "HF_ENDPOINT", fake.endpoint()), tmp);
    }

    @AfterEach
    void tearDown() {
        fake.close();
    }

    static int[] greedy(Path model) {
        try (BitNetModel m = BitNetModel.load(model, LoadOptions.builder().threads(1).build())) {
            return m.generate(PROMPT, GenerationOptions.greedy().toBuilder().maxTokens(8).build(), GenerationListener.NONE).tokenIds();
        }
    }

    @Test
    void ggufFromTheHubGeneratesLikeTheFixture() throws IOException {
        Path local = ModelLocator.resolve("hf://org/tiny-gguf/tiny-a-i2_s.gguf", env, DownloadListener.NONE);
        int[] expected = greedy(FIXTURES.resolve("tiny-a/gguf/tiny-a-i2_s.gguf"));
        assertThat(expected).hasSize(8);
        assertThat(greedy(local)).containsExactly(expected);
    }

    @Test
    void checkpointFromTheHubGeneratesLikeTheFixture() throws IOException {
        Path dir = ModelLocator.resolve("hf://org/tiny-hf", env, DownloadListener.NONE);
        assertThat(Files.isDirectory(dir)).isTrue();
        assertThat(greedy(dir)).containsExactly(greedy(FIXTURES.resolve("tiny-a/hf")));
    }

    @Test
    void localDirLayoutWithOneGgufLoadsThatFile() throws IOException {
        // what `huggingface-cli download ORG/REPO --local-dir DIR` leaves behind
        Path dir = tmp.resolve("local-dir");
        Files.createDirectories(dir.resolve(".cache/huggingface/download"));
        Files.copy(FIXTURES.resolve("tiny-a/gguf/tiny-a-i2_s.gguf"), dir.resolve("tiny-a-i2_s.gguf"));
        Files.writeString(dir.resolve(".cache/huggingface/download/tiny-a-i2_s.gguf.metadata"), COMMIT + "\nabc\n1700000000.0\n");
        assertThat(ModelLocator.resolve(dir.toString())).isEqualTo(dir.resolve("tiny-a-i2_s.gguf"));
        try (BitNetModel m = BitNetModel.load(dir.toString(), LoadOptions.builder().threads(1).build())) {
            assertThat(m.path()).isEqualTo(dir.resolve("tiny-a-i2_s.gguf"));
        }
    }

    @Test
    void twoProcessesLoadFromTheHubWithTheirRealEnvironment() throws Exception {
        int[] expected = greedy(FIXTURES.resolve("tiny-a/gguf/tiny-a-i2_s.gguf"));
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                    .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), HubLoadMain.class.getName(),
                    "hf://org/tiny-gguf/tiny-a-i2_s.gguf"));
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().keySet().removeIf(k -> k.startsWith("HF_") || k.startsWith("HUGGINGFACE"));
            pb.environment().put("HF_ENDPOINT", fake.endpoint());
            pb.environment().put("HF_HUB_CACHE", tmp.resolve("hub").toString());
            processes.add(pb.start());
        }
        List<String> outputs = new ArrayList<>();
        for (Process p : processes) {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(out).isZero();
            outputs.add(out);
        }
        Path snapshot = tmp.resolve("hub/models--org--tiny-gguf/snapshots/" + COMMIT + "/tiny-a-i2_s.gguf");
        for (String out : outputs) {
            assertThat(out).contains("path=" + snapshot).contains("ids=" + Arrays.toString(expected));
        }
        try (Stream<Path> blobs = Files.list(tmp.resolve("hub/models--org--tiny-gguf/blobs"))) {
            assertThat(blobs.map(p -> p.getFileName().toString()).toList())
                    .containsExactly(FakeHub.sha256(Files.readAllBytes(FIXTURES.resolve("tiny-a/gguf/tiny-a-i2_s.gguf"))));
        }
        assertThat(fake.requests("cdn", "GET")).hasSize(1);
    }
}
