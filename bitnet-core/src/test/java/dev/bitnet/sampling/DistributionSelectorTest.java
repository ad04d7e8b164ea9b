package dev.bitnet.sampling;

import org.junit.jupiter.api.Test;

import static dev.bitnet.sampling.CandidatesTest.loaded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

class DistributionSelectorTest {

    @Test
    void drawFrequenciesMatchTheSoftmax() {
        float[] logits = {0f, 1f, 2f, -1f, 0.5f, -3f};
        double max = 2;
        double total = 0;
        for (float v : logits) {
            total += Math.exp(v - max);
        }
        int draws = 200_000;
        int[] counts = new int[logits.length];
        DistributionSelector selector = new DistributionSelector(2024);
        Candidates c = new Candidates();
        for (int i = 0; i < draws; i++) {
            c.load(logits);
            counts[selector.select(c)]++;
        }
        for (int id = 0; id < logits.length; id++) {
            double p = Math.exp(logits[id] - max) / total;
            double sigma = Math.sqrt(p * (1 - p) / draws);
            assertThat((double) counts[id] / draws).as("token %d, p=%.4f", id, p).isCloseTo(p,
                    offset(5 * sigma));
        }
    }

    @Test
    void drawsOnlyAmongTheRemainingCandidates() {
        DistributionSelector selector = new DistributionSelector(1);
        for (int i = 0; i < 2000; i++) {
            Candidates c = loaded(5f, 0f, 1f, 4f, Float.NEGATIVE_INFINITY);
            c.keepTop(3);
            assertThat(selector.select(c)).isIn(0, 3, 2);
        }
    }

    @Test
    void minusInfinityIsNeverDrawnAndInfiniteLogitsShareTheDraw() {
        DistributionSelector selector = new DistributionSelector(5);
        int[] counts = new int[3];
        for (int i = 0; i < 2000; i++) {
            counts[selector.select(loaded(Float.POSITIVE_INFINITY, 100f, Float.POSITIVE_INFINITY))]++;
            assertThat(selector.select(loaded(Float.NEGATIVE_INFINITY, -50f))).isEqualTo(1);
        }
        assertThat(counts[1]).isZero();
        assertThat(counts[0]).isBetween(800, 1200);
    }

    @Test
    void nothingToDrawIsAnError() {
        DistributionSelector selector = new DistributionSelector(5);
        assertThatThrownBy(() -> selector.select(loaded(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("logit bias");
        Candidates empty = loaded(1f);
        empty.keepFirst(0);
        assertThatThrownBy(() -> selector.select(empty)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no candidate");
        assertThatThrownBy(() -> new GreedySelector().select(empty)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void sameSeedSameDraws() {
        DistributionSelector a = new DistributionSelector(77);
        DistributionSelector b = new DistributionSelector(77);
        for (int i = 0; i < 500; i++) {
            assertThat(a.select(loaded(0f, 0.1f, 0.2f, 0.3f))).isEqualTo(b.select(loaded(0f, 0.1f, 0.2f, 0.3f)));
        }
    }
}
