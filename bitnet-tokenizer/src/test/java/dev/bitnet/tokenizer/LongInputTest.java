package dev.bitnet.tokenizer;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * One-megabyte runs of one character or a short unit. A regex with backtracking or a quadratic merge
 * loop needs hours on these; a linear scan with heap-ordered merges needs well under a second, so the
 * generous time limit only trips on a blow-up, not on a busy machine.
 */
class LongInputTest {
    private static final int SIZE = 1 << 20;
    private static final Duration LIMIT = Duration.ofSeconds(30);
    private static Tokenizer compat;

    @BeforeAll
    static void load() throws Exception {
        compat = Tokenizer.fromTokenizerJson(Fixtures.llama3TokenizerJson(), PreTokenizerKind.LLAMA_CPP_DEFAULT);
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "1", "a", "!", "\n", "\t", "\uD83D\uDE00", "ab", " \n", "  a", "1 ", "'s", "x\u00A0", "\r\n"})
    void megabyteRunsEncodeInLinearTimeAndRoundTrip(String unit) {
        String text = unit.repeat(SIZE / unit.length());
        for (Tokenizer tokenizer : new Tokenizer[] {Fixtures.llama3(), compat}) {
            int[] ids = assertTimeoutPreemptively(LIMIT, () -> tokenizer.encode(text));
            assertThat(tokenizer.decode(ids)).isEqualTo(text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {" ", "1", "a"})
    void megabyteRunsMergeIntoTheLongestTokens(String unit) {
        // Hugging Face tokenizers gives 128-space tokens for spaces, "111" triples for digits and
        // 8-letter tokens for 'a' (checked on 200 000-character runs).
        String repeated = switch (unit) {
            case " " -> " ".repeat(128);
            case "1" -> "111";
            default -> "aaaaaaaa";
        };
        Tokenizer tokenizer = Fixtures.llama3();
        assertThat(tokenizer.encode(repeated)).hasSize(1);
        int id = tokenizer.encode(repeated)[0];
        int[] ids = tokenizer.encode(unit.repeat(SIZE));
        int whole = SIZE / repeated.length();
        assertThat(Arrays.copyOf(ids, whole)).containsOnly(id);
        assertThat(tokenizer.decode(Arrays.copyOfRange(ids, whole, ids.length))).isEqualTo(unit.repeat(SIZE % repeated.length()));
    }
}
