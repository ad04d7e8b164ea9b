package dev.bitnet.model;

import dev.bitnet.BitNetModel;
import dev.bitnet.Fixtures;
import dev.bitnet.LoadOptions;
import dev.bitnet.Session;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Logits of every fixture GGUF against the independent implementations, with the tolerance rules
 * of {@code shared/fixtures/README.md}: against transformers mean <= 0.04 and max <= 0.3; against
 * bitnet.cpp / llama.cpp mean <= 0.06 and max <= 0.4; no argmax disagreement where the reference's
 * top-2 gap is at least 0.25. Both one-token-per-step and whole-sequence (batch) evaluation.
 */
class FixtureLogitsTest {
    private static final double HF_MEAN = 0.04;
    private static final double HF_MAX = 0.3;
    private static final double CPP_MEAN = 0.06;
    private static final double CPP_MAX = 0.4;

    /** A model file (a GGUF, or "hf" for the Hugging Face checkpoint) and the references it is checked against. */
    record Case(String model, String gguf, List<String> references) {
        String path() {
            return gguf.equals("hf") ? model + "/hf" : model + "/gguf/" + gguf;
        }

        @Override
        public String toString() {
            return gguf.equals("hf") ? model + "/hf" : gguf;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(
                new Case("tiny-a", "tiny-a-i2_s.gguf", List.of("transformers", "bitnetcpp/i2_s")),
                new Case("tiny-a", "tiny-a-tq2_0.gguf", List.of("transformers", "bitnetcpp/tq2_0")),
                new Case("tiny-a", "tiny-a-tq1_0.gguf", List.of("transformers", "bitnetcpp/tq1_0")),
                new Case("tiny-a", "tiny-a-f32.gguf", List.of("transformers", "bitnetcpp/f32")),
                new Case("tiny-a-silu", "tiny-a-silu-i2_s.gguf", List.of("transformers", "bitnetcpp/silu-i2_s")),
                new Case("tiny-a-silu", "tiny-a-silu-tq2_0.gguf", List.of("llamacpp/silu-tq2_0")),
                new Case("tiny-e-llama", "tiny-e-llama-i2_s.gguf", List.of("transformers", "bitnetcpp/i2_s")),
                new Case("tiny-e-llama", "tiny-e-llama-tq2_0.gguf", List.of("transformers", "llamacpp/tq2_0")),
                new Case("tiny-a", "hf", List.of("transformers")),
                new Case("tiny-a-silu", "hf", List.of("transformers")),
                new Case("tiny-c-bf16", "hf", List.of("transformers")),
                new Case("tiny-e-llama", "hf", List.of("transformers")));
    }

    static Stream<Arguments> casesAndModes() {
        return cases().flatMap(c -> Stream.of(Arguments.of(c, false), Arguments.of(c, true)));
    }

    static int[] sequence(String model) {
        String json = Fixtures.text(model + "/transformers/reference.json");
        int[] prompt = Fixtures.intArray(json, "prompt");
        int[] generated = Fixtures.intArray(json, "generated_greedy");
        int[] all = new int[prompt.length + generated.length];
        System.arraycopy(prompt, 0, all, 0, prompt.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        return all;
    }

    static float[] run(BitNetModel model, int[] ids, boolean batch) {
        try (Session s = model.newSession()) {
            if (batch) {
                return s.appendAll(ids);
            }
            int vocab = model.config().vocabSize();
            float[] all = new float[ids.length * vocab];
            float[] row = new float[vocab];
            for (int i = 0; i < ids.length; i++) {
                s.append(new int[] {ids[i]}, row);
                System.arraycopy(row, 0, all, i * vocab, vocab);
            }
            return all;
        }
    }

    @ParameterizedTest(name = "{0} batch={1}")
    @MethodSource("casesAndModes")
    void logitsMatchTheReferenceImplementations(Case c, boolean batch) {
        int[] ids = sequence(c.model());
        try (BitNetModel model = BitNetModel.load(Fixtures.file(c.path()))) {
            int vocab = model.config().vocabSize();
            float[] actual = run(model, ids, batch);
            for (String ref : c.references()) {
                boolean hf = ref.equals("transformers");
                String file = hf ? c.model() + "/transformers/logits.f32" : c.model() + "/" + ref + (batch ? ".batch.f32" : ".seq.f32");
                LogitsComparison cmp = LogitsComparison.of(actual, Fixtures.floats(file), vocab);
                assertThat(cmp.meanAbs()).as("%s vs %s: %s", c.gguf(), file, cmp).isLessThanOrEqualTo(hf ? HF_MEAN : CPP_MEAN);
                assertThat(cmp.maxAbs()).as("%s vs %s: %s", c.gguf(), file, cmp).isLessThanOrEqualTo(hf ? HF_MAX : CPP_MAX);
                assertThat(cmp.decisiveArgmaxMisses()).as("%s vs %s: %s", c.gguf(), file, cmp).isEmpty();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void oneTokenAndBatchEvaluationAgree(Case c) {
        int[] ids = sequence(c.model());
        try (BitNetModel model = BitNetModel.load(Fixtures.file(c.path()))) {
            LogitsComparison cmp = LogitsComparison.of(run(model, ids, false), run(model, ids, true), model.config().vocabSize());
            // same arithmetic in a different chunking: only float summation order may differ
            assertThat(cmp.maxAbs()).as(cmp.toString()).isLessThan(1e-3);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void greedyGenerationReproducesTheReferenceUpToTheFirstCloseCall(Case c) {
        String json = Fixtures.text(c.model() + "/transformers/reference.json");
        int[] prompt = Fixtures.intArray(json, "prompt");
        int[] expected = Fixtures.intArray(json, "generated_greedy");
        float[] reference = Fixtures.floats(c.model() + "/transformers/logits.f32");
        try (BitNetModel model = BitNetModel.load(Fixtures.file(c.path()));
             Session s = model.newSession()) {
            int vocab = model.config().vocabSize();
            float[] logits = s.append(prompt);
            for (int i = 0; i < expected.length; i++) {
                int refPos = prompt.length - 1 + i;
                if (LogitsComparison.topTwoGap(reference, refPos * vocab, vocab) < LogitsComparison.DECISIVE_GAP) {
                    break;
                }
                int next = LogitsComparison.argmax(logits, 0, vocab);
                assertThat(next).as("generated token %d of %s", i, c.gguf()).isEqualTo(expected[i]);
                logits = s.append(next);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void theScalarReferenceKernelMatchesToo(Case c) {
        int[] ids = sequence(c.model());
        LoadOptions scalar = LoadOptions.builder().kernel("scalar").build();
        try (BitNetModel model = BitNetModel.load(Fixtures.file(c.path()), scalar)) {
            String ref = c.references().getFirst();
            boolean hf = ref.equals("transformers");
            String file = hf ? c.model() + "/transformers/logits.f32" : c.model() + "/" + ref + ".batch.f32";
            LogitsComparison cmp = LogitsComparison.of(run(model, ids, true), Fixtures.floats(file), model.config().vocabSize());
            assertThat(cmp.meanAbs()).as(cmp.toString()).isLessThanOrEqualTo(hf ? HF_MEAN : CPP_MEAN);
            assertThat(cmp.decisiveArgmaxMisses()).as(cmp.toString()).isEmpty();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anInt8HeadStaysWithinTheTolerance(Case c) {
        int[] ids = sequence(c.model());
        LoadOptions int8 = LoadOptions.builder().int8Head(true).build();
        try (BitNetModel model = BitNetModel.load(Fixtures.file(c.path()), int8)) {
            String ref = c.references().getFirst();
            boolean hf = ref.equals("transformers");
            String file = hf ? c.model() + "/transformers/logits.f32" : c.model() + "/" + ref + ".batch.f32";
            LogitsComparison cmp = LogitsComparison.of(run(model, ids, true), Fixtures.floats(file), model.config().vocabSize());
            assertThat(cmp.meanAbs()).as(cmp.toString()).isLessThanOrEqualTo(hf ? HF_MEAN : CPP_MEAN);
            assertThat(cmp.maxAbs()).as(cmp.toString()).isLessThanOrEqualTo(hf ? HF_MAX : CPP_MAX);
            assertThat(cmp.decisiveArgmaxMisses()).as(cmp.toString()).isEmpty();
        }
    }
}
