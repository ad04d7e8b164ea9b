package dev.bitnet.sampling;

/**
 * Drops candidates whose probability is below {@code p} times that of the best one, that is whose logit is
 * below {@code max + ln p}; 0 keeps all. The best candidate always stays. Stateless.
 */
public final class MinP implements LogitsProcessor {
    private final double p;

    /** @throws IllegalArgumentException if {@code p} is not in [0, 1] */
    public MinP(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1] (0 = off), got " + p);
        }
        this.p = p;
    }

    @Override
    public void apply(Candidates candidates) {
        float max = candidates.maxLogit();
        if (p <= 0 || max == Float.NEGATIVE_INFINITY) {
            return;
        }
        candidates.retainAtLeast(max + (float) StrictMath.log(p));
    }
}
