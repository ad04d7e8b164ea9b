package dev.bitnet.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.bitnet.sampling.CandidatesTest.loaded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class RepetitionPenaltyTest {

    @Test
    void penalizesSeenTokensWithLlamaCppRules() {
        RepetitionPenalty penalty = new RepetitionPenalty(6, 64, 2f, 0.5f, 0.25f);
        for (int id : new int[] {0, 1, 1, 3}) {
            penalty.accept(id);
        }
        Candidates c = loaded(2f, -2f, 1f, 0f, 3f, -1f);
        penalty.apply(c);
        // Seen once, positive: divided by 2, minus 1 * 0.5 + 0.25.
        assertThat(c.logit(0)).isCloseTo(2f / 2 - 0.75f, within(1e-6f));
        // Seen twice, negative: multiplied by 2, minus 2 * 0.5 + 0.25.
        assertThat(c.logit(1)).isCloseTo(-2f * 2 - 1.25f, within(1e-6f));
        // Seen once at exactly 0: multiplied (stays 0), minus 0.75.
        assertThat(c.logit(3)).isCloseTo(-0.75f, within(1e-6f));
        // Never seen: untouched.
        assertThat(c.logit(2)).isEqualTo(1f);
        assertThat(c.logit(4)).isEqualTo(3f);
        assertThat(c.logit(5)).isEqualTo(-1f);
    }

    @Test
    void onlyTheLastWindowTokensCount() {
        RepetitionPenalty penalty = new RepetitionPenalty(4, 2, 1f, 1f, 0f);
        for (int id : new int[] {0, 1, 2}) {
            penalty.accept(id);
        }
        Candidates c = loaded(1f, 1f, 1f, 1f);
        penalty.apply(c);
        assertThat(c.logit(0)).as("pushed out of the window").isEqualTo(1f);
        assertThat(c.logit(1)).isEqualTo(0f);
        assertThat(c.logit(2)).isEqualTo(0f);
        assertThat(c.logit(3)).isEqualTo(1f);
    }

    @Test
    void countsFollowTheWindowOverLongSequences() {
        Random random = new Random(5);
        for (int window : new int[] {1, 3, 16, 17, 100, 1000}) {
            RepetitionPenalty penalty = new RepetitionPenalty(9, window, 1.3f, 0f, 0f);
            List<Integer> history = new ArrayList<>();
            for (int step = 0; step < 2500; step++) {
                int id = random.nextInt(9);
                penalty.accept(id);
                history.add(id);
                if (step % 97 == 0 || step == 2499) {
                    List<Integer> last = history.subList(Math.max(0, history.size() - window), history.size());
                    for (int t = 0; t < 9; t++) {
                        int tokenId = t;
                        assertThat(penalty.count(t)).as("window %d step %d token %d", window, step, t)
                                .isEqualTo((int) last.stream().filter(x -> x == tokenId).count());
                    }
                }
            }
        }
    }

    @Test
    void neutralSettingsOrAnEmptyWindowChangeNothing() {
        RepetitionPenalty neutral = new RepetitionPenalty(3, 64, 1f, 0f, 0f);
        RepetitionPenalty noWindow = new RepetitionPenalty(3, 0, 1.5f, 1f, 1f);
        assertThat(neutral.isActive()).isFalse();
        assertThat(noWindow.isActive()).isFalse();
        for (RepetitionPenalty p : List.of(neutral, noWindow)) {
            p.accept(0);
            Candidates c = loaded(2f, -1f, 0.5f);
            p.apply(c);
            assertThat(c.logit(0)).isEqualTo(2f);
        }
        assertThat(new RepetitionPenalty(3, 1, 1f, 0f, 0.1f).isActive()).isTrue();
    }

    @Test
    void primingThroughAChainFeedsThePromptIntoTheWindow() {
        RepetitionPenalty penalty = new RepetitionPenalty(5, 64, 1f, 1f, 0f);
        Sampler chain = new SamplerChain(List.of(penalty), new GreedySelector());
        chain.prime(new int[] {4, 4, 2});
        assertThat(penalty.count(4)).isEqualTo(2);
        assertThat(penalty.count(2)).isEqualTo(1);
        assertThat(chain.sample(new float[] {0f, 0f, 0f, 0f, 1.5f})).as("4 drops to -0.5").isEqualTo(0);
    }

    @Test
    void rejectsBadArgumentsAndIdsOutsideTheVocabulary() {
        RepetitionPenalty penalty = new RepetitionPenalty(3, 4, 1.1f, 0f, 0f);
        assertThatThrownBy(() -> penalty.accept(3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 3");
        assertThatThrownBy(() -> penalty.apply(loaded(1f, 2f))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("vocabulary of 3");
        assertThatThrownBy(() -> new RepetitionPenalty(3, -1, 1f, 0f, 0f))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RepetitionPenalty(3, 4, 0f, 0f, 0f))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RepetitionPenalty(3, 4, 1f, Float.NaN, 0f))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
