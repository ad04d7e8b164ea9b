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
 * One generation, advanced a step at a time: each {@link #step()} samples one token and returns the
 * text it completes. Blocking generation, listeners and the pull-style {@link TokenStream} all drive
 * this one loop, so their outputs are the same by construction.
 *
 * <p>The prompt is evaluated when the run starts, reusing whatever prefix of it the session already
 * holds. Text is emitted only at whole code points and never contains a stop string.
 */
final class GenerationRun {
    private final Session session;
    private final GenerationOptions options;
    private final Sampler sampler;
    private final Set<Integer> stopIds;
    private final @Nullable StreamingDecoder decoder;
    private final StopStringMatcher stops;
    private final GenerationListener listener;
    private final float[] logits;
    private final int[] one = new int[1];
    private final StringBuilder text = new StringBuilder();
    private final int promptTokens;
    private final int promptEvaluated;
    private final double loadMillis;
    private int[] generated = new int[32];
    private int count;
    private @Nullable FinishReason finish;
    private volatile boolean cancelled;
    private final double promptMillis;
    private final long generationStart;
    private long generationEnd;

    GenerationRun(Session session, int[] prompt, GenerationOptions options, @Nullable Tokenizer tokenizer,
                  GenerationListener listener, double loadMillis) {
        BitNetModel model = session.model();
        int vocab = model.config().vocabSize();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt has no tokens");
        }
        if (prompt.length > session.contextLength()) {
            throw new ContextOverflowException(0, prompt.length, session.contextLength());
        }
        this.session = session;
        this.options = options;
        this.stopIds = new HashSet<>(options.stopTokenIds());
        if (tokenizer != null) {
            stopIds.addAll(tokenizer.stopIds());
        }
        // a JSON response format masks the logits before the chain and sees every accepted token
        this.sampler = options.responseFormat().constrain(Sampler.fromOptions(options, vocab), tokenizer, stopIds);
        this.decoder = tokenizer == null ? null : tokenizer.newStreamingDecoder();
        if (tokenizer == null && !options.stopStrings().isEmpty()) {
            throw new IllegalArgumentException("stop strings need a tokenizer, and this model has none");
        }
        this.stops = new StopStringMatcher(options.stopStrings());
        this.listener = listener;
        this.logits = new float[vocab];
        this.promptTokens = prompt.length;
        this.loadMillis = loadMillis;
        sampler.prime(prompt);

        long start = System.nanoTime();
        this.promptEvaluated = evaluatePrompt(prompt);
        long end = System.nanoTime();
        this.promptMillis = (end - start) / 1e6;
        this.generationStart = end;
        if (options.maxTokens() == 0) {
            finish(FinishReason.MAX_TOKENS);
        }
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
        session.append(Arrays.copyOfRange(prompt, common, prompt.length), logits);
        return prompt.length - common;
    }

    /** Prompt tokens this run evaluated (the others came from the session's cache). */
    int promptEvaluated() {
        return promptEvaluated;
    }

    boolean finished() {
        return finish != null;
    }

    void cancel() {
        cancelled = true;
    }

    /**
     * Generates one token and returns the text it completes ("" when it ends mid-character or may be
     * the start of a stop string), or null once the generation has finished.
     */
    @Nullable String step() {
        if (finish != null) {
            return null;
        }
        if (cancelled) {
            return finish(FinishReason.CANCELLED);
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
        if (count >= options.maxTokens() || session.position() >= session.contextLength()) {
            return out + finish(FinishReason.MAX_TOKENS);
        }
        one[0] = id;
        session.append(one, logits);
        return out;
    }

    /** Ends the run; returns the text held back until now (undecodable tail, possible stop-string prefix). */
    private String finish(FinishReason reason) {
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

    /** Runs to the end and returns the result. */
    Generation runToEnd() {
        while (step() != null) {
            // each step emits through the listener
        }
        return result();
    }

    /** The result; only valid once finished. */
    Generation result() {
        if (finish == null) {
            throw new IllegalStateException("generation has not finished");
        }
        double genMillis = (generationEnd - generationStart) / 1e6;
        Timings timings = new Timings(loadMillis, promptMillis, rate(promptEvaluated, promptMillis), genMillis, rate(count, genMillis));
        return new Generation(text.toString(), Arrays.copyOf(generated, count), finish, new Usage(promptTokens, count), timings);
    }

    private static double rate(int tokens, double millis) {
        return millis > 0 ? tokens / (millis / 1000.0) : 0;
    }
}
