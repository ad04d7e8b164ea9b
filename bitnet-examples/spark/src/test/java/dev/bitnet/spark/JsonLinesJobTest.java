package dev.bitnet.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationOptions;
import dev.bitnet.LoadOptions;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JSON Lines job behind the bitnet-spark launcher, end to end on the shared local[2] session. */
class JsonLinesJobTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void writesOneJsonLinePerInputLineInInputOrder(@TempDir Path dir) throws IOException {
        Path model = DemoModel.extract().orElseThrow();
        Path input = dir.resolve("prompts.jsonl");
        String[] prompts = {"The old man said", "It was a dark", "", "In the morning", "She looked at", "The city of", "We have to"};
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
            lines.add(JSON.writeValueAsString(JSON.createObjectNode().put("id", "p" + i).put("prompt", prompts[i])));
        }
        Files.write(input, lines);
        Path output = dir.resolve("out");

        JsonLinesJob.Summary summary = JsonLinesJob.run(TestSpark.session(), JsonLinesJob.Arguments.parse(new String[] {
            "--model", model.toString(), "--input", input.toString(), "--output", output.toString(),
            "--max-tokens", "10", "--temperature", "0.7", "--seed", "7", "--partitions", "3", "--group-size", "2"}));

        List<JsonNode> out = readParts(output);
        assertThat(out).extracting(n -> n.get("id").asText()).containsExactly("p0", "p1", "p2", "p3", "p4", "p5", "p6");
        GenerationOptions options = GenerationOptions.builder().maxTokens(10).temperature(0.7).build();
        long generated = 0;
        try (BitNetModel plain = BitNetModel.load(model, LoadOptions.builder().threads(1).build())) {
            for (int i = 0; i < prompts.length; i++) {
                JsonNode n = out.get(i);
                if (prompts[i].isEmpty()) {
                    assertThat(n.get("error").asText()).isEqualTo("the prompt is empty");
                    assertThat(n.has("text")).isFalse();
                    assertThat(n.has("usage")).isFalse();
                    continue;
                }
                Generation g = plain.generate(prompts[i], options.toBuilder().seed(RowSeeds.seedFor(7, "p" + i)).build());
                assertThat(n.has("error")).isFalse();
                assertThat(n.get("text").asText()).isEqualTo(g.text());
                assertThat(n.get("finish_reason").asText()).isEqualTo(g.finishReason().jsonName());
                assertThat(n.get("usage").get("prompt_tokens").asInt()).isEqualTo(g.usage().promptTokens());
                assertThat(n.get("usage").get("completion_tokens").asInt()).isEqualTo(g.usage().generatedTokens());
                assertThat(n.get("usage").get("total_tokens").asInt()).isEqualTo(g.usage().totalTokens());
                generated += g.usage().generatedTokens();
            }
        }
        assertThat(summary.rows()).isEqualTo(prompts.length);
        assertThat(summary.errors()).isEqualTo(1);
        assertThat(summary.completionTokens()).isEqualTo(generated);
        assertThat(summary.partitions()).isEqualTo(3);
    }

    private static List<JsonNode> readParts(Path output) throws IOException {
        assertThat(output.resolve("_SUCCESS")).exists();
        List<JsonNode> nodes = new ArrayList<>();
        try (Stream<Path> files = Files.list(output)) {
            for (Path part : files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(part)) {
                    nodes.add(JSON.readTree(line));
                }
            }
        }
        return nodes;
    }

    @Test
    void aBadCommandLineIsAUsageErrorBeforeSparkStarts() {
        assertThatThrownBy(() -> JsonLinesJob.Arguments.parse(new String[] {"--model", "m", "--input", "i"}))
                .hasMessage("missing --output");
        assertThatThrownBy(() -> JsonLinesJob.Arguments.parse(new String[] {"--model", "m", "--max-tokens", "many"}))
                .hasMessage("--max-tokens needs a number, got 'many'");
        assertThatThrownBy(() -> JsonLinesJob.Arguments.parse(new String[] {"--temperature", "-1"}))
                .hasMessageStartingWith("--temperature: ");
        assertThatThrownBy(() -> JsonLinesJob.Arguments.parse(new String[] {"--model"}))
                .hasMessage("--model needs a value");
        assertThatThrownBy(() -> JsonLinesJob.Arguments.parse(new String[] {"--colour", "red"}))
                .hasMessage("unknown option --colour");

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = JsonLinesJob.run(new String[] {"--input", "x"}, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing --model, --output").contains("usage: bitnet-spark");
    }
}
