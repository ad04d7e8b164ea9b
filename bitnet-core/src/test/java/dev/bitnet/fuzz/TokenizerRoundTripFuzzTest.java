package dev.bitnet.fuzz;

import dev.bitnet.tokenizer.EncodeOptions;
import dev.bitnet.tokenizer.StreamingDecoder;
import dev.bitnet.tokenizer.Tokenizer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.List;

/**
 * The LLaMA-3 tokenizer (the fixture's tokenizer.json) on arbitrary text and arbitrary ids: encoding
 * never fails, well-formed text round-trips exactly (with and without special-token parsing), any id
 * sequence decodes, and streaming decoding yields the same text as decoding all at once.
 */
class TokenizerRoundTripFuzzTest {
    static final String TARGET = "tokenizer-roundtrip";
    private static Tokenizer tokenizer;

    static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            try {
                tokenizer = Tokenizer.fromTokenizerJson(Targets.FIXTURES.resolve("tokenizer/llama3/tokenizer.json"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return tokenizer;
    }

    @Provide
    Arbitrary<String> texts() {
        Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(200);
        Arbitrary<String> mixed = Arbitraries.strings().withCharRange(' ', '~').withChars("\n\r\t\u00a0\u3000\u200b\ufeff\u00e9")
                .withCharRange('\u4e00', '\u4e20').withCharRange('\u0600', '\u0620').ofMaxLength(300);
        Arbitrary<String> special = Arbitraries.of("<|begin_of_text|>", "<|eot_id|>", "<|end_of_text|>", "<|start_header_id|>",
                "<|reserved_special_token_0|>", "<|", "|>", "\ud83d\ude00", "\ud800", "\udc00", "'s", "   ", "\n\n", "123456")
                .list().ofMaxSize(12).map(l -> String.join("", l));
        return Arbitraries.oneOf(any, mixed, special, Arbitraries.of(special, mixed).flatMap(a -> a).list().ofMaxSize(3).map(l -> String.join("", l)));
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void textRoundTrips(@ForAll("texts") String text) {
        if (!FuzzHarness.hasBudget(TARGET)) {
            return;
        }
        Tokenizer t = tokenizer();
        FuzzHarness.check(TARGET, "text " + HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.UTF_16BE)),
                List.of(), () -> {
                    for (EncodeOptions o : List.of(EncodeOptions.DEFAULT, EncodeOptions.UNTRUSTED)) {
                        int[] ids = t.encode(text, o);
                        String back = t.decode(ids);
                        if (wellFormed(text) && !back.equals(text)) {
                            throw new AssertionError("round trip with " + o + " gave '" + back + "'");
                        }
                        streamMatches(t, ids);
                    }
                });
    }

    @Provide
    Arbitrary<int[]> ids() {
        return Arbitraries.integers().between(0, tokenizer().vocabSize() - 1).array(int[].class).ofMaxSize(64);
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void anyIdsDecode(@ForAll("ids") int[] ids) {
        if (!FuzzHarness.hasBudget(TARGET + "-ids")) {
            return;
        }
        Tokenizer t = tokenizer();
        FuzzHarness.check(TARGET + "-ids", "ids " + java.util.Arrays.toString(ids), List.of(), () -> streamMatches(t, ids));
    }

    private static void streamMatches(Tokenizer t, int[] ids) {
        String all = t.decode(ids);
        StreamingDecoder d = t.newStreamingDecoder();
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(d.push(id));
        }
        sb.append(d.flush());
        if (!sb.toString().equals(all)) {
            throw new AssertionError("streaming decode '" + sb + "' differs from decode '" + all + "'");
        }
    }

    static boolean wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return false;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return false;
            }
        }
        return true;
    }
}
