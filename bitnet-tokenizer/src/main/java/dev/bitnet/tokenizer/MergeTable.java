package dev.bitnet.tokenizer;

import java.util.Arrays;

/**
 * The BPE merge rules as a hash table from a pair of adjacent token ids to the merge's rank (its
 * position in the merge list; lower merges first) and the id of the merged token.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    private final int shift;

    MergeTable(int expected) {
        int capacity = Integer.highestOneBit(Math.max(expected, 8) * 2 - 1) << 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        keys = new long[capacity];
        ranks = new int[capacity];
        results = new int[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    /**
     * Adds the merge {@code left right -> result} with {@code rank}; a pair already present keeps its
     * first (higher-priority) rule.
     */
    void put(int left, int right, int rank, int result) {
        long key = key(left, right);
        int slot = slot(key);
        while (keys[slot] != EMPTY) {
            if (keys[slot] == key) {
                return;
            }
            slot = (slot + 1) & mask;
        }
        keys[slot] = key;
        ranks[slot] = rank;
        results[slot] = result;
    }

    /** The slot of the rule for {@code left right}, or -1 if those two tokens never merge. */
    int find(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) {
                return slot;
            }
            if (k == EMPTY) {
                return -1;
            }
            slot = (slot + 1) & mask;
        }
    }

    int rank(int slot) {
        return ranks[slot];
    }

    int result(int slot) {
        return results[slot];
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    private int slot(long key) {
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }
}
