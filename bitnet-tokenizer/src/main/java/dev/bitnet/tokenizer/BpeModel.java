package dev.bitnet.tokenizer;

/**
 * Byte-level BPE over one pre-token: start from one token per byte and repeatedly merge the adjacent
 * pair whose rule has the lowest rank, the leftmost first among equal ranks, until no rule applies.
 * A heap of candidate pairs keeps this O(n log n) in the pre-token's length, so a megabyte-long run of
 * one character costs no more per byte than a word does.
 */
final class BpeModel {
    private final TokenIndex index;
    private final MergeTable merges;
    private final int[] byteTokens;
    private final boolean ignoreMerges;

    /**
     * @param index        raw bytes to id, for the tokens BPE may produce
     * @param merges       the merge rules
     * @param byteTokens   the id of the single-byte token of each byte value
     * @param ignoreMerges emit a pre-token that is itself a vocabulary entry as that entry without
     *                     merging (LLaMA-3's {@code ignore_merges})
     */
    BpeModel(TokenIndex index, MergeTable merges, int[] byteTokens, boolean ignoreMerges) {
        this.index = index;
        this.merges = merges;
        this.byteTokens = byteTokens;
        this.ignoreMerges = ignoreMerges;
    }

    /** Appends the ids of the pre-token {@code buf[0, len)} to {@code out}. */
    void encode(byte[] buf, int len, IntList out, Scratch scratch) {
        if (len == 1) {
            out.add(byteTokens[buf[0] & 0xFF]);
            return;
        }
        if (ignoreMerges) {
            int whole = index.find(buf, 0, len);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        merge(buf, len, out, scratch);
    }

    private void merge(byte[] buf, int len, IntList out, Scratch s) {
        s.ensure(len);
        int[] ids = s.ids;
        int[] prev = s.prev;
        int[] next = s.next;
        for (int i = 0; i < len; i++) {
            ids[i] = byteTokens[buf[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1;
        }
        next[len - 1] = -1;
        s.heapSize = 0;
        for (int i = 0; i + 1 < len; i++) {
            offer(s, i, ids[i], ids[i + 1]);
        }
        while (s.heapSize > 0) {
            long top = s.poll();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = next[left];
            // Entries go stale when a neighbour merged first: skip those whose pair is gone or changed.
            if (ids[left] < 0 || right < 0) {
                continue;
            }
            long rule = merges.find(ids[left], ids[right]);
            if (rule < 0 || MergeTable.rank(rule) != rank) {
                continue;
            }
            ids[left] = MergeTable.result(rule);
            ids[right] = -1;
            int after = next[right];
            next[left] = after;
            if (after >= 0) {
                prev[after] = left;
                offer(s, left, ids[left], ids[after]);
            }
            int before = prev[left];
            if (before >= 0) {
                offer(s, before, ids[before], ids[left]);
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            out.add(ids[i]);
        }
    }

    private void offer(Scratch s, int position, int left, int right) {
        long rule = merges.find(left, right);
        if (rule >= 0) {
            s.push((rule & 0xFFFFFFFF00000000L) | position);
        }
    }

    /** Work arrays for one thread's encode call, grown to the longest pre-token seen. */
    static final class Scratch {
        int[] ids = new int[64];
        int[] prev = new int[64];
        int[] next = new int[64];
        /** Min-heap of (rank << 32 | position): lowest rank first, then leftmost. */
        long[] heap = new long[192];
        int heapSize;

        void ensure(int len) {
            if (ids.length < len) {
                ids = new int[len];
                prev = new int[len];
                next = new int[len];
                heap = new long[3 * len];
            }
        }

        void push(long v) {
            if (heapSize == heap.length) {
                heap = java.util.Arrays.copyOf(heap, heap.length * 2);
            }
            int i = heapSize++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                long p = heap[parent];
                if (p <= v) {
                    break;
                }
                heap[i] = p;
                i = parent;
            }
            heap[i] = v;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--heapSize];
            int i = 0;
            int half = heapSize >>> 1;
            while (i < half) {
                int child = 2 * i + 1;
                long c = heap[child];
                if (child + 1 < heapSize && heap[child + 1] < c) {
                    c = heap[++child];
                }
                if (last <= c) {
                    break;
                }
                heap[i] = c;
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
