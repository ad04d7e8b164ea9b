package dev.bitnet.tokenizer;

/**
 * The BPE merge rules as a hash table from a pair of adjacent token ids to the merge's rank (its
 * position in the merge list; lower merges first) and the id of the merged token. Each slot is two
 * adjacent longs, key then value, so a lookup usually touches one cache line.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    /** Slot i: {@code [2i]} = left << 32 | right, {@code [2i + 1]} = rank << 32 | result. */
    private final long[] slots;
    private final int mask;
    private final int shift;

    MergeTable(int expected) {
        // Load factor at most 0.75 (at least 0.375): linear probing stays short.
        int capacity = Integer.highestOneBit(Math.max(expected, 8) * 4 / 3) << 1;
        slots = new long[2 * capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        for (int i = 0; i < slots.length; i += 2) {
            slots[i] = EMPTY;
        }
    }

    /**
     * Adds the merge {@code left right -> result} with {@code rank}; a pair already present keeps its
     * first (higher-priority) rule.
     */
    void put(int left, int right, int rank, int result) {
        long key = key(left, right);
        int slot = slot(key);
        while (slots[2 * slot] != EMPTY) {
            if (slots[2 * slot] == key) {
                return;
            }
            slot = (slot + 1) & mask;
        }
        slots[2 * slot] = key;
        slots[2 * slot + 1] = ((long) rank << 32) | (result & 0xFFFFFFFFL);
    }

    /**
     * The rule for {@code left right} as {@code rank << 32 | result}, or -1 if those two tokens never
     * merge. Ranks and ids are non-negative, so a rule is never -1 and compares by rank first.
     */
    long find(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long k = slots[2 * slot];
            if (k == key) {
                return slots[2 * slot + 1];
            }
            if (k == EMPTY) {
                return -1L;
            }
            slot = (slot + 1) & mask;
        }
    }

    static int rank(long rule) {
        return (int) (rule >>> 32);
    }

    static int result(long rule) {
        return (int) rule;
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }
}
