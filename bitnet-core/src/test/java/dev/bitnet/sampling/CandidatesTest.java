package dev.bitnet.sampling;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CandidatesTest {

    @Test
    void loadCopiesTheLogitsInIdOrderAndNeverWritesTheCallersArray() {
        float[] logits = {0.5f, Float.NaN, -2f};
        Candidates c = new Candidates();
        c.load(logits);
        c.setLogit(0, 9f);
        assertThat(logits).containsExactly(0.5f, Float.NaN, -2f);
        assertThat(c.size()).isEqualTo(3);
        assertThat(c.vocabSize()).isEqualTo(3);
        assertThat(c.tokenId(2)).isEqualTo(2);
        assertThat(c.logit(0)).isEqualTo(9f);
        assertThat(c.logit(1)).as("NaN counts as -Infinity").isEqualTo(Float.NEGATIVE_INFINITY);
        assertThatThrownBy(() -> c.load(new float[0])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void bestIndexPrefersHigherLogitThenLowerIdAndSkipsMinusInfinity() {
        Candidates c = loaded(1f, 3f, 3f, 2f);
        assertThat(c.bestIndex()).isEqualTo(1);
        c.keepTop(4);
        c.setLogit(c.indexOf(2), 5f);
        assertThat(c.tokenId(c.bestIndex())).isEqualTo(2);
        assertThat(loaded(Float.NEGATIVE_INFINITY, Float.NaN).bestIndex()).isEqualTo(-1);

        Candidates reordered = loaded(1f, 3f, 3f);
        reordered.keepTop(3);
        reordered.setLogit(reordered.indexOf(0), 3f);
        assertThat(ids(reordered)).containsExactly(1, 2, 0);
        assertThat(reordered.bestIndex()).as("token 0 ties and has the lowest id").isEqualTo(2);
    }

    @Test
    void sortTopMatchesAFullSortForEveryKAndReusesEarlierWork() {
        Random random = new Random(11);
        for (int trial = 0; trial < 210; trial++) {
            // Small, medium (heap selection) and large (quickselect beyond 4096) working sets.
            int n = 1 + random.nextInt(trial < 100 ? 40 : trial < 200 ? 3000 : 30_000);
            float[] logits = new float[n];
            for (int i = 0; i < n; i++) {
                // Few distinct values so that ties (and -0.0 vs 0.0) are common.
                logits[i] = switch (random.nextInt(10)) {
                    case 0 -> Float.NEGATIVE_INFINITY;
                    case 1 -> -0.0f;
                    case 2 -> 0.0f;
                    default -> random.nextInt(7) - 3;
                };
            }
            List<Integer> expected = rankOrder(logits);
            Candidates c = loaded(logits);
            int k = 0;
            while (k < n) {
                k = Math.min(n, k + 1 + random.nextInt(Math.max(1, n / 3)));
                assertThat(c.sortTop(k)).isEqualTo(k);
                assertThat(ids(c).subList(0, k)).as("n=%d k=%d", n, k).isEqualTo(expected.subList(0, k));
                List<Integer> all = ids(c);
                all.sort(null);
                assertThat(all).as("nothing is lost").isEqualTo(expected.stream().sorted().toList());
                int wrongLogit = -1;
                for (int i = 0; i < n && wrongLogit < 0; i++) {
                    wrongLogit = c.logit(i) == logits[c.tokenId(i)] ? -1 : i;
                }
                assertThat(wrongLogit).as("first candidate whose logit does not belong to its token").isEqualTo(-1);
            }
        }
    }

    @Test
    void keepTopKeepsTheBestInRankOrder() {
        Candidates c = loaded(1f, 5f, 3f, 3f, 3f, 0f);
        c.keepTop(3);
        assertThat(ids(c)).containsExactly(1, 2, 3);
        c.keepTop(10);
        assertThat(ids(c)).containsExactly(1, 2, 3);
        c.keepTop(0);
        assertThat(c.size()).isZero();
    }

    @Test
    void retainAtLeastKeepsOrderAndTheSortedPrefix() {
        Candidates c = loaded(0f, 4f, -1f, 2f, 3f, -5f, 1f);
        c.sortTop(2);
        assertThat(ids(c).subList(0, 2)).containsExactly(1, 4);
        c.retainAtLeast(0.5f);
        assertThat(ids(c)).hasSize(4).startsWith(1, 4).containsExactlyInAnyOrder(1, 4, 3, 6);
        c.sortTop(4);
        assertThat(ids(c)).containsExactly(1, 4, 3, 6);

        Candidates fresh = loaded(3f, -1f, 2f);
        fresh.retainAtLeast(0f);
        assertThat(ids(fresh)).containsExactly(0, 2);
        assertThat(fresh.indexOf(2)).isEqualTo(1);
        assertThat(fresh.indexOf(1)).isEqualTo(-1);
    }

    @Test
    void keepFirstTruncates() {
        Candidates c = loaded(1f, 2f, 3f);
        c.keepFirst(2);
        assertThat(ids(c)).containsExactly(0, 1);
        assertThat(c.indexOf(2)).isEqualTo(-1);
        assertThatThrownBy(() -> c.keepFirst(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> c.tokenId(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aLaterLoadStartsAfreshWithTheSameArrays() {
        Candidates c = loaded(1f, 2f, 3f, 4f);
        c.keepTop(2);
        c.load(new float[] {7f, 8f});
        assertThat(ids(c)).containsExactly(0, 1);
        assertThat(c.vocabSize()).isEqualTo(2);
        assertThat(c.maxLogit()).isEqualTo(8f);
    }

    static Candidates loaded(float... logits) {
        Candidates c = new Candidates();
        c.load(logits);
        return c;
    }

    static List<Integer> ids(Candidates c) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < c.size(); i++) {
            ids.add(c.tokenId(i));
        }
        return ids;
    }

    /** Token ids by rank: higher logit first, lower id first among equal logits (-0.0 equals 0.0). */
    static List<Integer> rankOrder(float[] logits) {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < logits.length; i++) {
            ids.add(i);
        }
        ids.sort(Comparator.<Integer>comparingDouble(i -> -(logits[i] + 0.0)).thenComparing(i -> i));
        return ids;
    }
}
