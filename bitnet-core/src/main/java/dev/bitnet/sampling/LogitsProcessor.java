package dev.bitnet.sampling;

/**
 * One stage of a {@link SamplerChain}: adjusts the logits of the candidates or drops some of them.
 *
 * <p>Stages run in chain order on the same {@link Candidates}; each sees what the previous ones left. A stage
 * with memory (such as {@link RepetitionPenalty}) learns about each token appended to the sequence through
 * {@link #accept}. Instances are used by one thread at a time.
 */
@FunctionalInterface
public interface LogitsProcessor {
    /** Adjusts or narrows the candidates of this step. */
    void apply(Candidates candidates);

    /** The token was appended to the sequence (prompt or generated); stateless stages ignore it. */
    default void accept(int tokenId) {
    }
}
