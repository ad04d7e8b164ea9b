package dev.bitnet;

import dev.bitnet.model.HeadUse;

import dev.bitnet.tokenizer.Tokenizer;
import org.jetbrains.annotations.Nullable;

import java.util.Arrays;

/**
 * One generation in one session, advanced a step at a time: each {@link #step()} samples one token
 * and returns the text it completes. Blocking generation, listeners and the pull-style {@link
 * TokenStream} all drive this one loop, so their outputs are the same by construction; the
 * per-sequence logic (sampling, stops, text, result) is {@link SequenceGeneration}, shared with the
 * {@link BatchScheduler}.
 *
 * <p>The prompt is evaluated when the run starts, reusing whatever prefix of it the session already
 * holds. Text is emitted only at whole code points and never contains a stop string.
 */
final class GenerationRun {
    private final Session session;
    private final SequenceGeneration sequence;
    private final float[] logits;
    private final HeadUse headUse;
    private final int[] one = new int[1];
    private final double loadMillis;
    private volatile boolean cancelled;

    GenerationRun(Session session, int[] prompt, GenerationOptions options, @Nullable Tokenizer tokenizer,
                  GenerationListener listener, double loadMillis) {
        int vocab = session.model().config().vocabSize();
        if (prompt.length > session.contextLength()) {
            throw new ContextOverflowException(0, prompt.length, session.contextLength());
        }
        this.sequence = new SequenceGeneration(prompt, options, tokenizer, vocab, listener);
        this.session = session;
        this.logits = new float[vocab];
        this.headUse = headUse(options);
        this.loadMillis = loadMillis;

        long start = System.nanoTime();
        int evaluated = evaluatePrompt(prompt);
        sequence.promptDone(evaluated, (System.nanoTime() - start) / 1e6);
    }

    /** Appends the part of the prompt that the session does not already hold; returns how many tokens that was. */
    private int evaluatePrompt(int[] prompt) {
        int[] cached = session.tokens();
        int common = 0;
        int limit = Math.min(cached.length, prompt.length);
        while (common < limit && cached[common] == prompt[common]) {
            common++;
        }
        // the last prompt token is always evaluated again: its logits are what the first sample needs
        common = Math.min(common, prompt.length - 1);
        session.truncate(common);
        session.append(Arrays.copyOfRange(prompt, common, prompt.length), logits, headUse);
        checkLogits(prompt[prompt.length - 1]);
        return prompt.length - common;
    }

    /** Prompt tokens this run evaluated (the others came from the session's cache). */
    int promptEvaluated() {
        return sequence.promptEvaluated();
    }

    boolean finished() {
        return sequence.finished();
    }

    void cancel() {
        cancelled = true;
    }

    /**
     * Generates one token and returns the text it completes ("" when it ends mid-character or may be
     * the start of a stop string), or null once the generation has finished.
     */
    @Nullable String step() {
        if (sequence.finished()) {
            return null;
        }
        if (cancelled) {
            return sequence.finish(FinishReason.CANCELLED);
        }
        String out = sequence.accept(logits, session.position() < session.contextLength());
        if (!sequence.finished()) {
            one[0] = sequence.lastToken();
            session.append(one, logits, headUse);
            checkLogits(one[0]);
        }
        return out;
    }

    /** Corrupt weights show up here as NaN/infinite logits: a clear error instead of a sampler failure. */
    private void checkLogits(int token) {
        LogitCheck.check(logits, logits.length, session.model(), session.position() - 1, token);
    }

    /** Runs to the end and returns the result. */
    Generation runToEnd() {
        while (step() != null) {
            // each step emits through the listener
        }
        return result();
    }

    /** The result; only valid once finished. */
    Generation result() {
        return sequence.result(loadMillis);
    }

    /**
     * What the sampler needs from the head: the argmax alone when greedy; the bounded head's tail-mass rule
     * when sampling at a temperature up to 1; every logit exact when logit processors could reorder rows.
     */
    static HeadUse headUse(GenerationOptions options) {
        if (options.repeatPenalty() != 1.0 || !options.logitBias().isEmpty()) {
            return HeadUse.EXACT;
        }
        if (options.temperature() == 0) {
            return HeadUse.GREEDY;
        }
        return options.temperature() <= 1.0 ? HeadUse.SAMPLING : HeadUse.EXACT;
    }
}
