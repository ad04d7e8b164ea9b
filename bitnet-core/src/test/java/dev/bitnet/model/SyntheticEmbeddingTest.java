package dev.bitnet.model;

import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import dev.bitnet.Session;
import dev.bitnet.gguf.GgmlType;
import dev.bitnet.gguf.GgufFile;
import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.KernelProvider;
import dev.bitnet.kernels.Kernels;
import dev.bitnet.kernels.TernaryLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Synthetic models with each embedding format: the file holds the asked-for ggml type, its logits stay
 * close to the F16 model's (same values, quantized), and every kernel that runs here gives the scalar
 * kernel's greedy continuation with logits within float noise (the block heads are bit-exact; the layers'
 * float parts may differ in the last bits).
 */
class SyntheticEmbeddingTest {
    private static final int[] PROMPT = {300, 72, 101, 108, 108, 111, 32, 400};

    @Test
    void everyEmbeddingFormatLoadsAndAgreesAcrossKernels(@TempDir Path dir) {
        Path f16 = dir.resolve("f16.gguf");
        SyntheticModel.write(SyntheticModel.Shape.TINY, TernaryLayout.I2_S, 5, f16, FloatFormat.F16);
        float[] base = logits(f16, "scalar");
        double spread = 0;
        for (float v : base) {
            spread += v * v;
        }
        spread = Math.sqrt(spread / base.length);
        List<String> kernels = new ArrayList<>();
        for (KernelProvider p : Kernels.providers()) {
            if (p.unavailableReason().isEmpty()) {
                kernels.add(p.name());
            }
        }
        for (FloatFormat format : List.of(FloatFormat.BF16, FloatFormat.Q8_0, FloatFormat.Q6_K, FloatFormat.Q5_K,
                FloatFormat.Q4_K, FloatFormat.Q4_0)) {
            Path file = dir.resolve(format + ".gguf");
            SyntheticModel.write(SyntheticModel.Shape.TINY, TernaryLayout.I2_S, 5, file, format);
            try (GgufFile gguf = GgufFile.open(file)) {
                assertThat(gguf.tensor("token_embd.weight").orElseThrow().type()).isEqualTo(GgmlType.valueOf(format.name()));
            }
            float[] reference = logits(file, "scalar");
            double diff = 0;
            for (int i = 0; i < base.length; i++) {
                diff += Math.abs(reference[i] - base[i]);
            }
            double tolerance = switch (format) {
                case BF16, Q8_0 -> 0.03;
                case Q6_K -> 0.08;
                default -> 0.4;
            };
            assertThat(diff / base.length / spread).as("%s against F16, relative mean abs difference", format).isLessThan(tolerance);
            for (String kernel : kernels) {
                float[] got = logits(file, kernel);
                for (int i = 0; i < got.length; i++) {
                    assertThat((double) got[i]).as("%s %s logit %d", format, kernel, i)
                            .isCloseTo(reference[i], org.assertj.core.data.Offset.offset(1e-3 * spread));
                }
                assertThat(argmax(got)).as("%s %s", format, kernel).isEqualTo(argmax(reference));
            }
        }
    }

    @Test
    void rejectsEmbeddingsTheShapeCannotHold(@TempDir Path dir) {
        SyntheticModel.Shape odd = new SyntheticModel.Shape("odd", 1, 384, 384, 3, 1, 300, 64);
        assertThatThrownBy(() -> SyntheticModel.write(odd, TernaryLayout.I2_S, 1, dir.resolve("x.gguf"), FloatFormat.Q6_K))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("384");
        assertThatThrownBy(() -> SyntheticModel.write(odd, TernaryLayout.I2_S, 1, dir.resolve("x.gguf"), FloatFormat.F32))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static float[] logits(Path file, String kernel) {
        try (BitNetModel model = BitNetModel.load(file, LoadOptions.builder().kernel(kernel).threads(2).build());
             Session session = model.newSession()) {
            float[] last = null;
            for (int id : PROMPT) {
                last = session.append(id);
            }
            return last.clone();
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
