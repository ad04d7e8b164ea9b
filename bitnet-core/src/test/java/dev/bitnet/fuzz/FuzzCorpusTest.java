package dev.bitnet.fuzz;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The saved corpus, in regression mode: every case in {@code src/test/resources/fuzz-corpus/<target>/}
 * (the issue 11 campaign's findings and the failures found since) runs through its target's contract
 * on every build, whatever the time budget of the generated runs.
 */
class FuzzCorpusTest {
    private static Path corpus(String target) throws URISyntaxException {
        return Path.of(FuzzCorpusTest.class.getResource("/fuzz-corpus/" + target).toURI());
    }

    private static List<Path> files(String target) throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(corpus(target))) {
            List<Path> list = new ArrayList<>(s.sorted().toList());
            assertThat(list).as("corpus of " + target).isNotEmpty();
            return list;
        }
    }

    @TestFactory
    Stream<DynamicTest> gguf() throws Exception {
        return files(GgufFuzzTest.TARGET).stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(),
                () -> GgufFuzzTest.run(Files.readString(p))));
    }

    @TestFactory
    Stream<DynamicTest> safetensors() throws Exception {
        return files(SafetensorsFuzzTest.TARGET).stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(),
                () -> SafetensorsFuzzTest.run(Files.readString(p))));
    }

    @TestFactory
    Stream<DynamicTest> tokenizerJson() throws Exception {
        return files(TokenizerJsonFuzzTest.TARGET).stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(),
                () -> TokenizerJsonFuzzTest.run(Files.readAllBytes(p), p.getFileName().toString())));
    }

    @TestFactory
    Stream<DynamicTest> jsonSchema() throws Exception {
        return files(JsonSchemaFuzzTest.TARGET).stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(),
                () -> JsonSchemaFuzzTest.run(Files.readString(p))));
    }
}
