package dev.bitnet.sampling;

import dev.bitnet.GenerationOptions;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Chooses the next token from the logits of the last position.
 *
 * <p>Call {@link #sample} once per generated token, then {@link #accept} with the token actually appended, so
 * stateful samplers (penalties) see the sequence; feed the prompt first with {@link #prime}. A custom loop is:
 * <pre>{@code
 * Sampler sampler = Sampler.fromOptions(options, vocabSize);
 * sampler.prime(promptIds);
 * float[] logits = session.append(promptIds);
 * for (int n = 0; n < options.maxTokens(); n++) {
 *     int id = sampler.sample(logits);
 *     sampler.accept(id);
 *     if (isStop(id)) break;
 *     logits = session.append(new int[] {id});
 * }
 * }</pre>
 * Implementations must not modify the logits array they are given (the built-in ones copy it into a reused
 * scratch buffer). A sampler is used by one thread at a time; make one per generation.
 */
@FunctionalInterface
public interface Sampler {
    /**
     * Picks the next token id.
     *
     * @param logits one logit per vocabulary entry; not modified
     * @throws IllegalStateException if no token can be picked (for example every logit is -Infinity)
     */
    int sample(float[] logits);

    /** The token was appended to the sequence (whether or not this sampler chose it). Default: nothing. */
    default void accept(int tokenId) {
    }

    /** Feeds tokens already in the sequence, typically the prompt, through {@link #accept}, in order. */
    default void prime(int[] tokenIds) {
        for (int id : tokenIds) {
            accept(id);
        }
    }

    /**
     * The most likely token: highest logit, lowest id on ties; NaN logits are skipped. Stateless, shareable
     * across threads, works on the caller's array directly without copying.
     */
    static Sampler greedy() {
        return Sampler::argmax;
    }

    /**
     * The built-in chain for these options, as llama.cpp orders it: {@link LogitBias}, {@link RepetitionPenalty},
     * {@link TopK}, {@link TopP}, {@link MinP}, {@link Temperature}, then a {@link DistributionSelector}; stages
     * that the options turn off are left out. With temperature 0 the chain ends in a {@link GreedySelector} right
     * after bias and penalties (the filters cannot change the argmax), or is just {@link #greedy()} when there are
     * none. A fresh, independent instance on each call, seeded with the options' seed or else a random one.
     *
     * @throws IllegalArgumentException if a token id in the options is not below {@code vocabSize}
     */
    static Sampler fromOptions(GenerationOptions options, int vocabSize) {
        options.validateFor(vocabSize);
        List<LogitsProcessor> stages = new ArrayList<>();
        if (!options.logitBias().isEmpty()) {
            stages.add(new LogitBias(options.logitBias()));
        }
        float repeat = (float) options.repeatPenalty();
        float frequency = (float) options.frequencyPenalty();
        float presence = (float) options.presencePenalty();
        if (options.penaltyWindow() > 0 && (repeat != 1f || frequency != 0f || presence != 0f)) {
            stages.add(new RepetitionPenalty(vocabSize, options.penaltyWindow(), repeat, frequency, presence));
        }
        if (options.temperature() == 0) {
            return stages.isEmpty() ? greedy() : new SamplerChain(stages, new GreedySelector());
        }
        if (options.topK() > 0) {
            stages.add(new TopK(options.topK()));
        }
        if (options.topP() < 1) {
            stages.add(new TopP(options.topP()));
        }
        if (options.minP() > 0) {
            stages.add(new MinP(options.minP()));
        }
        stages.add(new Temperature(options.temperature()));
        long seed = options.seed().orElseGet(() -> ThreadLocalRandom.current().nextLong());
        LoggerFactory.getLogger(Sampler.class).debug("sampling with seed {}", seed);
        return new SamplerChain(stages, new DistributionSelector(seed));
    }

    private static int argmax(float[] logits) {
        int best = -1;
        float bestLogit = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] > bestLogit) {
                best = i;
                bestLogit = logits[i];
            }
        }
        if (best < 0) {
            throw new IllegalStateException(logits.length == 0
                    ? "logits must not be empty"
                    : "every one of the " + logits.length + " logits is -Infinity or NaN; no token can be picked");
        }
        return best;
    }
}
