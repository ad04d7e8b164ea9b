package dev.bitnet.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KvCacheTest {
    @Test
    void growsInStepsAndKeepsWhatWasStored() {
        KvCache cache = new KvCache(2, 4, 1000);
        cache.ensureCapacity(3);
        cache.keys(1)[2 * 4 + 3] = 7f;
        cache.ensureCapacity(600);
        assertThat(cache.keys(1)).hasSizeGreaterThanOrEqualTo(600 * 4);
        assertThat(cache.keys(1)[2 * 4 + 3]).isEqualTo(7f);
    }

    @Test
    void aCacheTooLargeForAJavaArrayFailsWithTheNumbersInsteadOfANegativeSize() {
        KvCache cache = new KvCache(1, 1 << 16, 1 << 20);
        assertThatThrownBy(() -> cache.ensureCapacity(1 << 16)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("65536 positions x 65536 values").hasMessageContaining("shorter context length");
    }

    @Test
    void positionsPastTheLimitAreRefused() {
        KvCache cache = new KvCache(1, 8, 16);
        assertThatThrownBy(() -> cache.ensureCapacity(17)).isInstanceOf(IllegalStateException.class).hasMessageContaining("16");
    }
}
