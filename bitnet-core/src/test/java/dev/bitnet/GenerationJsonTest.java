package dev.bitnet;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerationJsonTest {
    private static final Usage USAGE = new Usage(12, 3);
    private static final Timings TIMINGS = Timings.of(812.5, 12, 100, 3, 120);

    @Test
    void jsonHasTheCliFieldsInOrder() {
        Generation g = new Generation("Hi there", new int[] {13347, 1070, 128009}, FinishReason.STOP_TOKEN, USAGE,
                TIMINGS);
        assertThat(g.toJson()).isEqualTo("{\"text\":\"Hi there\",\"ids\":[13347,1070,128009],"
                + "\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":12,\"generated_tokens\":3},"
                + "\"timings\":{\"load_ms\":812.5,\"prompt_tokens_per_second\":120,"
                + "\"generation_tokens_per_second\":25}}");
    }

    @Test
    void finishReasonsHaveOpenAiStyleNames() {
        assertThat(FinishReason.STOP_TOKEN.jsonName()).isEqualTo("stop");
        assertThat(FinishReason.STOP_STRING.jsonName()).isEqualTo("stop");
        assertThat(FinishReason.MAX_TOKENS.jsonName()).isEqualTo("length");
        assertThat(FinishReason.CANCELLED.jsonName()).isEqualTo("cancelled");
        assertThat(json("", FinishReason.MAX_TOKENS)).contains("\"finish_reason\":\"length\"");
        assertThat(json("", FinishReason.CANCELLED)).contains("\"finish_reason\":\"cancelled\"");
    }

    @Test
    void textIsEscapedAsJson() {
        String text = "a\"b\\c\nd\re\tf\bg\fh\u0001i\u001fj/\u007f";
        assertThat(json(text, FinishReason.STOP_STRING))
                .startsWith("{\"text\":\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001fj/\u007f\",");
    }

    @Test
    void nonBmpTextIsKeptAndLoneSurrogatesAndLineSeparatorsAreEscaped() {
        assertThat(json("ok 😀 é 中", FinishReason.STOP_TOKEN)).startsWith("{\"text\":\"ok 😀 é 中\",");
        assertThat(json("x\uD83Dy\uDE00z", FinishReason.STOP_TOKEN)).startsWith("{\"text\":\"x\\ud83dy\\ude00z\",");
        assertThat(json("a\u2028b\u2029c", FinishReason.STOP_TOKEN)).startsWith("{\"text\":\"a\\u2028b\\u2029c\",");
    }

    @Test
    void nonFiniteNumbersBecomeZeroAndOthersAreRoundedToThreeDecimals() {
        Generation g = new Generation("", new int[0], FinishReason.STOP_TOKEN, new Usage(0, 0),
                new Timings(0.12345, 0, Double.NaN, 0, Double.POSITIVE_INFINITY));
        assertThat(g.toJson()).isEqualTo("{\"text\":\"\",\"ids\":[],\"finish_reason\":\"stop\","
                + "\"usage\":{\"prompt_tokens\":0,\"generated_tokens\":0},"
                + "\"timings\":{\"load_ms\":0.123,\"prompt_tokens_per_second\":0,"
                + "\"generation_tokens_per_second\":0}}");
        Generation big = new Generation("", new int[0], FinishReason.STOP_TOKEN, new Usage(0, 0),
                new Timings(12_345_678.9996, 0, 1e-9, 0, 33.3333333));
        assertThat(big.toJson()).contains("\"load_ms\":12345679,").contains("\"prompt_tokens_per_second\":0,")
                .contains("\"generation_tokens_per_second\":33.333}");
    }

    @Test
    void timingsOfComputesRatesAndZeroForNoTime() {
        Timings t = Timings.of(5, 10, 250, 4, 0);
        assertThat(t.promptTokensPerSecond()).isEqualTo(40.0);
        assertThat(t.generationTokensPerSecond()).isZero();
        assertThat(t.loadMillis()).isEqualTo(5);
        assertThat(t.promptMillis()).isEqualTo(250);
    }

    @Test
    void tokenIdsAreCopiedInAndOut() {
        int[] ids = {1, 2, 3};
        Generation g = new Generation("x", ids, FinishReason.MAX_TOKENS, USAGE, TIMINGS);
        ids[0] = 99;
        g.tokenIds()[1] = 99;
        assertThat(g.tokenIds()).containsExactly(1, 2, 3);
        assertThat(g).isEqualTo(new Generation("x", new int[] {1, 2, 3}, FinishReason.MAX_TOKENS, USAGE, TIMINGS))
                .hasSameHashCodeAs(new Generation("x", new int[] {1, 2, 3}, FinishReason.MAX_TOKENS, USAGE, TIMINGS));
    }

    @Test
    void usageRejectsNegativeCounts() {
        assertThatThrownBy(() -> new Usage(-1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("promptTokens=-1");
        assertThat(new Usage(3, 4).totalTokens()).isEqualTo(7);
    }

    private static String json(String text, FinishReason reason) {
        return new Generation(text, new int[] {1}, reason, USAGE, TIMINGS).toJson();
    }
}
