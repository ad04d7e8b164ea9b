package dev.bitnet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SessionTest {
    private static BitNetModel model;
    private static final int[] PROMPT = {508, 92, 190, 83, 176, 161, 318, 117};

    @BeforeAll
    static void load() {
        model = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"), LoadOptions.builder().contextLength(16).build());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void appendingPastTheContextThrowsWithTheNumbersAndLeavesTheSessionUnchanged() {
        try (Session s = model.newSession()) {
            s.append(PROMPT);
            assertThatThrownBy(() -> s.append(new int[9]))
                    .isInstanceOfSatisfying(ContextOverflowException.class, e -> {
                        assertThat(e.position()).isEqualTo(8);
                        assertThat(e.requested()).isEqualTo(9);
                        assertThat(e.contextLength()).isEqualTo(16);
                    })
                    .hasMessageContaining("context length is 16");
            assertThat(s.position()).isEqualTo(8);
            assertThat(s.append(new int[8])).hasSize(512);
            assertThat(s.position()).isEqualTo(16);
        }
    }

    @Test
    void tokenIdsOutsideTheVocabularyAreRejected() {
        try (Session s = model.newSession()) {
            assertThatThrownBy(() -> s.append(1, 512)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("token id 512 at index 1");
            assertThatThrownBy(() -> s.append(-1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> s.append()).isInstanceOf(IllegalArgumentException.class);
            assertThat(s.position()).isZero();
        }
    }

    @Test
    void truncatingAndReappendingGivesTheSameLogits() {
        try (Session s = model.newSession()) {
            float[] first = s.append(PROMPT);
            s.truncate(5);
            assertThat(s.tokens()).containsExactly(Arrays.copyOf(PROMPT, 5));
            float[] again = s.append(Arrays.copyOfRange(PROMPT, 5, PROMPT.length));
            assertThat(again).containsExactly(first);
            s.reset();
            assertThat(s.position()).isZero();
            assertThat(s.append(PROMPT)).containsExactly(first);
        }
    }

    @Test
    void appendAllReturnsTheLogitsOfEveryPositionAndTheLastRowEqualsAppend() {
        try (Session a = model.newSession(); Session b = model.newSession()) {
            float[] all = a.appendAll(PROMPT);
            float[] last = b.append(PROMPT);
            assertThat(all).hasSize(PROMPT.length * 512);
            assertThat(Arrays.copyOfRange(all, (PROMPT.length - 1) * 512, PROMPT.length * 512)).containsExactly(last);
        }
    }

    @Test
    void closedSessionsAndModelsRefuseWork() {
        Session s = model.newSession();
        s.close();
        s.close();
        assertThatThrownBy(() -> s.append(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        BitNetModel other = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"));
        Session t = other.newSession();
        other.close();
        assertThatThrownBy(() -> t.append(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThatThrownBy(other::newSession).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void manySessionsOnOneModelRunConcurrentlyAndGetTheSequentialResults() throws Exception {
        int[][] prompts = new int[8][];
        for (int i = 0; i < prompts.length; i++) {
            prompts[i] = new int[] {508, 10 + i, 20 + 3 * i, 40 + i, 7 * i + 1};
        }
        List<float[]> sequential = new ArrayList<>();
        for (int[] p : prompts) {
            try (Session s = model.newSession()) {
                sequential.add(s.appendAll(p));
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<float[]>> futures = new ArrayList<>();
            for (int[] p : prompts) {
                futures.add(pool.submit(() -> {
                    try (Session s = model.newSession()) {
                        return s.appendAll(p);
                    }
                }));
            }
            for (int i = 0; i < prompts.length; i++) {
                assertThat(futures.get(i).get()).as("session %d", i).containsExactly(sequential.get(i));
            }
        } finally {
            pool.shutdown();
        }
    }
}
