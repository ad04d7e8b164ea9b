package dev.bitnet.model;

import java.util.ArrayList;
import java.util.List;

/**
 * How far one implementation's logits are from a reference's, measured the way
 * {@code shared/fixtures/README.md} defines closeness: mean and max absolute difference, and argmax
 * disagreements at positions where the reference's top-2 gap is at least {@link #DECISIVE_GAP}.
 */
record LogitsComparison(double meanAbs, double maxAbs, List<Integer> decisiveArgmaxMisses, int argmaxAgreements, int positions) {
    static final double DECISIVE_GAP = 0.25;

    static LogitsComparison of(float[] actual, float[] reference, int vocab) {
        if (actual.length != reference.length) {
            throw new IllegalArgumentException("lengths differ: " + actual.length + " vs " + reference.length);
        }
        int positions = reference.length / vocab;
        double sum = 0;
        double max = 0;
        List<Integer> misses = new ArrayList<>();
        int agree = 0;
        for (int p = 0; p < positions; p++) {
            int base = p * vocab;
            for (int v = 0; v < vocab; v++) {
                double d = Math.abs(actual[base + v] - reference[base + v]);
                if (Double.isNaN(d)) {
                    d = Double.POSITIVE_INFINITY;
                }
                sum += d;
                max = Math.max(max, d);
            }
            int a = argmax(actual, base, vocab);
            int r = argmax(reference, base, vocab);
            if (a == r) {
                agree++;
            } else if (topTwoGap(reference, base, vocab) >= DECISIVE_GAP) {
                misses.add(p);
            }
        }
        return new LogitsComparison(sum / reference.length, max, misses, agree, positions);
    }

    static int argmax(float[] x, int base, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[base + i] > x[base + best]) {
                best = i;
            }
        }
        return best;
    }

    static double topTwoGap(float[] x, int base, int n) {
        double first = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double v = x[base + i];
            if (v > first) {
                second = first;
                first = v;
            } else if (v > second) {
                second = v;
            }
        }
        return first - second;
    }

    @Override
    public String toString() {
        return String.format("mean %.4f, max %.4f, argmax %d/%d, decisive misses at %s", meanAbs, maxAbs, argmaxAgreements,
                positions, decisiveArgmaxMisses);
    }
}
