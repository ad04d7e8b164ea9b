package dev.bitnet.tokenizer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pieces of both splits on chosen inputs. LLaMA-3 pieces are those of Hugging Face tokenizers 0.23's
 * pre-tokenizer; default pieces are those of llama.cpp's {@code unicode_regex_split} (bitnet.cpp's fork).
 */
class PreTokenizerTest {
    static Stream<Arguments> llama3() {
        return Stream.of(
                Arguments.of("Hello, world!", List.of("Hello", ",", " world", "!")),
                Arguments.of("don't STOP'LL it'\u017F 'sup",
                        List.of("don", "'t", " STOP", "'LL", " it", "'\u017F", " '", "sup")),
                Arguments.of("  two  spaces", List.of(" ", " two", " ", " spaces")),
                Arguments.of("a\n\n b", List.of("a", "\n\n", " b")),
                Arguments.of("x \t\n\r\n y", List.of("x", " \t\n\r\n", " y")),
                Arguments.of("trailing   ", List.of("trailing", "   ")),
                Arguments.of("12345678", List.of("123", "456", "78")),
                Arguments.of("\u0663\u0664\u0665\u0666", List.of("\u0663\u0664\u0665", "\u0666")),
                Arguments.of("(hello) ((x", List.of("(hello", ")", " ((", "x")),
                Arguments.of("\uD83D\uDE00abc \uD83D\uDE00", List.of("\uD83D\uDE00abc", " \uD83D\uDE00")),
                Arguments.of(" !?\n\nnext", List.of(" !?\n\n", "next")),
                Arguments.of("\u00A0\u00A0word", List.of("\u00A0", "\u00A0word")),
                Arguments.of("a\u2028b", List.of("a", "\u2028b")),
                Arguments.of("\u20AC100", List.of("\u20AC", "100")),
                Arguments.of("'", List.of("'")),
                Arguments.of("''s", List.of("''", "s")),
                Arguments.of("foo.bar_baz", List.of("foo", ".bar", "_baz")),
                Arguments.of("\r\r\n", List.of("\r\r\n")),
                Arguments.of("\u01C5ungla \u216B\u00BD", List.of("\u01C5ungla", " ", "\u216B\u00BD")));
    }

    static Stream<Arguments> llamaCppDefault() {
        return Stream.of(
                Arguments.of("Hello, world!", List.of("Hello", ",", " world", "!")),
                Arguments.of("don't STOP it's", List.of("don", "'", "t", " STOP", " it", "'", "s")),
                Arguments.of("  two  spaces", List.of(" ", " two", " ", " spaces")),
                Arguments.of("a\n\n b", List.of("a", "\n\n", " b")),
                Arguments.of("x \t\n\r\n y", List.of("x", " \t\n\r\n", " y")),
                Arguments.of("trailing   ", List.of("trailing", "   ")),
                Arguments.of("12345678", List.of("123", "456", "78")),
                Arguments.of(" 1234567 x", List.of(" ", "123", "456", "7", " x")),
                Arguments.of("\u0663\u0664\u0665\u0666", List.of("\u0663\u0664\u0665\u0666")),
                Arguments.of("(hello) ((x", List.of("(", "hello", ")", " ", "((", "x")),
                Arguments.of("\uD83D\uDE00abc \uD83D\uDE00", List.of("\uD83D\uDE00", "abc", " \uD83D\uDE00")),
                Arguments.of("foo.bar_baz", List.of("foo", ".", "bar", "_", "baz")),
                Arguments.of("a`b", List.of("a", "`", "b")),
                Arguments.of("$5+3=8", List.of("$", "5", "+", "3", "=", "8")),
                Arguments.of("\u01C5ungla \u216B\u00BD", List.of("\u01C5ungla", " ", "\u216B\u00BD")),
                // U+1B4E (punctuation) and U+1C89 (a letter) are new in Unicode 16.0; llama.cpp treats them as unassigned.
                Arguments.of("\u1B4E\u1C89x", List.of("\u1B4E\u1C89", "x")));
    }

    @ParameterizedTest
    @MethodSource("llama3")
    void llama3Pieces(String text, List<String> pieces) {
        assertThat(split(new Llama3PreTokenizer(), text)).isEqualTo(pieces);
    }

    @ParameterizedTest
    @MethodSource("llamaCppDefault")
    void llamaCppDefaultPieces(String text, List<String> pieces) {
        assertThat(split(new LlamaCppDefaultPreTokenizer(), text)).isEqualTo(pieces);
    }

    static List<String> split(PreTokenizer pre, String text) {
        IntList ends = new IntList(8);
        pre.split(text, 0, text.length(), ends);
        List<String> pieces = new ArrayList<>();
        int from = 0;
        for (int k = 0; k < ends.size(); k++) {
            pieces.add(text.substring(from, ends.get(k)));
            from = ends.get(k);
        }
        return pieces;
    }
}
