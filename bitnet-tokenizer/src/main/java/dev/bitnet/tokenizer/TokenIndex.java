package dev.bitnet.tokenizer;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Finds the id of a token from its raw bytes, straight from a slice of the encode buffer, so
 * looking up a pre-token needs no string. Open addressing over one table; token bytes are kept in
 * the caller's per-id arrays.
 */
final class TokenIndex {
    private final byte[][] bytesOfId;
    private final int[] slots;
    private final int mask;

    /**
     * @param bytesOfId raw bytes of each id; ids whose entry is {@code null} or which {@code include}
     *                  rejects are left out
     * @param include   which ids to index
     */
    TokenIndex(byte[][] bytesOfId, IntPredicate include) {
        this.bytesOfId = bytesOfId;
        int count = 0;
        for (int id = 0; id < bytesOfId.length; id++) {
            if (bytesOfId[id] != null && include.test(id)) {
                count++;
            }
        }
        int capacity = Integer.highestOneBit(Math.max(count, 8) * 2 - 1) << 1;
        this.slots = new int[capacity];
        this.mask = capacity - 1;
        Arrays.fill(slots, -1);
        for (int id = 0; id < bytesOfId.length; id++) {
            byte[] b = bytesOfId[id];
            if (b == null || !include.test(id)) {
                continue;
            }
            int slot = hash(b, 0, b.length) & mask;
            while (true) {
                int existing = slots[slot];
                if (existing < 0) {
                    slots[slot] = id;
                    break;
                }
                // Two ids with the same bytes: the lower id wins, as a tokenizer.json vocabulary map would keep one.
                if (Arrays.equals(bytesOfId[existing], b)) {
                    break;
                }
                slot = (slot + 1) & mask;
            }
        }
    }

    /** The id whose bytes are {@code buf[from, to)}, or -1. */
    int find(byte[] buf, int from, int to) {
        int len = to - from;
        int slot = hash(buf, from, to) & mask;
        while (true) {
            int id = slots[slot];
            if (id < 0) {
                return -1;
            }
            byte[] b = bytesOfId[id];
            if (b.length == len && Arrays.equals(b, 0, len, buf, from, to)) {
                return id;
            }
            slot = (slot + 1) & mask;
        }
    }

    private static int hash(byte[] b, int from, int to) {
        int h = 0x811C9DC5;
        for (int i = from; i < to; i++) {
            h = (h ^ b[i]) * 0x01000193;
        }
        return h ^ (h >>> 15);
    }
}
