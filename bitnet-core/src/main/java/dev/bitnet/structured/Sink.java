package dev.bitnet.structured;

import java.util.Arrays;
import java.util.LinkedHashSet;

/**
 * Collects the parses alive after one byte. Bounded: an ambiguous schema (nested anyOf of look-alike branches)
 * could otherwise multiply parses without limit, so more than {@link #LIMIT} at once is a clear error.
 */
final class Sink {
    /** The most parses one position may hold. */
    static final int LIMIT = 1024;

    private Frame[] items = new Frame[4];
    private int size;

    void clear() {
        size = 0;
    }

    void add(Frame f) {
        if (size == items.length) {
            if (size >= LIMIT) {
                throw new IllegalStateException("the response format is too ambiguous: more than " + LIMIT
                        + " partial parses are alive at once (simplify overlapping anyOf/oneOf branches)");
            }
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = f;
    }

    int size() {
        return size;
    }

    /** The parses collected, duplicates removed; null when there are none. */
    Frame[] toArray() {
        if (size == 0) {
            return null;
        }
        if (size == 1) {
            return new Frame[] {items[0]};
        }
        LinkedHashSet<Frame> unique = new LinkedHashSet<>(Arrays.asList(items).subList(0, size));
        return unique.toArray(Frame[]::new);
    }

    /** All threads advanced by one byte, or null when none survives. */
    static Frame[] advance(Frame[] threads, int b, Sink sink) {
        sink.clear();
        for (Frame t : threads) {
            t.step(b, sink);
        }
        return sink.toArray();
    }
}
