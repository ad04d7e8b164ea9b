package dev.bitnet.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every row of the LLaMA-3 corpus: ids equal to Hugging Face tokenizers', and decoding gives the text back. */
class Llama3CorpusTest {
    private static Tokenizer tokenizer;
    private static List<Fixtures.Row> corpus;

    @BeforeAll
    static void load() {
        tokenizer = Fixtures.llama3();
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
            if (!Arrays.equals(ids, row.ids())) {
                mismatches.add("line " + row.line() + ": " + row.text().substring(0, Math.min(60, row.text().length())));
            }
        }
        assertThat(mismatches).isEmpty();
    }

    /**
     * The same vocabulary passed the way bitnet-core passes GGUF metadata (token types, no
     * {@code tokenizer.ggml.pre}) gives the same ids.
     */
    @Test
    void ggufStyleVocabularyGivesTheSameIds() throws Exception {
        BpeVocabulary json = TokenizerJson.read(Fixtures.llama3TokenizerJson()).vocabulary();
        BpeVocabulary gguf = new BpeVocabulary("gpt2", json.tokens(), json.tokenTypes(), json.merges(), null,
                128000, 128001, true, new int[] {128009});
        Tokenizer fromGguf = Tokenizer.fromVocabulary(gguf);
        assertThat(fromGguf.preTokenizerKind()).isEqualTo(PreTokenizerKind.LLAMA3);
        assertThat(fromGguf.addBos()).isTrue();
        for (Fixtures.Row row : corpus) {
            assertThat(fromGguf.encode(row.text())).as("line %d", row.line()).containsExactly(row.ids());
        }
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
