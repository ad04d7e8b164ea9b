package dev.bitnet.model;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TernarizerTest {
    private static Ternarizer.Result run(float[][] w, Arena arena) {
        return Ternarizer.ternarize("w", w.length, w[0].length, (r, dst) -> System.arraycopy(w[r], 0, dst, 0, w[r].length),
                new float[w[0].length], arena);
    }

    private static byte[] values(Ternarizer.Result r) {
        return r.values().toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void anAlreadyTernaryMatrixIsTakenExactly() {
        try (Arena arena = Arena.ofConfined()) {
            Ternarizer.Result r = run(new float[][] {{0.5f, 0f, -0.5f}, {0f, 0f, 0.5f}}, arena);
            assertThat(r.wasTernary()).isTrue();
            assertThat(r.scale()).isEqualTo(0.5f);
            assertThat(values(r)).containsExactly(1, 0, -1, 0, 0, 1);
        }
    }

    @Test
    void masterWeightsAreQuantizedByAbsmean() {
        try (Arena arena = Arena.ofConfined()) {
            // mean |w| = (0.1 + 0.4 + 1.0 + 0.3 + 2.0 + 0.2) / 6 = 0.6667
            Ternarizer.Result r = run(new float[][] {{0.1f, -0.4f, 1.0f}, {-0.3f, 2.0f, 0.2f}}, arena);
            assertThat(r.wasTernary()).isFalse();
            assertThat(r.scale()).isCloseTo(0.6667f, org.assertj.core.data.Offset.offset(1e-4f));
            // w / s: 0.15 -> 0, -0.6 -> -1, 1.5 -> 2 -> clamp 1, -0.45 -> 0, 3 -> 1, 0.3 -> 0
            assertThat(values(r)).containsExactly(0, -1, 1, 0, 1, 0);
        }
    }

    @Test
    void nonFiniteWeightsAreRejectedWithTheirPlace() {
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> run(new float[][] {{0f, 1f}, {Float.NaN, 1f}}, arena))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("row 1, column 0");
        }
    }
}
