package dev.bitnet.sampling;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Adds a fixed amount to the logits of chosen tokens; negative infinity bans a token. Stateless.
 * A token id outside the vocabulary of a step is an error, not silently ignored.
 */
public final class LogitBias implements LogitsProcessor {
    private final int[] tokenIds;
    private final float[] biases;

    /**
     * @param biases token id to the amount added to its logit (finite, or negative infinity)
     * @throws IllegalArgumentException for a negative id, or a NaN or positive infinite bias
     */
    public LogitBias(Map<Integer, Float> biases) {
        TreeMap<Integer, Float> sorted = new TreeMap<>(Objects.requireNonNull(biases, "biases"));
        tokenIds = new int[sorted.size()];
        this.biases = new float[sorted.size()];
        int i = 0;
        for (Map.Entry<Integer, Float> e : sorted.entrySet()) {
            int id = e.getKey();
            float bias = Objects.requireNonNull(e.getValue(), "bias");
            if (id < 0) {
                throw new IllegalArgumentException("logit bias token id must be non-negative, got " + id);
            }
            if (Float.isNaN(bias) || bias == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logit bias for token " + id + " must be finite or -Infinity, got "
                        + bias);
            }
            tokenIds[i] = id;
            this.biases[i] = bias;
            i++;
        }
    }

    @Override
    public void apply(Candidates candidates) {
        for (int j = 0; j < tokenIds.length; j++) {
            int id = tokenIds[j];
            if (id >= candidates.vocabSize()) {
                throw new IllegalArgumentException("logit bias token id " + id + " is outside the vocabulary (ids 0.."
                        + (candidates.vocabSize() - 1) + ")");
            }
            int at = candidates.indexOf(id);
            if (at >= 0) {
                candidates.setLogit(at, candidates.logit(at) + biases[j]);
            }
        }
    }
}
