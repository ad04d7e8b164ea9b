package dev.bitnet.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every row of the LLaMA-3 corpus: ids equal to Hugging Face tokenizers', and decoding gives the text back. */
class Llama3CorpusTest {
    private static Tokenizer tokenizer;
    private static List<Fixtures.Row> corpus;

    @BeforeAll
    static void load() throws IOException {
        tokenizer = Tokenizer.fromTokenizerJson(Fixtures.llama3TokenizerJson());
        corpus = Fixtures.llama3Corpus();
    }

    @Test
    void corpusHasAllRows() {
        assertThat(corpus).hasSize(1675);
    }

    @Test
    void encodeMatchesReferenceIdsOnEveryRow() {
        List<String> mismatches = new ArrayList<>();
        for (Fixtures.Row row : corpus) {
            int[] ids = tokenizer.encode(row.text());
            if (!java.util.Arrays.equals(ids, row.ids())) {
                mismatches.add("line " + row.line() + ": " + row.text().substring(0, Math.min(60, row.text().length())));
            }
        }
        assertThat(mismatches).isEmpty();
    }

    @Test
    void decodeGivesTextBackOnEveryRow() {
        for (Fixtures.Row row : corpus) {
            assertThat(tokenizer.decode(row.ids())).as("line %d", row.line()).isEqualTo(row.text());
        }
    }

    @Test
    void streamingDecodeGivesTextBackOnEveryRow() {
        for (Fixtures.Row row : corpus) {
            StreamingDecoder decoder = tokenizer.newStreamingDecoder();
            StringBuilder text = new StringBuilder();
            for (int id : row.ids()) {
                text.append(decoder.push(id));
            }
            text.append(decoder.flush());
            assertThat(text.toString()).as("line %d", row.line()).isEqualTo(row.text());
        }
    }
}
