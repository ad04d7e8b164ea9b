package dev.bitnet.cli;

import dev.bitnet.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenizeCommandTest {
    private static final Path FIXTURES = Path.of(System.getProperty("bitnet.fixtures", "../shared/fixtures"));
    private static final Path TOKENIZER = FIXTURES.resolve("tokenizer/llama3/tokenizer.json");
    private static final Path CORPUS = FIXTURES.resolve("tokenizer/llama3-corpus.jsonl");

    private static String run(TokenizeCommand command, String input, String... flags) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int code = command.run(new Args(flags, command.switches()),
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), out, out);
        assertThat(code).isZero();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** The corpus rows carry both "text" and "ids": encoding them must print exactly their "ids". */
    @Test
    void encodesCorpusLinesToTheReferenceIds() throws IOException {
        List<String> rows = Files.readAllLines(CORPUS, StandardCharsets.UTF_8).subList(0, 200);
        String output = run(new TokenizeCommand(), String.join("\n", rows) + "\n", "--tokenizer", TOKENIZER.toString());
        List<String> lines = output.lines().toList();
        assertThat(lines).hasSize(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            String row = rows.get(i);
            int start = row.lastIndexOf("\"ids\":[");
            String expectedIds = row.substring(start, row.indexOf(']', start) + 1);
            assertThat(lines.get(i)).isEqualTo("{" + expectedIds + "}");
        }
    }

    @Test
    void decodeGivesTheTextBack() throws IOException {
        String output = run(new TokenizeCommand(),
                "{\"ids\":[9906,1917]}\n\n{\"ids\":[76460,222,128009]}\n{\"ids\":[]}\n",
                "--tokenizer", TOKENIZER.toString(), "--decode");
        assertThat(output).isEqualTo("{\"text\":\"Hello world\"}\n{\"text\":\"\\uD83D\\uDE00<|eot_id|>\"}\n{\"text\":\"\"}\n");
    }

    @Test
    void bosAndPlainSpecialTokenOptions() throws IOException {
        String input = "{\"text\":\"Hi<|eot_id|>\"}\n";
        TokenizeCommand command = new TokenizeCommand();
        String tokenizer = TOKENIZER.toString();
        assertThat(run(command, input, "--tokenizer", tokenizer)).isEqualTo("{\"ids\":[13347,128009]}\n");
        assertThat(run(command, input, "--tokenizer", tokenizer, "--bos")).isEqualTo("{\"ids\":[128000,13347,128009]}\n");
        assertThat(run(command, input, "--tokenizer", tokenizer, "--no-special"))
                .isEqualTo("{\"ids\":[13347,27,91,68,354,851,91,29]}\n");
        // llama.cpp's default split keeps the apostrophe apart: "don", "'", "t".
        assertThat(run(command, "{\"text\":\"don't\"}", "--tokenizer", tokenizer, "--pre", "llama-cpp-default"))
                .isEqualTo("{\"ids\":[15357,6,83]}\n");
    }

    @Test
    void modelFilesAreReadThroughTheGivenLoader() throws IOException {
        Function<Path, Tokenizer> loader = path -> {
            assertThat(path).isEqualTo(Path.of("model.gguf"));
            try {
                return Tokenizer.fromTokenizerJson(TOKENIZER);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        assertThat(run(new TokenizeCommand(loader), "{\"text\":\"Hello world\"}", "--model", "model.gguf"))
                .isEqualTo("{\"ids\":[9906,1917]}\n");
        assertThatThrownBy(() -> run(new TokenizeCommand(), "", "--model", "model.gguf"))
                .isInstanceOf(UsageException.class).hasMessageContaining("--model");
    }

    @Test
    void badCommandLinesAreUsageErrors() {
        String tokenizer = TOKENIZER.toString();
        assertThatThrownBy(() -> run(new TokenizeCommand(), "")).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> run(new TokenizeCommand(), "", "--tokenizer", tokenizer, "--model", "m.gguf"))
                .isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> run(new TokenizeCommand(), "", "--tokenizer", tokenizer, "--pre", "gpt2"))
                .isInstanceOf(UsageException.class).hasMessageContaining("gpt2");
        assertThatThrownBy(() -> run(new TokenizeCommand(), "", "--tokenizer", tokenizer, "--decode", "--bos"))
                .isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> run(new TokenizeCommand(), "", "--tokenizer", tokenizer, "--colour", "red"))
                .isInstanceOf(UsageException.class).hasMessageContaining("--colour");
    }

    @Test
    void badInputLinesAreNamedByNumber() {
        String tokenizer = TOKENIZER.toString();
        assertThatThrownBy(() -> run(new TokenizeCommand(), "{\"text\":\"a\"}\n{\"txt\":\"b\"}\n", "--tokenizer", tokenizer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2").hasMessageContaining("text");
        assertThatThrownBy(() -> run(new TokenizeCommand(), "{\"text\":\n", "--tokenizer", tokenizer))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
        assertThatThrownBy(() -> run(new TokenizeCommand(), "{\"ids\":[1,999999]}\n", "--tokenizer", tokenizer, "--decode"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1").hasMessageContaining("999999");
        assertThatThrownBy(() -> run(new TokenizeCommand(), "[1,2]\n", "--tokenizer", tokenizer, "--decode"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
    }

    @Test
    void isListedByMain() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        assertThat(Main.run(new String[] {"tokenize", "--help"}, out, out)).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("usage: bitnet tokenize").contains("--tokenizer");
    }
}
