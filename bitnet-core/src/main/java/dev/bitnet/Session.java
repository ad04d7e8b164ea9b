package dev.bitnet;

import dev.bitnet.model.HeadUse;

import dev.bitnet.model.SequenceState;

import java.util.Arrays;
import java.util.Objects;

/**
 * A conversation with a model: the tokens seen so far and their KV cache. Tokens are appended in
 * order; {@link #append} returns the logits for the next token. A session is used by one thread
 * at a time; a model serves any number of sessions concurrently. Close it to release its buffers.
 *
 * <pre>{@code
 * try (Session s = model.newSession()) {
 *     float[] logits = s.append(promptIds);        // prompt evaluated as one batch
 *     int next = sampler.sample(logits);
 *     logits = s.append(next);                     // one decode step
 * }
 * }</pre>
 */
public final class Session implements AutoCloseable {
    private final BitNetModel model;
    private final SequenceState state;
    private final int vocab;
    private int[] tokens = new int[64];
    private boolean closed;

    Session(BitNetModel model, SequenceState state) {
        this.model = model;
        this.state = state;
        this.vocab = model.config().vocabSize();
    }

    /** The model this session runs on. */
    public BitNetModel model() {
        return model;
    }

    /** Tokens in the session (the next token goes to this position). */
    public int position() {
        return state.position();
    }

    /** The most tokens this session can hold. */
    public int contextLength() {
        return state.contextLimit();
    }

    /** The tokens in the session, in order (a copy). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, state.position());
    }

    /**
     * Appends tokens (evaluated as one batch) and returns the next-token logits after the last one,
     * as a new array of {@code vocabSize} floats.
     *
     * @throws ContextOverflowException if the tokens do not fit; the session is then unchanged
     * @throws IllegalArgumentException for an empty array or a token id outside the vocabulary
     */
    public float[] append(int... tokens) {
        float[] logits = new float[vocab];
        append(tokens, logits);
        return logits;
    }

    /** Like {@link #append(int...)}, writing the logits into {@code logits} (at least {@code vocabSize} long). */
    public void append(int[] tokens, float[] logits) {
        Objects.requireNonNull(logits, "logits");
        if (logits.length < vocab) {
            throw new IllegalArgumentException("logits buffer holds " + logits.length + " floats, the vocabulary has " + vocab);
        }
        evaluate(tokens, logits, false, HeadUse.EXACT);
    }

    /**
     * Like {@link #append(int[], float[])}, the logits computed as {@code use} allows: with a bounded head
     * ({@link LoadOptions.HeadMode#BOUNDED}) and {@link HeadUse#GREEDY}, only the argmax is guaranteed to be
     * the exact head's, with {@link HeadUse#SAMPLING} also the softmax mass (see {@link HeadUse}).
     */
    public void append(int[] tokens, float[] logits, HeadUse use) {
        Objects.requireNonNull(use, "use");
        Objects.requireNonNull(logits, "logits");
        if (logits.length < vocab) {
            throw new IllegalArgumentException("logits buffer holds " + logits.length + " floats, the vocabulary has " + vocab);
        }
        evaluate(tokens, logits, false, use);
    }

    /**
     * Appends tokens and returns the logits after every one of them: {@code tokens.length x
     * vocabSize} floats, row {@code i} being the logits after {@code tokens[i]}.
     */
    public float[] appendAll(int... tokens) {
        float[] logits = new float[Math.multiplyExact(tokens.length, vocab)];
        evaluate(tokens, logits, true, HeadUse.EXACT);
        return logits;
    }

    /** Appends tokens without computing logits (e.g. a prefix whose continuation is not needed yet). */
    public void feed(int... tokens) {
        evaluate(tokens, null, false, HeadUse.EXACT);
    }

    /** Forgets every token from {@code position} on, so that generation can resume from there. */
    public void truncate(int position) {
        checkOpen();
        state.truncate(position);
    }

    /** Forgets every token. */
    public void reset() {
        truncate(0);
    }

    private void evaluate(int[] ids, float[] logits, boolean all, HeadUse use) {
        Objects.requireNonNull(ids, "tokens");
        checkOpen();
        if (ids.length == 0) {
            throw new IllegalArgumentException("no tokens to append");
        }
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[i] + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        int pos = state.position();
        if (ids.length > state.contextLimit() - pos) {
            throw new ContextOverflowException(pos, ids.length, state.contextLimit());
        }
        if (tokens.length < pos + ids.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokens.length * 2, pos + ids.length));
        }
        System.arraycopy(ids, 0, tokens, pos, ids.length);
        // the model cannot be closed (its file unmapped, its threads stopped) while this step runs
        CloseGuard guard = model.guard();
        if (!guard.enter()) {
            throw model.closedException();
        }
        try {
            state.evaluate(ids, 0, ids.length, logits, all, use);
        } finally {
            guard.exit();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("session is closed");
        }
        model.checkOpen();
    }

    /**
     * Releases the KV cache and buffers. Idempotent, and allowed after the model is closed. Any other
     * use of a closed session ({@link #append}, {@link #truncate}, ...) throws {@link IllegalStateException}.
     */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            state.close();
        }
    }
}
