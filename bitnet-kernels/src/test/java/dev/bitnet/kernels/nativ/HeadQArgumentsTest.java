package dev.bitnet.kernels.nativ;

import dev.bitnet.kernels.FloatFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** bitnet_head_q trusts its arguments: the Java binding must reject every bad one before the call. */
class HeadQArgumentsTest {
    private static final int COLS = 512;
    private static final int ROWS = 4;
    private static final int BATCH = 2;
    private static NativeLibrary lib;
    private static Arena arena;
    private static MemorySegment w;
    private static MemorySegment q;
    private static MemorySegment d;
    private static MemorySegment sums;
    private static MemorySegment y;

    @BeforeAll
    static void load() {
        try {
            lib = NativeLibrary.best();
        } catch (NativeLibrary.UnavailableException e) {
            Assumptions.abort("no native library here: " + e.getMessage());
        }
        arena = Arena.ofShared();
        w = arena.allocate(ROWS * FloatFormat.Q6_K.rowBytes(COLS));
        q = arena.allocate((long) BATCH * COLS);
        d = arena.allocate((long) BATCH * (COLS / 256) * 4);
        sums = arena.allocate((long) BATCH * (COLS / 16) * 4);
        y = arena.allocate((long) BATCH * ROWS * 4);
    }

    @AfterAll
    static void close() {
        if (arena != null) {
            arena.close();
        }
    }

    @Test
    void validCallRuns() {
        assertThatCode(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d, sums, BATCH, y, ROWS)).doesNotThrowAnyException();
    }

    @Test
    void rejectsFormatsItDoesNotCompute() {
        assertThatThrownBy(() -> lib.headQ(FloatFormat.F16, w, COLS, 0, ROWS, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("F16");
        assertThatThrownBy(() -> lib.headQ(null, w, COLS, 0, ROWS, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void rejectsBadShapes() {
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, 0, 0, ROWS, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, 300, 0, ROWS, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 256");
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d, sums, 0, y, ROWS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch");
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d, sums, -1, y, ROWS))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsRowRangesOutsideTheWeights() {
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, -1, ROWS, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS + 1, q, d, sums, BATCH, y, ROWS + 1))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 3, 2, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(IndexOutOfBoundsException.class);
        // the same bytes read as a format with longer rows hold fewer of them
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q5_K, w.asSlice(0, 3 * FloatFormat.Q5_K.rowBytes(COLS)), COLS, 0, ROWS,
                q, d, sums, BATCH, y, ROWS)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void rejectsShortBuffers() {
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q.asSlice(1), d, sums, BATCH, y, ROWS))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("codes");
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d.asSlice(4), sums, BATCH, y, ROWS))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("scales");
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d, sums.asSlice(4), BATCH, y, ROWS))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("sums");
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d, sums, BATCH, y.asSlice(4), ROWS))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("output");
        // Q4_0 has one scale per 32 values: sixteen per row here, not two
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q4_0, w, COLS, 0, 1, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("scales");
    }

    @Test
    void rejectsBadStridesAndHeapMemory() {
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d, sums, BATCH, y, ROWS - 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stride");
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, q, d, sums, BATCH, y, Long.MAX_VALUE / 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
        MemorySegment heap = MemorySegment.ofArray(new byte[(int) w.byteSize()]);
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, heap, COLS, 0, ROWS, q, d, sums, BATCH, y, ROWS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("off-heap");
        assertThatThrownBy(() -> lib.headQ(FloatFormat.Q6_K, w, COLS, 0, ROWS, null, d, sums, BATCH, y, ROWS))
                .isInstanceOf(NullPointerException.class);
    }
}
