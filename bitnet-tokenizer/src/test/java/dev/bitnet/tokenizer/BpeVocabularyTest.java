package dev.bitnet.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Tokenizers built from small GGUF-style vocabularies: merge order, token types, metadata checks. */
class BpeVocabularyTest {
    /** 256 byte tokens, then the given extra tokens (byte-level spelled) and four added tokens. */
    static final class Builder {
        final List<String> tokens = new ArrayList<>();
        final List<Integer> types = new ArrayList<>();
        final List<String> merges = new ArrayList<>();

        Builder() {
            for (int b = 0; b < 256; b++) {
                add(String.valueOf(ByteLevel.charOf(b)), BpeVocabulary.NORMAL);
            }
        }

        Builder add(String token, int type) {
            tokens.add(token);
            types.add(type);
            return this;
        }

        Builder merge(String left, String right) {
            merges.add(left + " " + right);
            if (!tokens.contains(left + right)) {
                add(left + right, BpeVocabulary.NORMAL);
            }
            return this;
        }

        int id(String token) {
            return tokens.indexOf(token);
        }

        BpeVocabulary vocabulary(String pre) {
            int bos = tokens.size();
            add("<|begin_of_text|>", BpeVocabulary.CONTROL);
            add("<|end_of_text|>", BpeVocabulary.CONTROL);
            add("<|eot_id|>", BpeVocabulary.CONTROL);
            add("<tool>", BpeVocabulary.USER_DEFINED);
            return new BpeVocabulary("gpt2", tokens.toArray(new String[0]),
                    types.stream().mapToInt(Integer::intValue).toArray(), merges.toArray(new String[0]), pre,
                    bos, bos + 1, true, null);
        }
    }

    private static int b(char c) {
        return c;
    }

    @Test
    void lowerRankMergesFirst() {
        Builder bc = new Builder().merge("b", "c").merge("a", "b").merge("a", "bc");
        Tokenizer t1 = Tokenizer.fromVocabulary(bc.vocabulary(null));
        // "abcd" is no vocabulary entry, so it is merged: "b c" first, then "a bc".
        assertThat(t1.encode("abcd")).containsExactly(bc.id("abc"), b('d'));

        Builder ab = new Builder().merge("a", "b").merge("b", "c").merge("a", "bc");
        Tokenizer t2 = Tokenizer.fromVocabulary(ab.vocabulary(null));
        // "a b" wins, and no rule joins "ab" with "c".
        assertThat(t2.encode("abcd")).containsExactly(ab.id("ab"), b('c'), b('d'));
    }

    @Test
    void equalRanksMergeLeftmostFirst() {
        Builder v = new Builder().merge("a", "a");
        Tokenizer t = Tokenizer.fromVocabulary(v.vocabulary(null));
        assertThat(t.encode("aaa")).containsExactly(v.id("aa"), b('a'));
        assertThat(t.encode("aaaaa")).containsExactly(v.id("aa"), v.id("aa"), b('a'));
    }

    @Test
    void wholeVocabularyEntriesSkipMergingOnlyWithTheLlama3Split() {
        Builder v = new Builder().add("xyz", BpeVocabulary.NORMAL);
        int xyz = v.id("xyz");
        BpeVocabulary vocabulary = v.vocabulary(null);
        assertThat(Tokenizer.fromVocabulary(vocabulary).encode("xyz")).containsExactly(xyz);
        assertThat(Tokenizer.fromVocabulary(vocabulary, PreTokenizerKind.LLAMA_CPP_DEFAULT).encode("xyz"))
                .containsExactly(b('x'), b('y'), b('z'));
    }

    @Test
    void controlTokensCanBeTurnedOffButUserDefinedOnesAreAlwaysMatched() {
        Builder v = new Builder();
        BpeVocabulary vocabulary = v.vocabulary(null);
        Tokenizer t = Tokenizer.fromVocabulary(vocabulary);
        int eot = t.tokenId("<|eot_id|>").orElseThrow();
        int tool = t.tokenId("<tool>").orElseThrow();
        assertThat(t.encode("<|eot_id|><tool>")).containsExactly(eot, tool);
        assertThat(t.encode("<|eot_id|><tool>", EncodeOptions.UNTRUSTED)).doesNotContain(eot).endsWith(tool);
        assertThat(t.isSpecial(eot)).isTrue();
        assertThat(t.isSpecial(tool)).isTrue();
        assertThat(t.bosId()).hasValue(t.tokenId("<|begin_of_text|>").orElseThrow());
        assertThat(t.encode("a", EncodeOptions.DEFAULT.withBos())).containsExactly(t.bosId().orElseThrow(), b('a'));
        assertThat(t.stopIds()).containsExactlyInAnyOrder(t.eosId().orElseThrow(), eot);
    }

    @Test
    void longestAddedTokenWinsAtTheLeftmostPosition() {
        Builder v = new Builder().add("<a>", BpeVocabulary.USER_DEFINED).add("<a>b", BpeVocabulary.USER_DEFINED)
                .add("a>b", BpeVocabulary.USER_DEFINED);
        Tokenizer t = Tokenizer.fromVocabulary(v.vocabulary(null));
        assertThat(t.encode("x<a>b")).containsExactly(b('x'), v.id("<a>b"));
        assertThat(t.encode("<a>c")).containsExactly(v.id("<a>"), b('c'));
    }

    @Test
    void preKeyChoosesTheSplit() {
        assertThat(Tokenizer.fromVocabulary(new Builder().vocabulary("llama-bpe")).preTokenizerKind())
                .isEqualTo(PreTokenizerKind.LLAMA3);
        assertThat(Tokenizer.fromVocabulary(new Builder().vocabulary("default")).preTokenizerKind())
                .isEqualTo(PreTokenizerKind.LLAMA_CPP_DEFAULT);
        assertThatThrownBy(() -> Tokenizer.fromVocabulary(new Builder().vocabulary("qwen2")))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("qwen2");
    }

    @Test
    void inconsistentMetadataIsRejectedWithTheFieldNamed() {
        BpeVocabulary ok = new Builder().merge("a", "b").vocabulary(null);
        String[] tokens = ok.tokens();
        assertThatThrownBy(() -> new BpeVocabulary("gpt2", tokens, new int[3], ok.merges(), null, -1, -1, false, null))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("token_type");
        assertThatThrownBy(() -> new BpeVocabulary("gpt2", tokens, null, ok.merges(), null, tokens.length, -1, false, null))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("bos_token_id");
        assertThatThrownBy(() -> new BpeVocabulary("gpt2", tokens, null, ok.merges(), null, -1, -1, false, new int[] {-5}))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("-5");
        assertThatThrownBy(() -> Tokenizer.fromVocabulary(
                new BpeVocabulary("llama", tokens, null, ok.merges(), null, -1, -1, false, null)))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("'llama'");
        assertThatThrownBy(() -> Tokenizer.fromVocabulary(
                new BpeVocabulary("gpt2", tokens, null, new String[] {"a b", "q z"}, null, -1, -1, false, null)))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("merge #1 'q z'");
        assertThatThrownBy(() -> Tokenizer.fromVocabulary(
                new BpeVocabulary("gpt2", tokens, null, new String[] {"ab"}, null, -1, -1, false, null)))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("merge #0 'ab'");
        String[] noNewline = tokens.clone();
        noNewline['\n'] = "\u010A\u010A";
        assertThatThrownBy(() -> Tokenizer.fromVocabulary(
                new BpeVocabulary("gpt2", noNewline, null, new String[0], null, -1, -1, false, null)))
                .isInstanceOf(TokenizerFormatException.class).hasMessageContaining("0x0A");
    }

    @Test
    void idsWithoutTokensAreReportedWhenDecoded() {
        Builder v = new Builder();
        v.tokens.add(null);
        v.types.add(BpeVocabulary.UNUSED);
        Tokenizer t = Tokenizer.fromVocabulary(v.vocabulary(null));
        assertThatThrownBy(() -> t.decode(new int[] {256})).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("256");
        assertThat(t.decode(new int[] {b('h'), b('i')})).isEqualTo("hi");
        assertThat(Arrays.stream(t.encode("hi")).boxed().toList()).containsExactly(b('h'), b('i'));
    }
}
