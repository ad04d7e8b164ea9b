package dev.bitnet.gguf;

import dev.bitnet.Fixtures;
import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.format.FloatCodec;
import dev.bitnet.kernels.format.TernaryCodec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fixtures of one model in several formats must decode to the same weights: the ternary
 * codecs against each other and against the F32 file, the float codecs against F32 and F16.
 */
class FixtureCodecCrossCheckTest {
    private static final List<String> TERNARY = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down");

    @Test
    void i2sTq2Tq1AndF32HoldTheSameTernaryWeights() {
        try (GgufFile i2s = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf"));
             GgufFile tq2 = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-tq2_0.gguf"));
             GgufFile tq1 = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-tq1_0.gguf"));
             GgufFile f32 = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-f32.gguf"));
             GgufFile silu = GgufFile.open(Fixtures.gguf("tiny-a-silu", "tiny-a-silu-i2_s.gguf"))) {
            List<Float> scales = new ArrayList<>();
            for (int layer = 0; layer < 2; layer++) {
                for (String proj : TERNARY) {
                    String name = "blk." + layer + "." + proj + ".weight";
                    GgufTensor t = i2s.tensor(name).orElseThrow();
                    int cols = (int) t.dim(0);
                    int rows = (int) t.dim(1);

                    byte[] fromI2s = decodeAll(i2s, name, TernaryLayout.I2_S, rows, cols);
                    assertThat(decodeAll(tq2, name, TernaryLayout.TQ2_0, rows, cols)).as(name + " TQ2_0").isEqualTo(fromI2s);
                    assertThat(decodeAll(tq1, name, TernaryLayout.TQ1_0, rows, cols)).as(name + " TQ1_0").isEqualTo(fromI2s);
                    assertThat(decodeAll(silu, name, TernaryLayout.I2_S, rows, cols)).as(name + " silu").isEqualTo(fromI2s);
                    int[] counts = new int[3];
                    for (byte v : fromI2s) {
                        assertThat((int) v).isBetween(-1, 1);
                        counts[v + 1]++;
                    }
                    assertThat(Arrays.stream(counts).min().orElseThrow()).as("%s uses all three values", name).isGreaterThan(rows * cols / 10);

                    float scale = scale(i2s, name, TernaryLayout.I2_S, rows, cols);
                    assertThat(scale(tq2, name, TernaryLayout.TQ2_0, rows, cols)).as(name).isEqualTo(scale);
                    assertThat(scale(tq1, name, TernaryLayout.TQ1_0, rows, cols)).as(name).isEqualTo(scale);
                    assertThat(scale).isPositive();
                    scales.add(scale);

                    GgufTensor full = f32.tensor(name).orElseThrow();
                    assertThat(full.type()).isEqualTo(GgmlType.F32);
                    float[] row = new float[cols];
                    for (int r = 0; r < rows; r++) {
                        FloatCodec.decodeRow(FloatFormat.F32, f32.data(full), cols, r, row, 0);
                        for (int c = 0; c < cols; c++) {
                            // Every weight is exactly t * s (the fixture keeps them representable in f16).
                            if (row[c] / scale != fromI2s[r * cols + c]) {
                                throw new AssertionError(name + "[" + r + "][" + c + "]: F32 " + row[c] + " / scale " + scale
                                        + " != ternary " + fromI2s[r * cols + c]);
                            }
                        }
                    }
                }
            }
            assertThat(scales).as("each tensor has its own scale").doesNotHaveDuplicates();
        }
    }

    @Test
    void f16EmbeddingEqualsTheF32One() {
        try (GgufFile f16 = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-i2_s.gguf"));
             GgufFile f32 = GgufFile.open(Fixtures.gguf("tiny-a", "tiny-a-f32.gguf"))) {
            float[][] a = decodeFloats(f16, "token_embd.weight");
            float[][] b = decodeFloats(f32, "token_embd.weight");
            assertThat(a).isDeepEqualTo(b);
            assertThat(a[508]).as("rows are not all zero").isNotEqualTo(new float[256]);
        }
    }

    @Test
    void q6kEmbeddingIsCloseToTheF16OneItWasQuantizedFrom() {
        try (GgufFile q6k = GgufFile.open(Fixtures.gguf("tiny-a-silu", "tiny-a-silu-tq2_0.gguf"));
             GgufFile f16 = GgufFile.open(Fixtures.gguf("tiny-a-silu", "tiny-a-silu-i2_s.gguf"))) {
            assertThat(q6k.tensor("token_embd.weight").orElseThrow().type()).isEqualTo(GgmlType.Q6_K);
            float[][] quantized = decodeFloats(q6k, "token_embd.weight");
            float[][] exact = decodeFloats(f16, "token_embd.weight");
            double maxAbs = 0;
            double maxErr = 0;
            double sumErr = 0;
            int n = 0;
            for (int r = 0; r < exact.length; r++) {
                for (int c = 0; c < exact[r].length; c++) {
                    maxAbs = Math.max(maxAbs, Math.abs(exact[r][c]));
                    double err = Math.abs(quantized[r][c] - exact[r][c]);
                    maxErr = Math.max(maxErr, err);
                    sumErr += err;
                    n++;
                }
            }
            // 6-bit codes with a per-16 scale: the error stays within about 1/64 of a block's range.
            assertThat(maxErr / maxAbs).as("max error relative to the value range").isLessThan(0.02).isGreaterThan(0);
            assertThat(sumErr / n / maxAbs).as("mean error relative to the value range").isLessThan(0.005);
        }
    }

    private static byte[] decodeAll(GgufFile file, String name, TernaryLayout layout, int rows, int cols) {
        GgufTensor t = file.tensor(name).orElseThrow();
        assertThat(t.type().ternaryLayout()).contains(layout);
        assertThat(t.shape()).containsExactly(cols, rows);
        TernaryCodec.validate(name, layout, rows, cols, file.data(t));
        byte[] all = new byte[rows * cols];
        byte[] row = new byte[cols];
        for (int r = 0; r < rows; r++) {
            TernaryCodec.decodeRow(layout, file.data(t), cols, r, row);
            System.arraycopy(row, 0, all, r * cols, cols);
        }
        return all;
    }

    private static float scale(GgufFile file, String name, TernaryLayout layout, int rows, int cols) {
        return TernaryCodec.scale(name, layout, rows, cols, file.data(file.tensor(name).orElseThrow()));
    }

    private static float[][] decodeFloats(GgufFile file, String name) {
        GgufTensor t = file.tensor(name).orElseThrow();
        FloatFormat format = t.type().floatFormat().orElseThrow();
        int cols = (int) t.dim(0);
        int rows = (int) t.dim(1);
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            FloatCodec.decodeRow(format, file.data(t), cols, r, out[r], 0);
        }
        return out;
    }
}
