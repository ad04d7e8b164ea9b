package dev.bitnet.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.bitnet.sampling.CandidatesTest.ids;
import static dev.bitnet.sampling.CandidatesTest.loaded;
import static dev.bitnet.sampling.CandidatesTest.rankOrder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The effect of each built-in {@link LogitsProcessor} on its own. */
class StagesTest {

    /** Logits whose softmax is exactly these probabilities (up to rounding): ln p. */
    static float[] logitsOf(double... probabilities) {
        float[] logits = new float[probabilities.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) Math.log(probabilities[i]);
        }
        return logits;
    }

    @Test
    void topKKeepsTheKBestWithTiesAtTheCutGoingToLowerIds() {
        Candidates c = loaded(1f, 5f, 3f, 3f, 3f, 0f);
        new TopK(3).apply(c);
        assertThat(ids(c)).containsExactly(1, 2, 3);
    }

    @Test
    void topKZeroOrAtLeastTheSizeKeepsEverything() {
        Candidates c = loaded(1f, 5f, 3f);
        new TopK(0).apply(c);
        new TopK(3).apply(c);
        new TopK(100).apply(c);
        assertThat(ids(c)).containsExactly(0, 1, 2);
        assertThatThrownBy(() -> new TopK(-1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    @Test
    void topPKeepsTheSmallestSetWhoseProbabilityReachesP() {
        // Token ids 0..4 with probabilities 0.15, 0.05, 0.5, 0.1, 0.2: ranked 2, 4, 0, 3, 1.
        float[] logits = logitsOf(0.15, 0.05, 0.5, 0.1, 0.2);
        assertThat(topP(logits, 0.45)).containsExactly(2);
        assertThat(topP(logits, 0.6)).containsExactly(2, 4);
        assertThat(topP(logits, 0.8)).containsExactly(2, 4, 0);
        assertThat(topP(logits, 0.9)).containsExactly(2, 4, 0, 3);
        assertThat(topP(logits, 0.97)).containsExactly(2, 4, 0, 3, 1);
        assertThat(topP(logits, 1.0)).as("1 keeps all, unsorted").containsExactly(0, 1, 2, 3, 4);
        assertThatThrownBy(() -> new TopP(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void topPOverAFullVocabularyMatchesAFullSortReference() {
        Random random = new Random(3);
        int vocab = 128_256;
        float[] logits = new float[vocab];
        for (int i = 0; i < vocab; i++) {
            logits[i] = (float) (random.nextGaussian() * 2);
        }
        for (double p : new double[] {0.05, 0.5, 0.95}) {
            List<Integer> expected = topPReference(logits, p);
            if (p > 0.5) {
                assertThat(expected.size()).as("the nucleus spans several sort batches").isGreaterThan(1000);
            }
            assertThat(topP(logits, p)).as("p=%s", p).isEqualTo(expected);
        }
    }

    @Test
    void minPDropsTokensBelowPTimesTheMaximumProbability() {
        float[] logits = logitsOf(0.02, 0.5, 0.04, 0.2, 0.1, 0.14);
        assertThat(minP(logits, 0.1)).as("threshold 0.05").containsExactly(1, 3, 4, 5);
        assertThat(minP(logits, 0.3)).as("threshold 0.15").containsExactly(1, 3);
        assertThat(minP(logits, 1.0)).containsExactly(1);
        assertThat(minP(logits, 0.0)).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void temperatureDividesLogitsAndZeroKeepsOnlyTheBest() {
        Candidates c = loaded(2f, -4f, Float.NEGATIVE_INFINITY);
        new Temperature(0.5).apply(c);
        assertThat(c.logit(0)).isEqualTo(4f);
        assertThat(c.logit(1)).isEqualTo(-8f);
        assertThat(c.logit(2)).isEqualTo(Float.NEGATIVE_INFINITY);

        Candidates ties = loaded(1f, 3f, 3f);
        new Temperature(0).apply(ties);
        assertThat(ids(ties)).containsExactly(1);
        assertThatThrownBy(() -> new Temperature(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void logitBiasAddsToTheNamedTokensWhereverTheyAre() {
        Candidates c = loaded(1f, 2f, 3f, 4f);
        new LogitBias(Map.of(0, 10f, 3, Float.NEGATIVE_INFINITY)).apply(c);
        assertThat(c.logit(0)).isEqualTo(11f);
        assertThat(c.logit(1)).isEqualTo(2f);
        assertThat(c.logit(3)).isEqualTo(Float.NEGATIVE_INFINITY);

        Candidates reordered = loaded(1f, 2f, 3f, 4f);
        new TopK(3).apply(reordered);
        new LogitBias(Map.of(1, 5f, 0, 100f)).apply(reordered);
        assertThat(ids(reordered)).containsExactly(3, 2, 1);
        assertThat(reordered.logit(2)).as("token 1").isEqualTo(7f);
    }

    @Test
    void logitBiasRejectsIdsOutsideTheVocabularyAndBadValues() {
        assertThatThrownBy(() -> new LogitBias(Map.of(4, 1f)).apply(loaded(1f, 2f, 3f, 4f)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("token id 4");
        assertThatThrownBy(() -> new LogitBias(Map.of(1, Float.NaN))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LogitBias(Map.of(-1, 0f))).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Integer> topP(float[] logits, double p) {
        Candidates c = loaded(logits);
        new TopP(p).apply(c);
        return ids(c);
    }

    private static List<Integer> minP(float[] logits, double p) {
        Candidates c = loaded(logits);
        new MinP(p).apply(c);
        return ids(c);
    }

    /** Sorts everything, then walks until the cumulative probability reaches p (same arithmetic as TopP). */
    private static List<Integer> topPReference(float[] logits, double p) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double total = 0;
        for (float v : logits) {
            total += StrictMath.exp(v - max);
        }
        List<Integer> kept = new ArrayList<>();
        double cumulative = 0;
        for (int id : rankOrder(logits)) {
            kept.add(id);
            cumulative += StrictMath.exp(logits[id] - max);
            if (cumulative >= p * total) {
                break;
            }
        }
        return kept;
    }
}
