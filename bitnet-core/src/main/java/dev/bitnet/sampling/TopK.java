package dev.bitnet.sampling;

/** Keeps the {@code k} best candidates (ties at the cut go to the lower token ids); 0 keeps all. Stateless. */
public final class TopK implements LogitsProcessor {
    private final int k;

    /** @throws IllegalArgumentException if {@code k} is negative */
    public TopK(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0 = off), got " + k);
        }
        this.k = k;
    }

    @Override
    public void apply(Candidates candidates) {
        if (k > 0 && k < candidates.size()) {
            candidates.keepTop(k);
        }
    }
}
