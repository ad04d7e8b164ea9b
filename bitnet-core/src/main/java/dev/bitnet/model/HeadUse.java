package dev.bitnet.model;

/**
 * What a caller needs from the LM head for one evaluation, so that a bounded head (see
 * {@link dev.bitnet.kernels.BoundedHead}) can recompute only the rows that matter. Without a bounded head
 * every use computes the exact head.
 */
public enum HeadUse {
    /** Every logit exact (what {@link dev.bitnet.Session#append} returns). */
    EXACT,
    /** Only the argmax must be the exact head's: the bounded head recomputes the rows that could win. */
    GREEDY,
    /**
     * Sampling at a temperature of at most 1 without logit processors that reorder rows: the bounded head
     * also recomputes enough rows that the softmax mass on approximate logits stays below 1e-6.
     */
    SAMPLING
}
