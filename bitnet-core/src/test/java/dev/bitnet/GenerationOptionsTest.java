package dev.bitnet;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GenerationOptionsTest {

    @Test
    void defaultsAreLlamaCppDefaults() {
        GenerationOptions o = GenerationOptions.defaults();
        assertThat(o.maxTokens()).isEqualTo(256);
        assertThat(o.temperature()).isEqualTo(0.8);
        assertThat(o.topK()).isEqualTo(40);
        assertThat(o.topP()).isEqualTo(0.95);
        assertThat(o.minP()).isEqualTo(0.05);
        assertThat(o.repeatPenalty()).isEqualTo(1.0);
        assertThat(o.frequencyPenalty()).isZero();
        assertThat(o.presencePenalty()).isZero();
        assertThat(o.penaltyWindow()).isEqualTo(64);
        assertThat(o.stopStrings()).isEmpty();
        assertThat(o.stopTokenIds()).isEmpty();
        assertThat(o.logitBias()).isEmpty();
        assertThat(o.seed()).isEmpty();
        assertThat(GenerationOptions.builder().build()).isEqualTo(o);
    }

    @Test
    void greedyIsTheDefaultsAtTemperatureZero() {
        GenerationOptions g = GenerationOptions.greedy();
        assertThat(g.temperature()).isZero();
        assertThat(g.toBuilder().temperature(0.8).build()).isEqualTo(GenerationOptions.defaults());
    }

    @Test
    void builderSetsEveryOptionAndToBuilderCopiesThem() {
        GenerationOptions o = GenerationOptions.builder()
                .maxTokens(7).stopStrings("\n\n", "User:").stopTokenIds(5, 9).temperature(1.3).topK(0).topP(0.5)
                .minP(0).repeatPenalty(1.1).frequencyPenalty(0.25).presencePenalty(-0.5).penaltyWindow(0)
                .logitBias(3, Double.NEGATIVE_INFINITY).logitBias(4, 2.5).seed(1234).build();
        assertThat(o.maxTokens()).isEqualTo(7);
        assertThat(o.stopStrings()).containsExactly("\n\n", "User:");
        assertThat(o.stopTokenIds()).containsExactlyInAnyOrder(5, 9);
        assertThat(o.temperature()).isEqualTo(1.3);
        assertThat(o.topK()).isZero();
        assertThat(o.topP()).isEqualTo(0.5);
        assertThat(o.minP()).isZero();
        assertThat(o.repeatPenalty()).isEqualTo(1.1);
        assertThat(o.frequencyPenalty()).isEqualTo(0.25);
        assertThat(o.presencePenalty()).isEqualTo(-0.5);
        assertThat(o.penaltyWindow()).isZero();
        assertThat(o.logitBias()).containsOnly(Map.entry(3, Float.NEGATIVE_INFINITY), Map.entry(4, 2.5f));
        assertThat(o.seed()).hasValue(1234);

        GenerationOptions copy = o.toBuilder().build();
        assertThat(copy).isEqualTo(o).hasSameHashCodeAs(o);
        assertThat(o.toBuilder().randomSeed().build().seed()).isEmpty();
        assertThat(o.toBuilder().maxTokens(8).build()).isNotEqualTo(o);
    }

    @Test
    void builtOptionsDoNotChangeWhenTheBuilderOrInputsDo() {
        List<String> stops = new ArrayList<>(List.of("a"));
        Map<Integer, Float> bias = new HashMap<>(Map.of(1, 1f));
        GenerationOptions.Builder b = GenerationOptions.builder().stopStrings(stops).logitBias(bias);
        GenerationOptions o = b.build();
        stops.add("b");
        bias.put(2, 2f);
        b.logitBias(9, 1).stopStrings("z");
        assertThat(o.stopStrings()).containsExactly("a");
        assertThat(o.logitBias()).containsOnlyKeys(1);
        assertThatThrownBy(() -> o.stopStrings().add("c")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> o.logitBias().put(3, 0f)).isInstanceOf(UnsupportedOperationException.class);
    }

    static Stream<Arguments> invalidOptions() {
        return Stream.of(
                bad("maxTokens -1", b -> b.maxTokens(-1), "maxTokens", "-1"),
                bad("maxTokens 0", b -> b.maxTokens(0), "maxTokens", "0"),
                bad("temperature NaN", b -> b.temperature(Double.NaN), "temperature", "NaN"),
                bad("temperature negative", b -> b.temperature(-0.1), "temperature", "-0.1"),
                bad("temperature infinite", b -> b.temperature(Double.POSITIVE_INFINITY), "temperature", "Infinity"),
                bad("topK negative", b -> b.topK(-1), "topK", "-1"),
                bad("topP 0", b -> b.topP(0), "topP", "0.0"),
                bad("topP above 1", b -> b.topP(1.5), "topP", "1.5"),
                bad("topP NaN", b -> b.topP(Double.NaN), "topP", "NaN"),
                bad("minP negative", b -> b.minP(-0.01), "minP", "-0.01"),
                bad("minP above 1", b -> b.minP(1.01), "minP", "1.01"),
                bad("repeatPenalty 0", b -> b.repeatPenalty(0), "repeatPenalty", "0.0"),
                bad("repeatPenalty NaN", b -> b.repeatPenalty(Double.NaN), "repeatPenalty", "NaN"),
                bad("frequencyPenalty infinite", b -> b.frequencyPenalty(Double.NEGATIVE_INFINITY),
                        "frequencyPenalty", "-Infinity"),
                bad("presencePenalty NaN", b -> b.presencePenalty(Double.NaN), "presencePenalty", "NaN"),
                bad("penaltyWindow negative", b -> b.penaltyWindow(-1), "penaltyWindow", "-1"),
                bad("logitBias negative id", b -> b.logitBias(-4, 1), "logitBias", "-4"),
                bad("logitBias NaN", b -> b.logitBias(5, Double.NaN), "logitBias", "NaN"),
                bad("logitBias +Infinity", b -> b.logitBias(5, Double.POSITIVE_INFINITY), "logitBias", "Infinity"),
                bad("empty stop string", b -> b.stopStrings("ok", ""), "stopStrings", "entry 1 is empty"),
                bad("null stop string", b -> b.stopStrings(Arrays.asList("ok", null)), "stopStrings", "null"),
                bad("stop string with a lone surrogate", b -> b.stopStrings("x\uD83D"), "stopStrings",
                        "unpaired surrogate at index 1"),
                bad("negative stop token id", b -> b.stopTokenIds(3, -3), "stopTokenIds", "-3"));
    }

    private static Arguments bad(String name, Consumer<GenerationOptions.Builder> set, String option, String value) {
        return Arguments.of(name, set, option, value);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidOptions")
    void invalidValuesAreRejectedWithTheOptionAndValueInTheMessage(String name, Consumer<GenerationOptions.Builder> set,
                                                                   String option, String value) {
        assertThatThrownBy(() -> set.accept(GenerationOptions.builder()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(option)
                .hasMessageContaining(value);
    }

    @Test
    void boundaryValuesAreAccepted() {
        GenerationOptions o = GenerationOptions.builder().maxTokens(1).temperature(0).topK(0).topP(1).minP(1)
                .frequencyPenalty(-2).presencePenalty(2).penaltyWindow(0).logitBias(0, -1e30).build();
        assertThat(o.topP()).isEqualTo(1.0);
        assertThat(o.minP()).isEqualTo(1.0);
    }

    @Test
    void logitBiasMapWithABadEntryLeavesTheEarlierBiases() {
        GenerationOptions.Builder b = GenerationOptions.builder().logitBias(1, 1);
        Map<Integer, Float> bad = new HashMap<>();
        bad.put(2, Float.NaN);
        assertThatThrownBy(() -> b.logitBias(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logitBias for token 2");
        assertThat(b.build().logitBias()).containsOnlyKeys(1);
    }

    @Test
    void validateForChecksTokenIdsAgainstTheVocabulary() {
        GenerationOptions fits = GenerationOptions.builder().logitBias(511, -1).stopTokenIds(0, 511).build();
        assertThat(fits.validateFor(512)).isSameAs(fits);

        assertThatThrownBy(() -> GenerationOptions.builder().logitBias(600, 1).build().validateFor(512))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("logitBias token id 600")
                .hasMessageContaining("0..511");
        assertThatThrownBy(() -> GenerationOptions.builder().stopTokenIds(128009).build().validateFor(512))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stopTokenIds token id 128009");
        assertThatThrownBy(() -> fits.validateFor(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocabSize");
    }

    @Test
    void duplicateStopStringsAreDroppedInOrder() {
        assertThat(GenerationOptions.builder().stopStrings("b", "a", "b").build().stopStrings())
                .containsExactly("b", "a");
    }

    @Test
    void toStringNamesTheValues() {
        assertThat(GenerationOptions.builder().seed(5).topK(3).build().toString())
                .contains("topK=3").contains("seed=5");
        assertThat(GenerationOptions.defaults().toString()).contains("seed=random");
    }
}
