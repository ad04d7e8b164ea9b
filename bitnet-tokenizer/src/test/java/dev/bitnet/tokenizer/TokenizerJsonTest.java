package dev.bitnet.tokenizer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading small tokenizer.json files, and the errors for files this module cannot honour. */
class TokenizerJsonTest {
    private static final String LLAMA3_PRE = "{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":"
            + "{\"Regex\":" + quote(TokenizerJson.LLAMA3_PATTERN) + "},\"behavior\":\"Isolated\",\"invert\":false},"
            + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]}";
    private static final String BOS_TEMPLATE = "{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":"
            + "{\"id\":\"<|begin_of_text|>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]}";

    @TempDir
    Path dir;

    /** A complete file: 256 byte tokens, "h i" -> "hi" (id 256), two added tokens (257, 258). */
    static String file(Function<String, String> edit) {
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            vocab.append(quote(String.valueOf(ByteLevel.charOf(b)))).append(':').append(b).append(',');
        }
        vocab.append("\"hi\":256");
        String json = "{\"version\":\"1.0\",\"truncation\":null,\"added_tokens\":["
                + "{\"id\":257,\"content\":\"<|begin_of_text|>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true},"
                + "{\"id\":258,\"content\":\"<|end_of_text|>\",\"special\":true}],"
                + "\"normalizer\":null,\"pre_tokenizer\":" + LLAMA3_PRE + ",\"post_processor\":" + BOS_TEMPLATE + ","
                + "\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,"
                + "\"byte_fallback\":false,\"ignore_merges\":true,\"vocab\":{" + vocab + "},\"merges\":[\"h i\"]}}";
        return edit.apply(json);
    }

    private Path write(String json) throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.writeString(p, json);
        return p;
    }

    @Test
    void readsVocabularyMergesAddedTokensAndTemplateBos() throws IOException {
        Tokenizer t = Tokenizer.fromTokenizerJson(write(file(Function.identity())));
        assertThat(t.vocabSize()).isEqualTo(259);
        assertThat(t.encode("hi<|end_of_text|>")).containsExactly(256, 258);
        assertThat(t.bosId()).hasValue(257);
        assertThat(t.eosId()).hasValue(258);
        assertThat(t.addBos()).isTrue();
        assertThat(t.stopIds()).containsExactly(258);
    }

    @Test
    void readsMergesWrittenAsPairs() throws IOException {
        Tokenizer t = Tokenizer.fromTokenizerJson(write(file(j -> j.replace("[\"h i\"]", "[[\"h\",\"i\"]]"))));
        assertThat(t.encode("hi!")).containsExactly(256, '!');
    }

    @Test
    void postProcessorWithoutTemplateAddsNoBos() throws IOException {
        Tokenizer t = Tokenizer.fromTokenizerJson(write(file(j -> j.replace(BOS_TEMPLATE, "{\"type\":\"ByteLevel\"}"))));
        assertThat(t.addBos()).isFalse();
        assertThat(t.bosId()).hasValue(257);
    }

    @Test
    void missingFileIsAnIoError() {
        assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(dir.resolve("absent.json")))
                .isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void brokenJsonNamesTheFileAndLine() throws IOException {
        Path p = write(file(j -> j.substring(0, j.length() - 2)));
        assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(p)).isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(p.toString()).hasMessageContaining("not valid JSON").hasMessageContaining("line");
    }

    @Test
    void unsupportedContentsAreNamed() throws IOException {
        assertRejected(j -> j.replace("\"normalizer\":null", "\"normalizer\":{\"type\":\"NFC\"}"), "normalizer");
        assertRejected(j -> j.replace(LLAMA3_PRE, "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"use_regex\":true}"),
                "pre_tokenizer");
        assertRejected(j -> j.replace("\"type\":\"BPE\"", "\"type\":\"WordPiece\""), "WordPiece");
        assertRejected(j -> j.replace("\"byte_fallback\":false", "\"byte_fallback\":true"), "byte_fallback");
        assertRejected(j -> j.replace("\"lstrip\":false", "\"lstrip\":true"), "lstrip");
        assertRejected(j -> j.replace("{\"type\":\"ByteLevel\"},\"model\"", "{\"type\":\"WordPiece\"},\"model\""), "decoder");
        assertRejected(j -> j.replace("\"hi\":256", "\"hi\":-3"), "-3");
        assertRejected(j -> j.replace("\"hi\":256", "\"hi\":255"), "255");
        assertRejected(j -> j.replace("\"hi\":256", "\"hi\":2147483000"), "2147483000");
        assertRejected(j -> j.replace("\"id\":258", "\"id\":99999999"), "99999999");
        assertRejected(j -> j.replace("[\"h i\"]", "[\"h q\"]"), "merge #0 'h q'");
        assertRejected(j -> j.replace("\"id\":258", "\"id\":65"), "65");
    }

    private void assertRejected(Function<String, String> edit, String named) throws IOException {
        String json = file(edit);
        assertThat(json).isNotEqualTo(file(Function.identity()));
        Path p = write(json);
        assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(p)).isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining(named);
    }

    private static String quote(String s) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(w)) {
            g.writeString(s);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }
}
