package dev.bitnet.sampling;

import java.util.Arrays;
import java.util.Objects;

/**
 * The tokens still in the running during one sampling step, each with its (adjusted) logit: the working set
 * that {@link LogitsProcessor} stages narrow down and a {@link TokenSelector} picks from.
 *
 * <p>{@link #load} starts with every token of the vocabulary in id order. Stages change logits, reorder the
 * candidates or drop some. Candidates are ranked by logit, higher first, and by token id, lower first, among
 * equal logits; this total order makes every cut (top-k, ties at the boundary) reproducible. A NaN logit counts
 * as negative infinity: such a token is never picked. The arrays are kept and reused by the next load, so after
 * the first step nothing is allocated. Not thread-safe.
 */
public final class Candidates {
    /** Up to this many best candidates are found with a heap; more with quickselect. */
    private static final int HEAP_SELECT_LIMIT = 4096;

    private float[] logits = new float[0];
    private int[] ids = new int[0];
    private long[] keys = new long[0];
    private long[] heap = new long[0];
    private int vocabSize;
    private int size;
    /** True while the candidates are tokens 0..size-1 in order; {@link #ids} is then not filled in. */
    private boolean identity;
    /** The first sortedPrefix candidates are the best ones, in rank order. */
    private int sortedPrefix;

    /** An empty working set; its arrays grow on the first {@link #load}. */
    public Candidates() {
    }

    /**
     * Starts a step with every token of the vocabulary as a candidate, in id order, with a copy of these logits
     * (the caller's array is never written).
     *
     * @throws IllegalArgumentException if {@code logits} is empty
     */
    public void load(float[] logits) {
        int n = Objects.requireNonNull(logits, "logits").length;
        if (n == 0) {
            throw new IllegalArgumentException("logits must not be empty");
        }
        if (this.logits.length < n) {
            this.logits = new float[n];
            this.ids = new int[n];
        }
        float[] own = this.logits;
        for (int i = 0; i < n; i++) {
            float v = logits[i];
            own[i] = v != v ? Float.NEGATIVE_INFINITY : v;
        }
        vocabSize = n;
        size = n;
        identity = true;
        sortedPrefix = 0;
    }

    /** Length of the logits array of the current step: one more than the largest token id. */
    public int vocabSize() {
        return vocabSize;
    }

    /** How many candidates remain. */
    public int size() {
        return size;
    }

    /** The token id of candidate {@code i} (0 &le; i &lt; size). */
    public int tokenId(int i) {
        Objects.checkIndex(i, size);
        return identity ? i : ids[i];
    }

    /** The logit of candidate {@code i} (0 &le; i &lt; size). */
    public float logit(int i) {
        Objects.checkIndex(i, size);
        return logits[i];
    }

    /** Replaces the logit of candidate {@code i}; NaN is stored as negative infinity. */
    public void setLogit(int i, float logit) {
        Objects.checkIndex(i, size);
        logits[i] = logit != logit ? Float.NEGATIVE_INFINITY : logit;
        sortedPrefix = 0;
    }

    /** The position of a token among the candidates, or -1 if it is not (or no longer) one of them. */
    public int indexOf(int tokenId) {
        if (identity) {
            return tokenId >= 0 && tokenId < size ? tokenId : -1;
        }
        for (int i = 0; i < size; i++) {
            if (ids[i] == tokenId) {
                return i;
            }
        }
        return -1;
    }

    /** The largest logit, or negative infinity if there are no candidates. */
    public float maxLogit() {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            max = Math.max(max, logits[i]);
        }
        return max;
    }

    /**
     * The position of the best candidate (highest logit, lowest id among equal logits), or -1 if there is none
     * or every logit is negative infinity.
     */
    public int bestIndex() {
        int best = -1;
        float bestLogit = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            float v = logits[i];
            if (v > bestLogit || v == bestLogit && best >= 0 && tokenId(i) < tokenId(best)) {
                best = i;
                bestLogit = v;
            }
        }
        return best;
    }

    /**
     * Moves the {@code min(k, size)} best candidates to the front in rank order; the others follow in no
     * particular order. Work already done by an earlier call in the same step is reused.
     *
     * @return {@code min(k, size)}
     */
    public int sortTop(int k) {
        return arrangeTop(k, false);
    }

    /** Keeps only the {@code min(k, size)} best candidates, in rank order. */
    public void keepTop(int k) {
        size = arrangeTop(k, true);
    }

    /** Keeps only the first {@code n} candidates in their current order (typically after {@link #sortTop}). */
    public void keepFirst(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n must be non-negative, got " + n);
        }
        size = Math.min(size, n);
        sortedPrefix = Math.min(sortedPrefix, size);
    }

    /** Drops every candidate whose logit is below {@code minLogit}; the others keep their order. */
    public void retainAtLeast(float minLogit) {
        int first = 0;
        while (first < size && logits[first] >= minLogit) {
            first++;
        }
        if (first == size) {
            return;
        }
        int kept = first;
        int keptSorted = Math.min(first, sortedPrefix);
        for (int i = first + 1; i < size; i++) {
            if (logits[i] >= minLogit) {
                logits[kept] = logits[i];
                ids[kept] = identity ? i : ids[i];
                if (i < sortedPrefix) {
                    keptSorted++;
                }
                kept++;
            }
        }
        if (identity) {
            // The kept ones were written above; the prefix before the first dropped candidate is 0..first-1.
            for (int i = 0; i < first; i++) {
                ids[i] = i;
            }
            identity = false;
        }
        size = kept;
        sortedPrefix = keptSorted;
    }

    /**
     * The unnormalized softmax weight {@code exp(logit - max)} of a logit, given the largest logit of the step.
     * When the largest is +Infinity (a tiny temperature can overflow), the +Infinity logits share all the weight.
     */
    static double weight(float logit, float max) {
        if (max == Float.POSITIVE_INFINITY) {
            return logit == Float.POSITIVE_INFINITY ? 1.0 : 0.0;
        }
        return StrictMath.exp(logit - max);
    }

    private int arrangeTop(int k, boolean dropRest) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be non-negative, got " + k);
        }
        int m = Math.min(k, size);
        int from = sortedPrefix;
        if (m > from) {
            materializeIds();
            if (keys.length < size) {
                keys = new long[logits.length];
            }
            for (int i = from; i < size; i++) {
                keys[i] = key(logits[i], ids[i]);
            }
            if (m - from <= HEAP_SELECT_LIMIT && m < size) {
                long threshold = smallestByHeap(from, size, m - from);
                partitionAtMost(from, size, threshold);
            } else {
                selectSmallest(keys, from, size, m);
            }
            Arrays.sort(keys, from, m);
            int end = dropRest ? m : size;
            for (int i = from; i < end; i++) {
                long key = keys[i];
                ids[i] = (int) key;
                logits[i] = logitOf(key);
            }
            sortedPrefix = m;
        }
        if (dropRest) {
            sortedPrefix = Math.min(sortedPrefix, m);
        }
        return m;
    }

    /**
     * The {@code count}-th smallest key of {@code keys[from, to)}, found with a max-heap of the best {@code count}
     * so far. Nearly every key loses the single comparison with the heap's top, so this is one cheap, well
     * predicted pass, much faster than quickselect when {@code count} is small.
     */
    private long smallestByHeap(int from, int to, int count) {
        if (heap.length < count) {
            heap = new long[HEAP_SELECT_LIMIT];
        }
        long[] h = heap;
        System.arraycopy(keys, from, h, 0, count);
        for (int i = count / 2 - 1; i >= 0; i--) {
            siftDown(h, i, count);
        }
        for (int i = from + count; i < to; i++) {
            long key = keys[i];
            if (key < h[0]) {
                h[0] = key;
                siftDown(h, 0, count);
            }
        }
        return h[0];
    }

    private static void siftDown(long[] h, int i, int n) {
        long value = h[i];
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            if (child + 1 < n && h[child + 1] > h[child]) {
                child++;
            }
            if (h[child] <= value) {
                break;
            }
            h[i] = h[child];
            i = child;
        }
        h[i] = value;
    }

    /** Moves the keys of {@code keys[from, to)} that are at most {@code threshold} to the front of the range. */
    private void partitionAtMost(int from, int to, long threshold) {
        long[] a = keys;
        int j = from;
        for (int i = from; i < to; i++) {
            long key = a[i];
            if (key <= threshold) {
                a[i] = a[j];
                a[j] = key;
                j++;
            }
        }
    }

    private void materializeIds() {
        if (identity) {
            for (int i = 0; i < size; i++) {
                ids[i] = i;
            }
            identity = false;
        }
    }

    /**
     * A long that orders like the rank: ascending keys = descending logits, then ascending ids. The high half is
     * the logit's bits made to order as signed ints, inverted; the low half the id. -0.0 is folded into +0.0 so
     * equal logits tie.
     */
    private static long key(float logit, int id) {
        int bits = Float.floatToRawIntBits(logit + 0.0f);
        int ordered = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) ~ordered << 32) | id;
    }

    private static float logitOf(long key) {
        int ordered = ~(int) (key >> 32);
        return Float.intBitsToFloat(ordered ^ ((ordered >> 31) & 0x7fffffff));
    }

    /**
     * Rearranges {@code a[lo, hi)} so that {@code a[lo, m)} holds its {@code m - lo} smallest values (keys are
     * distinct). Quickselect with a median-of-three pivot, falling back to a full sort if partitions keep coming
     * out lopsided, so the worst case stays O(n log n).
     */
    private static void selectSmallest(long[] a, int lo, int hi, int m) {
        // Each pass shrinks the range to about 3/4 or less on typical data; allow some bad luck on top of that.
        int budget = 4 * (32 - Integer.numberOfLeadingZeros(hi - lo)) + 8;
        while (m > lo && m < hi && hi - lo > 24) {
            if (budget-- == 0) {
                Arrays.sort(a, lo, hi);
                return;
            }
            long pivot = medianOfThree(a[lo], a[(lo + hi) >>> 1], a[hi - 1]);
            int i = lo;
            int j = hi - 1;
            while (i <= j) {
                while (a[i] < pivot) {
                    i++;
                }
                while (a[j] > pivot) {
                    j--;
                }
                if (i <= j) {
                    long t = a[i];
                    a[i] = a[j];
                    a[j] = t;
                    i++;
                    j--;
                }
            }
            // Now a[lo..j] <= pivot <= a[i..hi-1], and anything strictly between j and i equals the pivot.
            if (m <= j + 1) {
                hi = j + 1;
            } else if (m >= i) {
                lo = i;
            } else {
                return;
            }
        }
        if (m > lo && m < hi) {
            Arrays.sort(a, lo, hi);
        }
    }

    private static long medianOfThree(long x, long y, long z) {
        return Math.max(Math.min(x, y), Math.min(Math.max(x, y), z));
    }
}
