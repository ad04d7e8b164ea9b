package dev.bitnet.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** decode(encode(s)) == s for random Unicode strings, with and without special-token parsing, for both splits. */
class RoundTripPropertyTest {
    private static final List<String> ATOMS = List.of("'s", "'T", "'re", "'\u017F", " ", "  ", "\t", "\n", "\r\n",
            "\u00A0", "\u2028", "\u3000", "\u0085", "word", " Word", "\u00E9t\u00E9", "\u65E5\u672C", "\uD83D\uDE00",
            "\uD83D\uDC4D\uD83C\uDFFD", "123", "4567", "\u0661\u0662", "\u00BD", "...", "(", "<|", "|>", "<|eot_id|>",
            "<|begin_of_text|>", "<|eot_id", "e\u0301", "\u200D", "\uFEFF");

    private final Tokenizer llama3 = Fixtures.llama3();

    @Test
    void randomCodePointsRoundTrip() {
        Random random = new Random(20250101L);
        for (int i = 0; i < 3000; i++) {
            String s = randomCodePoints(random, 1 + random.nextInt(60));
            assertRoundTrip(llama3, s);
        }
    }

    @Test
    void randomMixturesOfTrickyPiecesRoundTrip() {
        Random random = new Random(7L);
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(30);
            for (int k = 0; k < n; k++) {
                sb.append(random.nextBoolean() ? ATOMS.get(random.nextInt(ATOMS.size())) : randomCodePoints(random, 1));
            }
            assertRoundTrip(llama3, sb.toString());
        }
    }

    @Test
    void llamaCppDefaultSplitRoundTrips() throws Exception {
        Tokenizer compat = Tokenizer.fromTokenizerJson(Fixtures.llama3TokenizerJson(), PreTokenizerKind.LLAMA_CPP_DEFAULT);
        Random random = new Random(99L);
        for (int i = 0; i < 2000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(20);
            for (int k = 0; k < n; k++) {
                sb.append(random.nextBoolean() ? ATOMS.get(random.nextInt(ATOMS.size())) : randomCodePoints(random, 2));
            }
            assertRoundTrip(compat, sb.toString());
        }
    }

    private static void assertRoundTrip(Tokenizer tokenizer, String s) {
        assertThat(tokenizer.decode(tokenizer.encode(s))).as("%s", escape(s)).isEqualTo(s);
        assertThat(tokenizer.decode(tokenizer.encode(s, EncodeOptions.UNTRUSTED))).as("%s", escape(s)).isEqualTo(s);
    }

    /** Code points from all planes, weighted towards ASCII and the BMP; surrogates excluded (not scalar values). */
    static String randomCodePoints(Random random, int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) {
            int r = random.nextInt(10);
            int cp = r < 3 ? 0x20 + random.nextInt(0x5F) : r < 6 ? random.nextInt(0x3000)
                    : r < 9 ? random.nextInt(0x10000) : random.nextInt(0x110000);
            if (cp >= 0xD800 && cp <= 0xDFFF) {
                cp = 'x';
            }
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp) : String.format("\\u{%X}", cp)));
        return sb.toString();
    }
}
