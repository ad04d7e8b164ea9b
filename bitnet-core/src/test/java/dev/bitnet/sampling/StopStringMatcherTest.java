package dev.bitnet.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StopStringMatcherTest {

    @Test
    void aStopStringSplitAcrossPiecesIsFoundAndNeverEmitted() {
        StopStringMatcher m = new StopStringMatcher(List.of("<|end|>"));
        assertThat(m.push("Hello wor")).isEqualTo(new StopStringMatcher.Result("Hello wor", false));
        assertThat(m.push("ld<|")).isEqualTo(new StopStringMatcher.Result("ld", false));
        assertThat(m.push("en")).isEqualTo(new StopStringMatcher.Result("", false));
        assertThat(m.push("d|> and more")).isEqualTo(new StopStringMatcher.Result("", true));
        assertThat(m.stopped()).isTrue();
        assertThat(m.matchedStopString()).hasValue("<|end|>");
        assertThat(m.flush()).isEmpty();
        assertThatThrownBy(() -> m.push("x")).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void heldBackTextIsReleasedWhenItTurnsOutNotToBeAStop() {
        StopStringMatcher m = new StopStringMatcher(List.of("STOP"));
        assertThat(m.push("ST").text()).isEmpty();
        assertThat(m.push("AR").text()).isEqualTo("STAR");
        assertThat(m.push(" S").text()).isEqualTo(" ");
        assertThat(m.flush()).isEqualTo("S");
        assertThat(m.stopped()).isFalse();
        assertThat(m.matchedStopString()).isEmpty();
    }

    @Test
    void theStopCompletedFirstWinsAndAmongThoseTheLongest() {
        assertThat(reference("abcd", List.of("abcd", "bc"))).isEqualTo("a");
        assertThat(reference("xabc", List.of("abc", "bc"))).isEqualTo("x");
        assertThat(cutAtEveryChar("abcd", List.of("abcd", "bc"))).isEqualTo("a");
        assertThat(cutAtEveryChar("xabc", List.of("bc", "abc"))).isEqualTo("x");
        assertThat(run(List.of("abcd", "bc"), List.of("abcd"))).isEqualTo(new Outcome("a", true));
    }

    @Test
    void everySplitIntoTwoOrThreePiecesGivesTheSameOutput() {
        List<List<String>> stopSets = List.of(List.of("<|eot_id|>"), List.of("\n\n", "User:"),
                List.of("aab", "ab", "b!"), List.of("😀!", "é"), List.of("xabcd", "bc"), List.of());
        List<String> texts = List.of("Sure.<|eot_id|>tail", "line one\nline two\n\nUser: hi", "xaaab!yy",
                "no stop here <|eot_id", "smile 😀😀! then é", "ab", "aab", "a", "<|eot_id|>", "User", "xxabcdy");
        for (List<String> stops : stopSets) {
            for (String text : texts) {
                String expected = reference(text, stops);
                boolean expectStop = !expected.equals(text) || containsAny(text, stops);
                for (int i = 0; i <= text.length(); i++) {
                    for (int j = i; j <= text.length(); j++) {
                        List<String> pieces = List.of(text.substring(0, i), text.substring(i, j), text.substring(j));
                        Outcome out = run(stops, pieces);
                        assertThat(out.text).as("%s split %s", stops, pieces).isEqualTo(expected);
                        assertThat(out.stopped).as("%s split %s", stops, pieces).isEqualTo(expectStop);
                    }
                }
            }
        }
    }

    @Test
    void randomTextsAndRandomSplitsMatchTheReference() {
        Random random = new Random(17);
        List<String> stops = List.of("abc", "bca", "cc", "abab");
        for (int trial = 0; trial < 3000; trial++) {
            StringBuilder text = new StringBuilder();
            int n = random.nextInt(14);
            for (int i = 0; i < n; i++) {
                text.append("abcd".charAt(random.nextInt(4)));
            }
            List<String> pieces = new ArrayList<>();
            int at = 0;
            while (at < text.length()) {
                int next = Math.min(text.length(), at + random.nextInt(4));
                pieces.add(text.substring(at, next));
                at = next;
            }
            assertThat(run(stops, pieces).text).as("%s", pieces).isEqualTo(reference(text.toString(), stops));
        }
    }

    @Test
    void outputNeverEndsInsideASurrogatePair() {
        String smile = "😀";
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertThat(m.push("a" + smile.charAt(0)).text()).isEqualTo("a");
        assertThat(m.push(smile.substring(1) + "b").text()).isEqualTo(smile + "b");
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void withoutStopStringsTextPassesStraightThrough() {
        StopStringMatcher m = new StopStringMatcher(List.of());
        assertThat(m.push("anything <|eot_id|>")).isEqualTo(new StopStringMatcher.Result("anything <|eot_id|>", false));
        assertThat(m.flush()).isEmpty();
    }

    @Test
    void emptyStopStringsAreRejected() {
        assertThatThrownBy(() -> new StopStringMatcher(List.of("a", ""))).isInstanceOf(IllegalArgumentException.class);
    }

    private record Outcome(String text, boolean stopped) {
    }

    private static Outcome run(List<String> stops, List<String> pieces) {
        StopStringMatcher m = new StopStringMatcher(stops);
        StringBuilder out = new StringBuilder();
        for (String piece : pieces) {
            StopStringMatcher.Result r = m.push(piece);
            out.append(r.text());
            if (r.stopped()) {
                return new Outcome(out.toString(), true);
            }
        }
        return new Outcome(out.append(m.flush()).toString(), false);
    }

    private static String cutAtEveryChar(String text, List<String> stops) {
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < text.length(); i++) {
            pieces.add(text.substring(i, i + 1));
        }
        return run(stops, pieces).text;
    }

    /**
     * The text up to the stop string that is complete first (smallest end), preferring the earliest start among
     * those: the behaviour a streaming reader must have, computed on the whole text at once.
     */
    private static String reference(String text, List<String> stops) {
        for (int end = 1; end <= text.length(); end++) {
            for (int start = 0; start < end; start++) {
                if (stops.contains(text.substring(start, end))) {
                    return text.substring(0, start);
                }
            }
        }
        return text;
    }

    private static boolean containsAny(String text, List<String> stops) {
        return stops.stream().anyMatch(text::contains);
    }
}
