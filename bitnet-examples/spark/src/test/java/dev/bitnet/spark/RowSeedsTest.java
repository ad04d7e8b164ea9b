package dev.bitnet.spark;

import dev.bitnet.GenerationOptions;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Row seeds and the options' trip to the executors, without Spark. */
class RowSeedsTest {
    @Test
    void aRowsSeedDependsOnlyOnTheBaseSeedAndItsKey() {
        assertThat(RowSeeds.seedFor(42, 7L)).isEqualTo(RowSeeds.seedFor(42, 7L));
        // the key's text is what counts: 7, 7L and "7" are one key
        assertThat(RowSeeds.seedFor(42, 7)).isEqualTo(RowSeeds.seedFor(42, "7"));
        assertThat(RowSeeds.seedFor(42, 7L)).isNotEqualTo(RowSeeds.seedFor(43, 7L));
        Set<Long> seeds = new HashSet<>();
        for (long id = 0; id < 10_000; id++) {
            seeds.add(RowSeeds.seedFor(42, id));
        }
        assertThat(seeds).hasSize(10_000);
    }

    @Test
    void settingsCarryEveryOptionAndSwapOnlyTheSeed() {
        GenerationOptions options = GenerationOptions.builder().maxTokens(33).stopStrings("\n\n", "END").stopTokenIds(5, 9)
                .temperature(0.6).topK(12).topP(0.9).minP(0.1).repeatPenalty(1.2).frequencyPenalty(0.3).presencePenalty(-0.2)
                .penaltyWindow(17).logitBias(3, -2.5).logitBias(4, Double.NEGATIVE_INFINITY).seed(99).build();

        GenerationSettings settings = GenerationSettings.of(options);

        assertThat(settings.toOptions()).isEqualTo(options);
        assertThat(settings.seed()).hasValue(99);
        assertThat(settings.toOptions(OptionalLong.of(5))).isEqualTo(options.toBuilder().seed(5).build());
        assertThat(settings.toOptions(OptionalLong.empty())).isEqualTo(options.toBuilder().randomSeed().build());
        assertThat(settings.stopStrings()).isEqualTo(List.of("\n\n", "END"));
    }
}
