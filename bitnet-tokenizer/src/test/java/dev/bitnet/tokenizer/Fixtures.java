package dev.bitnet.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates the shared test fixtures and reads the tokenizer corpus. */
public final class Fixtures {
    private static final JsonFactory JSON = new JsonFactory();
    private static Tokenizer llama3;

    private Fixtures() {
    }

    /** One corpus row: a text and the ids Hugging Face tokenizers gives it. */
    public record Row(int line, String text, int[] ids) {
    }

    /** The fixtures folder: the {@code bitnet.fixtures} property, else {@code shared/fixtures} beside the checkout. */
    public static Path root() {
        String property = System.getProperty("bitnet.fixtures");
        if (property != null) {
            return Path.of(property);
        }
        for (String candidate : List.of("../shared/fixtures", "../../shared/fixtures")) {
            Path p = Path.of(candidate);
            if (Files.isDirectory(p)) {
                return p;
            }
        }
        return Path.of("../shared/fixtures");
    }

    public static Path llama3TokenizerJson() {
        return root().resolve("tokenizer/llama3/tokenizer.json");
    }

    /** The LLaMA-3 tokenizer, loaded once for all test classes of the run. */
    public static synchronized Tokenizer llama3() {
        if (llama3 == null) {
            try {
                llama3 = Tokenizer.fromTokenizerJson(llama3TokenizerJson());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return llama3;
    }

    public static List<Row> llama3Corpus() {
        Path file = root().resolve("tokenizer/llama3-corpus.jsonl");
        try {
            List<Row> rows = new ArrayList<>();
            int lineNo = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                rows.add(parseRow(lineNo, line));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Row parseRow(int lineNo, String line) throws IOException {
        String text = null;
        List<Integer> ids = new ArrayList<>();
        try (JsonParser p = JSON.createParser(line)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals("text")) {
                    text = p.getText();
                } else if (name.equals("ids")) {
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        ids.add(p.getIntValue());
                    }
                } else {
                    p.skipChildren();
                }
            }
        }
        return new Row(lineNo, text, ids.stream().mapToInt(Integer::intValue).toArray());
    }
}
