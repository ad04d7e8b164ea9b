package dev.bitnet.sampling;

/**
 * Nucleus sampling: keeps the smallest set of best candidates whose softmax probabilities sum to at least
 * {@code p} (the candidate that crosses {@code p} is kept); 1 keeps all. Stateless.
 *
 * <p>Only as much of the ranking as needed is sorted: the best 64 candidates first, then four times as many, and
 * so on, which matters for a full vocabulary without top-k in front.
 */
public final class TopP implements LogitsProcessor {
    private static final int FIRST_BATCH = 64;

    private final double p;

    /** @throws IllegalArgumentException if {@code p} is not in (0, 1] */
    public TopP(double p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1] (1 = off), got " + p);
        }
        this.p = p;
    }

    @Override
    public void apply(Candidates candidates) {
        int n = candidates.size();
        float max = candidates.maxLogit();
        if (p >= 1 || n <= 1 || max == Float.NEGATIVE_INFINITY) {
            return;
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            total += Candidates.weight(candidates.logit(i), max);
        }
        double needed = p * total;
        double cumulative = 0;
        int i = 0;
        for (int batch = FIRST_BATCH; ; batch = (int) Math.min(n, 4L * batch)) {
            int sorted = candidates.sortTop(batch);
            for (; i < sorted; i++) {
                cumulative += Candidates.weight(candidates.logit(i), max);
                if (cumulative >= needed) {
                    candidates.keepFirst(i + 1);
                    return;
                }
            }
            if (sorted == n) {
                // Rounding kept the sum a hair under p * total: every candidate stays.
                return;
            }
        }
    }
}
