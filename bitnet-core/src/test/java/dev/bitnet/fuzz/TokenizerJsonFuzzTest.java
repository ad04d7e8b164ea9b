package dev.bitnet.fuzz;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.bitnet.tokenizer.Tokenizer;
import dev.bitnet.tokenizer.TokenizerFormatException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * tokenizer.json reading, then encoding and decoding with what was read, on mutations of a small
 * LLaMA-3-style file (byte tokens, a few merges, added tokens, the LLaMA-3 split). The mutations know
 * JSON: they cut at structural characters, splice in fragments of other types, nest deeply, append
 * content after the top-level object, and re-encode the file as UTF-16/32 or with invalid bytes.
 * A generated case is a recipe (the encoding, then edits of the base file); saved cases are files.
 */
class TokenizerJsonFuzzTest {
    static final String TARGET = "tokenizer-json";
    static final byte[] BASE = base().getBytes(StandardCharsets.UTF_8);
    private static final List<Integer> STRUCTURE = structure(BASE);
    private static final List<String> FRAGMENTS = List.of("{", "}", "[", "]", ",", ":", "null", "true", "-1", "1e999",
            "4194304", "\"\"", "\"\\ud800\"", "\"\\u0000\"", "{\"id\":1}", "[7]", "\"added_tokens\":[7]",
            "[".repeat(70), "{\"a\":".repeat(70), "\"model\":{}", "\"vocab\":{\"a\":-5}", "\"merges\":[[\"a\"]]",
            "\"type\":\"WordPiece\"", "\"lstrip\":true", "garbage", "\u0000", "\"\u00e9\u4e2d\ud83d\ude00\"");

    /** Byte-level character of byte {@code b} (GPT-2's printable remapping). */
    private static char byteChar(int b) {
        if (b >= 33 && b <= 126 || b >= 161 && b <= 172 || b >= 174) {
            return (char) b;
        }
        int n = 0;
        for (int i = 0; i < b; i++) {
            if (!(i >= 33 && i <= 126 || i >= 161 && i <= 172 || i >= 174)) {
                n++;
            }
        }
        return (char) (256 + n);
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    /** The LLaMA-3 split pattern, read from the fixture tokenizer so that it is the real one. */
    private static String llama3Pattern() {
        try (JsonParser p = new JsonFactory().createParser(Targets.FIXTURES.resolve("tokenizer/llama3/tokenizer.json").toFile())) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME && p.currentName().equals("Regex")) {
                    p.nextToken();
                    return p.getText();
                }
            }
            throw new IllegalStateException("no Regex in the fixture tokenizer.json");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String base() {
        StringBuilder vocab = new StringBuilder();
        for (int b = 0; b < 256; b++) {
            vocab.append(quote(String.valueOf(byteChar(b)))).append(':').append(b).append(',');
        }
        vocab.append("\"he\":256,\"ll\":257,\"hell\":258,\"").append(byteChar(' ')).append("t\":259");
        return "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,\"added_tokens\":["
                + "{\"id\":260,\"content\":\"<|begin_of_text|>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
                + "\"normalized\":false,\"special\":true},"
                + "{\"id\":261,\"content\":\"<|end_of_text|>\",\"special\":true},"
                + "{\"id\":262,\"content\":\"<|eot_id|>\",\"special\":true}],"
                + "\"normalizer\":null,\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":"
                + "{\"Regex\":" + quote(llama3Pattern()) + "},\"behavior\":\"Isolated\",\"invert\":false},"
                + "{\"type\":\"ByteLevel\",\"add_prefix_space\":false,\"trim_offsets\":true,\"use_regex\":false}]},"
                + "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<|begin_of_text|>\","
                + "\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]},"
                + "\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":null,"
                + "\"byte_fallback\":false,\"ignore_merges\":false,\"vocab\":{" + vocab + "},\"merges\":[\"h e\",\"l l\",\"he ll\",[\""
                + byteChar(' ') + "\",\"t\"]]}}";
    }

    private static List<Integer> structure(byte[] json) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < json.length; i++) {
            byte c = json[i];
            if (c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' || c == '"') {
                at.add(i);
            }
        }
        return at;
    }

    @Provide
    Arbitrary<String> cases() {
        Arbitrary<Edit> cut = Arbitraries.of(STRUCTURE).map(i -> Edit.truncate(i + 1L));
        Arbitrary<Edit> splice = Combinators.combine(Arbitraries.of(STRUCTURE), Arbitraries.of(FRAGMENTS))
                .as((i, f) -> Edit.insert(i + 1L, f.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<Edit> remove = Combinators.combine(Arbitraries.of(STRUCTURE), Arbitraries.longs().between(1, 40))
                .as((i, n) -> Edit.delete(i, n));
        Arbitrary<Edit> overwrite = Combinators.combine(Arbitraries.of(STRUCTURE), Values.randomBytes(3)).as((i, b) -> Edit.set(i, b));
        Arbitrary<Edit> trailing = Arbitraries.of(FRAGMENTS).map(f -> Edit.insert(Long.MAX_VALUE, f.getBytes(StandardCharsets.UTF_8)));
        Arbitrary<Edit> badUtf8 = Combinators.combine(Arbitraries.of(STRUCTURE),
                        Arbitraries.of("c3", "ff", "ed a0 80", "f4 90 80 80", "c0 80", "e2 82").map(h -> HexFormat.of().parseHex(h.replace(" ", ""))))
                .as((i, b) -> Edit.insert(i + 1L, b));
        Arbitrary<List<Edit>> edits = Arbitraries.frequencyOf(Tuple.of(2, cut), Tuple.of(4, splice), Tuple.of(2, remove),
                Tuple.of(2, overwrite), Tuple.of(1, trailing), Tuple.of(1, badUtf8)).list().ofMinSize(1).ofMaxSize(3);
        Arbitrary<String> charset = Arbitraries.of("UTF-8", "UTF-8", "UTF-8", "UTF-16BE", "UTF-16LE", "UTF-32BE", "UTF-32LE", "UTF-16");
        // only the recipe is generated: building the bytes costs more than a try, and tries past the budget are skipped
        return Combinators.combine(edits, charset, Arbitraries.of(true, false))
                .as((list, cs, bom) -> cs + (bom ? " bom" : "") + "\n" + list.stream().map(Edit::toString)
                        .collect(java.util.stream.Collectors.joining("\n")));
    }

    /** The file bytes of a recipe: the edits on the base file, then the encoding. */
    static byte[] bytes(String recipe) {
        String[] lines = recipe.split("\n");
        String[] head = lines[0].split(" ");
        List<Edit> edits = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            edits.add(Edit.parse(lines[i]));
        }
        byte[] bytes = Edit.applyAll(BASE, edits);
        if (!head[0].equals("UTF-8")) {
            bytes = new String(bytes, StandardCharsets.UTF_8).getBytes(Charset.forName(head[0]));
        } else if (head.length > 1) {
            bytes = Edit.insert(0, new byte[]{(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}).apply(bytes);
        }
        return bytes;
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void mutatedTokenizerJsonReadsOrFailsAsDocumented(@ForAll("cases") String recipe) {
        if (FuzzHarness.hasBudget(TARGET)) {
            run(bytes(recipe), recipe);
        }
    }

    static void run(byte[] bytes, String descriptor) {
        FuzzHarness.check(TARGET, descriptor, List.of(TokenizerFormatException.class), () -> {
            Path file = Targets.scratch().resolve("tokenizer.json");
            Files.write(file, bytes);
            Tokenizer t = Tokenizer.fromTokenizerJson(file);
            int[] ids = t.encode("hello <|eot_id|> world \u00e9\ud83d\ude00");
            String text = t.decode(ids);
            if (!text.equals("hello <|eot_id|> world \u00e9\ud83d\ude00")) {
                throw new AssertionError("a file that reads must round-trip text; got '" + text + "'");
            }
        });
    }
}
