package dev.bitnet;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.model.HeadUse;
import dev.bitnet.model.SyntheticModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounded head (LoadOptions.HeadMode.BOUNDED) generates what the exact head generates: greedy ids over
 * many prompts, and sampled ids with a fixed seed, on a fixture and on synthetic models; logits returned by
 * Session.append stay the exact head's.
 */
class BoundedHeadGenerationTest {
    @Test
    void generationMatchesTheExactHead(@TempDir Path dir) {
        Path synthetic = dir.resolve("small.gguf");
        SyntheticModel.write(SyntheticModel.Shape.SMALL, TernaryLayout.I2_S, 9, synthetic, FloatFormat.F16);
        Path bf16 = dir.resolve("tiny-bf16.gguf");
        SyntheticModel.write(SyntheticModel.Shape.TINY, TernaryLayout.I2_S, 4, bf16, FloatFormat.BF16);
        for (Path file : List.of(Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf"), synthetic, bf16)) {
            for (String kernel : List.of("scalar", "native")) {
                if (kernel.equals("native") && dev.bitnet.kernels.Kernels.providers().stream()
                        .noneMatch(p -> p.name().equals("native") && p.unavailableReason().isEmpty())) {
                    continue;
                }
                compare(file, kernel);
            }
        }
    }

    private static void compare(Path file, String kernel) {
        LoadOptions.Builder base = LoadOptions.builder().threads(2).kernel(kernel);
        try (BitNetModel exact = BitNetModel.load(file, base.headMode(LoadOptions.HeadMode.EXACT).build());
             BitNetModel bounded = BitNetModel.load(file, base.headMode(LoadOptions.HeadMode.BOUNDED).build())) {
            int vocab = exact.config().vocabSize();
            Random rnd = new Random(3);
            int prompts = kernel.equals("scalar") ? 3 : 12;
            for (int p = 0; p < prompts; p++) {
                int[] prompt = new int[1 + rnd.nextInt(6)];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = rnd.nextInt(Math.min(vocab, 256));
                }
                GenerationOptions greedy = GenerationOptions.greedy().toBuilder().maxTokens(8).repeatPenalty(1.0)
                        .stopTokenIds(java.util.Set.of()).build();
                assertThat(bounded.generate(prompt, greedy, GenerationListener.NONE).tokenIds())
                        .as("%s %s greedy prompt %d", file.getFileName(), kernel, p)
                        .containsExactly(exact.generate(prompt, greedy, GenerationListener.NONE).tokenIds());
                GenerationOptions sampled = GenerationOptions.builder().temperature(0.8).topK(40).topP(0.95).minP(0.05)
                        .repeatPenalty(1.0).maxTokens(8).seed(100 + p).build();
                assertThat(bounded.generate(prompt, sampled, GenerationListener.NONE).tokenIds())
                        .as("%s %s sampled prompt %d", file.getFileName(), kernel, p)
                        .containsExactly(exact.generate(prompt, sampled, GenerationListener.NONE).tokenIds());
            }
            try (Session a = exact.newSession(); Session b = bounded.newSession()) {
                assertThat(b.append(1, 2, 3)).containsExactly(a.append(1, 2, 3));
                float[] greedyLogits = new float[vocab];
                b.append(new int[] {4}, greedyLogits, HeadUse.GREEDY);
                float[] exactLogits = a.append(4);
                assertThat(argmax(greedyLogits)).isEqualTo(argmax(exactLogits));
            }
        }
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
