package dev.bitnet;

import dev.bitnet.model.BatchPass;
import dev.bitnet.model.SequenceState;
import dev.bitnet.model.Transformer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A forward pass over rows of several sequences gives every sequence bit-identical logits to
 * evaluating it alone, whatever the mix of decode rows and prefill chunks, on every kernel.
 */
class BatchPassTest {
    static Stream<Arguments> models() {
        List<Arguments> list = new ArrayList<>();
        for (String file : List.of("tiny-a/gguf/tiny-a-i2_s.gguf", "tiny-a/gguf/tiny-a-tq2_0.gguf",
                "tiny-a-silu/gguf/tiny-a-silu-i2_s.gguf", "tiny-e-llama/gguf/tiny-e-llama-i2_s.gguf")) {
            for (String kernel : List.of("scalar", "vector", "native")) {
                list.add(Arguments.of(file, kernel));
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("models")
    void everySequenceGetsTheLogitsItGetsAlone(String file, String kernel) {
        LoadOptions options = LoadOptions.builder().kernel(kernel).threads(2).build();
        try (BitNetModel model = BitNetModel.load(Fixtures.file(file), options)) {
            int vocab = model.config().vocabSize();
            SplittableRandom random = new SplittableRandom(42);
            int sequences = 5;
            int[][] tokens = new int[sequences][];
            float[][] alone = new float[sequences][];
            for (int s = 0; s < sequences; s++) {
                tokens[s] = random.ints(20 + 9 * s, 0, vocab).toArray();
                try (Session session = model.newSession()) {
                    alone[s] = session.appendAll(tokens[s]);
                }
            }
            Transformer transformer = model.transformer();
            int maxRows = 12;
            try (BatchPass pass = new BatchPass(transformer, maxRows)) {
                SequenceState[] states = new SequenceState[sequences];
                float[][] logits = new float[sequences][vocab];
                int checked = 0;
                int multiSegmentPasses = 0;
                while (true) {
                    boolean any = false;
                    int[] added = new int[sequences];
                    for (int s = 0; s < sequences; s++) {
                        // sequences join at different passes, and add chunks of 1 to 6 rows
                        if (states[s] == null && random.nextInt(3) == 0) {
                            states[s] = new SequenceState(transformer, model.contextLength(), 4);
                        }
                        SequenceState st = states[s];
                        if (st == null || st.position() == tokens[s].length) {
                            continue;
                        }
                        any = true;
                        int count = Math.min(1 + random.nextInt(6), tokens[s].length - st.position());
                        if (pass.rows() + count > maxRows) {
                            continue;
                        }
                        pass.add(st, tokens[s], st.position(), count, logits[s]);
                        added[s] = count;
                    }
                    if (!any && Arrays.stream(states).allMatch(st -> st != null)) {
                        break;
                    }
                    if (Arrays.stream(added).filter(a -> a > 0).count() > 1) {
                        multiSegmentPasses++;
                    }
                    pass.run();
                    for (int s = 0; s < sequences; s++) {
                        if (added[s] > 0) {
                            int last = states[s].position() - 1;
                            float[] expected = Arrays.copyOfRange(alone[s], last * vocab, (last + 1) * vocab);
                            assertSame(kernel, logits[s], expected, file + " sequence " + s + " position " + last);
                            checked++;
                        }
                    }
                }
                for (SequenceState st : states) {
                    st.close();
                }
                assertThat(multiSegmentPasses).isGreaterThan(5);
                assertThat(checked).isGreaterThan(30);
            }
        }
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("models")
    void decodeRowsOfManySequencesMatchAlone(String file, String kernel) {
        LoadOptions options = LoadOptions.builder().kernel(kernel).threads(2).build();
        try (BitNetModel model = BitNetModel.load(Fixtures.file(file), options)) {
            int vocab = model.config().vocabSize();
            Transformer transformer = model.transformer();
            int sequences = 8;
            SplittableRandom random = new SplittableRandom(7);
            int[][] tokens = new int[sequences][];
            float[][] alone = new float[sequences][];
            for (int s = 0; s < sequences; s++) {
                tokens[s] = random.ints(3 + s, 0, vocab).toArray();
                try (Session session = model.newSession()) {
                    alone[s] = new float[tokens[s].length * vocab];
                    for (int i = 0; i < tokens[s].length; i++) {
                        // one token per call: the decode path of a single session
                        session.append(new int[] {tokens[s][i]}, logitsRow(alone[s], i, vocab));
                        System.arraycopy(lastLogits, 0, alone[s], i * vocab, vocab);
                    }
                }
            }
            try (BatchPass pass = new BatchPass(transformer, sequences)) {
                SequenceState[] states = new SequenceState[sequences];
                float[][] logits = new float[sequences][vocab];
                for (int s = 0; s < sequences; s++) {
                    states[s] = new SequenceState(transformer, model.contextLength(), 1);
                }
                for (int step = 0; step < tokens[sequences - 1].length; step++) {
                    for (int s = 0; s < sequences; s++) {
                        if (step < tokens[s].length) {
                            pass.add(states[s], tokens[s], step, 1, logits[s]);
                        }
                    }
                    pass.run();
                    for (int s = 0; s < sequences; s++) {
                        if (step < tokens[s].length) {
                            assertSame(kernel, logits[s], Arrays.copyOfRange(alone[s], step * vocab, (step + 1) * vocab), file + " step " + step);
                        }
                    }
                }
                for (SequenceState st : states) {
                    st.close();
                }
            }
        }
    }

    /**
     * Bit-identical on every kernel. (The Vector API kernel once needed a tolerance here: {@code reduceLanes(ADD)}
     * summed floats in one order interpreted and another compiled; its float sums now go through
     * {@code dev.bitnet.kernels.vector.Lanes}, one fixed order.)
     */
    private static void assertSame(String kernel, float[] actual, float[] expected, String what) {
        assertThat(actual).as("%s on the %s kernel", what, kernel).containsExactly(expected);
    }

    private static float[] lastLogits = new float[0];

    private static float[] logitsRow(float[] all, int row, int vocab) {
        if (lastLogits.length != vocab) {
            lastLogits = new float[vocab];
        }
        return lastLogits;
    }

    @org.junit.jupiter.api.Test
    void rejectsWhatDoesNotFit() {
        try (BitNetModel model = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"));
             BatchPass pass = new BatchPass(model.transformer(), 4);
             SequenceState st = new SequenceState(model.transformer(), 3, 4)) {
            assertThatThrownBy(() -> pass.add(st, new int[5], 0, 5, null)).hasMessageContaining("pass holding 0 of 4");
            assertThatThrownBy(() -> pass.add(st, new int[] {600}, 0, 1, null)).hasMessageContaining("outside the vocabulary");
            pass.add(st, new int[] {1}, 0, 1, null);
            assertThatThrownBy(() -> pass.add(st, new int[] {2}, 0, 1, null)).hasMessageContaining("already in this pass");
            pass.run();
            assertThat(st.position()).isEqualTo(1);
            assertThatThrownBy(() -> pass.add(st, new int[3], 0, 3, null)).hasMessageContaining("context length is 3");
        }
    }
}
