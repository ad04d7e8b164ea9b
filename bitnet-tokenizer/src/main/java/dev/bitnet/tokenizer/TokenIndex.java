package dev.bitnet.tokenizer;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * Finds the id of a token from its raw bytes, straight from a slice of the encode buffer, so looking
 * up a pre-token needs no string. Open addressing; each slot holds the key's hash, the id and where
 * the token's bytes sit in one shared pool, so a miss costs no visit to the bytes.
 */
final class TokenIndex {
    private static final long EMPTY = -1L;

    /** Slot i: {@code [2i]} = hash << 32 | id, {@code [2i + 1]} = pool offset << 32 | length. */
    private final long[] slots;
    private final byte[] pool;
    private final int mask;
    private final int maxLength;

    /**
     * @param bytesOfId raw bytes of each id; ids whose entry is {@code null} or which {@code include}
     *                  rejects are left out; of two ids with the same bytes the lower one is kept
     * @param include   which ids to index
     */
    TokenIndex(byte[][] bytesOfId, IntPredicate include) {
        int count = 0;
        long poolSize = 0;
        int longest = 0;
        for (int id = 0; id < bytesOfId.length; id++) {
            if (bytesOfId[id] != null && include.test(id)) {
                count++;
                poolSize += bytesOfId[id].length;
                longest = Math.max(longest, bytesOfId[id].length);
            }
        }
        if (poolSize > Integer.MAX_VALUE - 8) {
            throw new TokenizerFormatException("vocabulary tokens hold " + poolSize + " bytes, more than this tokenizer supports");
        }
        maxLength = longest;
        int capacity = Integer.highestOneBit(Math.max(count, 8) * 2 - 1) << 1;
        slots = new long[2 * capacity];
        mask = capacity - 1;
        pool = new byte[(int) poolSize];
        for (int i = 0; i < slots.length; i += 2) {
            slots[i] = EMPTY;
        }
        int offset = 0;
        for (int id = 0; id < bytesOfId.length; id++) {
            byte[] b = bytesOfId[id];
            if (b == null || !include.test(id) || find(b, 0, b.length) >= 0) {
                continue;
            }
            System.arraycopy(b, 0, pool, offset, b.length);
            int hash = hash(b, 0, b.length);
            int slot = hash & mask;
            while (slots[2 * slot] != EMPTY) {
                slot = (slot + 1) & mask;
            }
            slots[2 * slot] = ((long) hash << 32) | id;
            slots[2 * slot + 1] = ((long) offset << 32) | b.length;
            offset += b.length;
        }
    }

    /** The id whose bytes are {@code buf[from, to)}, or -1. */
    int find(byte[] buf, int from, int to) {
        int len = to - from;
        if (len > maxLength) {
            return -1;
        }
        int hash = hash(buf, from, to);
        int slot = hash & mask;
        while (true) {
            long entry = slots[2 * slot];
            if (entry == EMPTY) {
                return -1;
            }
            if ((int) (entry >>> 32) == hash) {
                long place = slots[2 * slot + 1];
                int offset = (int) (place >>> 32);
                if ((int) place == len && Arrays.equals(pool, offset, offset + len, buf, from, to)) {
                    return (int) entry;
                }
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
