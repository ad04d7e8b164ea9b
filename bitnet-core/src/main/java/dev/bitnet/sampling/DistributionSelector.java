package dev.bitnet.sampling;

import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * Draws a candidate at random with probability {@code softmax(logits)}: the final step of temperature sampling.
 *
 * <p>Probabilities are summed in double precision in candidate order; one uniform number in [0, 1) from the
 * generator is drawn per call, so a seeded generator gives a reproducible sequence. Not thread-safe.
 */
public final class DistributionSelector implements TokenSelector {
    /** The generator algorithm behind {@link #DistributionSelector(long)}; fixed by its specification. */
    public static final String ALGORITHM = "L64X128MixRandom";

    private final RandomGenerator random;
    /** Scratch for the weights of one draw, kept between calls. */
    private double[] weights = new double[0];

    /** Draws with an {@value #ALGORITHM} generator seeded with {@code seed}: the same on every JVM. */
    public DistributionSelector(long seed) {
        this(RandomGeneratorFactory.of(ALGORITHM).create(seed));
    }

    /** Draws with the given generator (which this selector then uses exclusively). */
    public DistributionSelector(RandomGenerator random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public int select(Candidates candidates) {
        int n = candidates.size();
        float max = candidates.maxLogit();
        if (n == 0 || max == Float.NEGATIVE_INFINITY) {
            throw new IllegalStateException(GreedySelector.nothingToPick(candidates));
        }
        if (weights.length < n) {
            weights = new double[candidates.vocabSize()];
        }
        double total = 0;
        for (int i = 0; i < n; i++) {
            double weight = Candidates.weight(candidates.logit(i), max);
            weights[i] = weight;
            total += weight;
        }
        double target = random.nextDouble() * total;
        double cumulative = 0;
        int last = -1;
        for (int i = 0; i < n; i++) {
            if (weights[i] > 0) {
                cumulative += weights[i];
                last = i;
                if (cumulative > target) {
                    return candidates.tokenId(i);
                }
            }
        }
        // Rounding can leave the target a hair above the recomputed sum: the last weighted candidate takes it.
        return candidates.tokenId(last);
    }
}
