package dev.bitnet.sampling;

import java.util.List;
import java.util.Objects;

/**
 * A {@link Sampler} made of {@link LogitsProcessor} stages run in order and a final {@link TokenSelector}.
 *
 * <p>Each {@link #sample} copies the logits into a reused {@link Candidates} working set (the caller's array is
 * never modified), runs the stages, and returns the selector's pick; after the first call it allocates nothing.
 * {@link #accept} is passed on to every stage. The built-in chain of {@link Sampler#fromOptions} is one of these,
 * so a custom chain can reuse its pieces:
 * <pre>{@code
 * Sampler sampler = new SamplerChain(List.of(new RepetitionPenalty(vocab, 64, 1.1f, 0, 0), new TopK(20),
 *         new Temperature(0.7)), new DistributionSelector(42));
 * }</pre>
 * Not thread-safe: one instance per generation.
 */
public final class SamplerChain implements Sampler {
    private final LogitsProcessor[] stages;
    private final TokenSelector selector;
    private final Candidates candidates = new Candidates();

    /**
     * @param stages   the processors, applied in this order (may be empty)
     * @param selector picks the token from what the stages leave
     */
    public SamplerChain(List<? extends LogitsProcessor> stages, TokenSelector selector) {
        this.stages = List.copyOf(Objects.requireNonNull(stages, "stages")).toArray(LogitsProcessor[]::new);
        this.selector = Objects.requireNonNull(selector, "selector");
    }

    /** The stages, in the order they run. */
    public List<LogitsProcessor> stages() {
        return List.of(stages);
    }

    /** The final selector. */
    public TokenSelector selector() {
        return selector;
    }

    @Override
    public int sample(float[] logits) {
        candidates.load(logits);
        for (LogitsProcessor stage : stages) {
            stage.apply(candidates);
        }
        return selector.select(candidates);
    }

    @Override
    public void accept(int tokenId) {
        for (LogitsProcessor stage : stages) {
            stage.accept(tokenId);
        }
    }
}
