package dev.bitnet.kernels;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReadBandwidthTest {
    @Test
    void measuresEveryPassOverTheWholeRegion() {
        try (Arena arena = Arena.ofShared()) {
            // an odd size: the last thread's slice and the stream remainders must still be covered
            MemorySegment region = arena.allocate(4L * 1024 * 1024 + 8 * 7);
            ReadBandwidth.Result r = ReadBandwidth.measure(region, 2, 3);
            assertThat(r.bytes()).isEqualTo(region.byteSize());
            assertThat(r.threads()).isEqualTo(2);
            assertThat(r.passBytesPerSecond()).hasSize(3);
            for (double v : r.passBytesPerSecond()) {
                assertThat(v).isPositive().isFinite();
            }
            r.passBytesPerSecond()[0] = -1;
            assertThat(r.passBytesPerSecond()[0]).as("the result hands out copies").isPositive();
            assertThat(r.medianBytesPerSecond()).isBetween(
                    java.util.Arrays.stream(r.passBytesPerSecond()).min().orElseThrow(),
                    java.util.Arrays.stream(r.passBytesPerSecond()).max().orElseThrow());
        }
    }

    @Test
    void rejectsNonsense() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment small = arena.allocate(8);
            assertThatThrownBy(() -> ReadBandwidth.measure(small, 0, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ReadBandwidth.measure(small, 1, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> ReadBandwidth.measure(small, 2, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("too small");
        }
    }

    @Test
    void aConfinedRegionIsRejectedBeforeAnyThreadTouchesIt() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment confined = arena.allocate(1 << 16);
            assertThatThrownBy(() -> ReadBandwidth.measure(confined, 2, 1)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("confined");
            assertThat(ReadBandwidth.measure(confined, 1, 1).bytes()).as("one thread is the caller itself").isEqualTo(1 << 16);
        }
    }
}
