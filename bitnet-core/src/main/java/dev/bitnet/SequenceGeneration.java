package dev.bitnet;

import dev.bitnet.sampling.Sampler;
import dev.bitnet.sampling.StopStringMatcher;
import dev.bitnet.tokenizer.StreamingDecoder;
import dev.bitnet.tokenizer.Tokenizer;
import org.jetbrains.annotations.Nullable;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * The per-sequence half of a generation, apart from evaluating tokens: picks each next token from
 * the logits, checks stop tokens, stop strings and limits, turns ids into text at whole code points,
 * reports to the listener, and builds the result. The blocking path ({@link GenerationRun}, one
 * session) and the {@link BatchScheduler} (many sequences in one forward pass) both drive it, so a
 * sequence gives the same tokens and text either way.
 *
 * <p>Use: {@link #accept(float[], boolean)} with the logits after the last evaluated token; while not
 * {@link #finished()}, evaluate {@link #lastToken()} and call it again with the new logits.
 */
final class SequenceGeneration {
    private final GenerationOptions options;
    private final Sampler sampler;
    private final Set<Integer> stopIds;
    private final @Nullable StreamingDecoder decoder;
    private final StopStringMatcher stops;
    private final GenerationListener listener;
    private final StringBuilder text = new StringBuilder();
    private final int promptTokens;
    private int[] generated = new int[32];
    private int count;
    private @Nullable FinishReason finish;
    private int promptEvaluated;
    private double promptMillis;
    private boolean started;
    private long generationStart;
    private long generationEnd;

    /**
     * @throws IllegalArgumentException for an empty prompt, stop strings without a tokenizer, or token
     *                                  ids in the options outside the vocabulary
     */
    SequenceGeneration(int[] prompt, GenerationOptions options, @Nullable Tokenizer tokenizer, int vocab,
                       GenerationListener listener) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (tokenizer == null && !options.stopStrings().isEmpty()) {
            throw new IllegalArgumentException("stop strings need a tokenizer, and this model has none");
        }
        this.options = options;
        this.stopIds = new HashSet<>(options.stopTokenIds());
        if (tokenizer != null) {
            stopIds.addAll(tokenizer.stopIds());
        }
        // a JSON response format masks the logits before the chain and sees every accepted token
        this.sampler = options.responseFormat().constrain(Sampler.fromOptions(options, vocab), tokenizer, stopIds);
        this.decoder = tokenizer == null ? null : tokenizer.newStreamingDecoder();
        this.stops = new StopStringMatcher(options.stopStrings());
        this.listener = listener;
        this.promptTokens = prompt.length;
        sampler.prime(prompt);
    }

    /**
     * The prompt has been evaluated ({@code evaluated} of its tokens, in {@code millis}); generation
     * time counts from here. Ends the run at once when the options allow no tokens.
     */
    void promptDone(int evaluated, double millis) {
        this.promptEvaluated = evaluated;
        this.promptMillis = millis;
        this.generationStart = System.nanoTime();
        this.started = true;
        if (options.maxTokens() == 0) {
            finish(FinishReason.MAX_TOKENS);
        }
    }

    /** Whether {@link #promptDone} has been called. */
    boolean started() {
        return started;
    }

    /** Whether the options allow no tokens at all (the run ends as soon as it starts). */
    boolean generatesNothing() {
        return options.maxTokens() == 0;
    }

    /** Prompt tokens that were evaluated (the others came from a session's cache). */
    int promptEvaluated() {
        return promptEvaluated;
    }

    boolean finished() {
        return finish != null;
    }

    /** The token picked last: the one to evaluate next while the run has not finished. */
    int lastToken() {
        return generated[count - 1];
    }

    /**
     * Picks the next token from {@code logits} (the vocabulary's, after the last evaluated token) and
     * returns the text it completes: "" when it ends mid-character or may be the start of a stop
     * string; with the held-back tail when this token ends the run. {@code roomLeft} tells whether the
     * sequence can hold one more token; if not, the run ends after this one.
     */
    String accept(float[] logits, boolean roomLeft) {
        if (finish != null) {
            throw new IllegalStateException("generation has finished");
        }
        int id = sampler.sample(logits);
        if (count == generated.length) {
            generated = Arrays.copyOf(generated, count * 2);
        }
        // a stop token is part of the ids (as Hugging Face reports them) but never of the text
        generated[count++] = id;
        listener.onTokenId(id);
        if (stopIds.contains(id)) {
            return finish(FinishReason.STOP_TOKEN);
        }
        sampler.accept(id);
        String piece = decoder == null ? "" : decoder.push(id);
        StopStringMatcher.Result r = stops.push(piece);
        String out = r.text();
        emit(out);
        if (r.stopped()) {
            finish(FinishReason.STOP_STRING);
            return out;
        }
        if (count >= options.maxTokens() || !roomLeft) {
            return out + finish(FinishReason.MAX_TOKENS);
        }
        return out;
    }

    /** Ends the run; returns the text held back until now (undecodable tail, possible stop-string prefix). */
    String finish(FinishReason reason) {
        if (finish != null) {
            return "";
        }
        finish = reason;
        generationEnd = System.nanoTime();
        String tail = "";
        if (reason != FinishReason.STOP_STRING) {
            String pending = decoder == null ? "" : decoder.flush();
            tail = stops.push(pending).text() + stops.flush();
            emit(tail);
        }
        return tail;
    }

    private void emit(String piece) {
        if (!piece.isEmpty()) {
            text.append(piece);
            listener.onToken(piece);
        }
    }

    /** The result; only valid once finished. */
    Generation result(double loadMillis) {
        if (finish == null) {
            throw new IllegalStateException("generation has not finished");
        }
        double genMillis = (generationEnd - generationStart) / 1e6;
        Timings timings = Timings.of(loadMillis, promptEvaluated, promptMillis, count, genMillis);
        return new Generation(text.toString(), Arrays.copyOf(generated, count), finish, new Usage(promptTokens, count), timings);
    }
}
