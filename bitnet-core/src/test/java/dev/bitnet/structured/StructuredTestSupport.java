package dev.bitnet.structured;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.bitnet.Fixtures;
import dev.bitnet.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Vocabularies, the independent validator and a byte-level driver shared by the structured-output tests. */
final class StructuredTestSupport {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private static Tokenizer llama3;

    private StructuredTestSupport() {
    }

    /** The real LLaMA-3 tokenizer (128256 ids) from the shared fixtures. */
    static synchronized Tokenizer llama3() {
        if (llama3 == null) {
            try {
                llama3 = Tokenizer.fromTokenizerJson(Fixtures.file("tokenizer/llama3/tokenizer.json"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return llama3;
    }

    /**
     * A deterministic synthetic byte-level vocabulary: the 256 single bytes, then {@code size - 257} multi-byte
     * tokens drawn from JSON-ish fragments, words, digits and UTF-8 text, then one end token (null bytes) last.
     */
    static List<byte[]> syntheticVocabulary(int size, long seed) {
        Random r = new Random(seed);
        List<byte[]> tokens = new ArrayList<>(size);
        for (int b = 0; b < 256; b++) {
            tokens.add(new byte[] {(byte) b});
        }
        String[] pieces = {"{", "}", "[", "]", "\"", ":", ",", " ", "\n", "  ", "\\", "\\n", "\\u00", "true",
            "false", "null", "0", "1", "12", "-", ".", "e", "name", "id", "é", "ü", "日本", "😀", "\t", "a", "b",
            "xyz", "value", "\":", "\",", "\"}", "}]", "{\"", "[\"", "\":\"", "\\\"", "ab", " the", "0.5", "\u00a0"};
        while (tokens.size() < size - 1) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + r.nextInt(4);
            for (int i = 0; i < parts; i++) {
                sb.append(pieces[r.nextInt(pieces.length)]);
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            if (r.nextInt(8) == 0 && b.length > 1) {
                // cut inside a character now and then, as byte-level BPE tokens do
                b = java.util.Arrays.copyOf(b, 1 + r.nextInt(b.length - 1));
            }
            tokens.add(b);
        }
        tokens.add(null);
        return tokens;
    }

    static Schema schema(String json) {
        return REGISTRY.getSchema(json, InputFormat.JSON);
    }

    /** Validation errors of {@code text} against the schema (empty when valid); throws if text is not JSON. */
    static List<?> errors(Schema schema, String text) throws IOException {
        JsonNode node = MAPPER.readTree(text);
        if (node == null) {
            throw new IOException("no JSON value in '" + text + "'");
        }
        return schema.validate(node);
    }

    /** Feeds a text byte by byte (each byte a pseudo token) and says whether every prefix was accepted. */
    static boolean acceptsBytes(ResponseFormat format, String text, boolean mustComplete) {
        List<byte[]> bytes = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            bytes.add(new byte[] {(byte) b});
        }
        bytes.add(null);
        JsonConstraint c = format.newConstraint(TokenVocabulary.ofTokenBytes(bytes), List.of(256));
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            if (!c.isAllowed(b & 0xff)) {
                return false;
            }
            c.accept(b & 0xff);
        }
        return !mustComplete || c.isComplete();
    }
}
