package dev.bitnet.model;

import org.jetbrains.annotations.Nullable;

/**
 * One sequence being evaluated: its KV cache, scratch buffers and position. Feeds tokens through
 * a {@link Transformer} in chunks of the workspace's batch size. Not thread-safe.
 */
public final class SequenceState implements AutoCloseable {
    private final Transformer transformer;
    private final KvCache cache;
    private final int batch;
    private @Nullable Workspace workspace;
    private final int contextLimit;
    private int position;

    /**
     * A sequence evaluated in chunks of up to {@code batch} tokens by {@link #evaluate}; its scratch
     * buffers are allocated on first use (a sequence run only by a {@link BatchPass} never needs them).
     */
    public SequenceState(Transformer transformer, int contextLimit, int batch) {
        this.transformer = transformer;
        ModelConfig c = transformer.config();
        this.contextLimit = contextLimit;
        this.cache = new KvCache(c.layers(), c.kvDim(), contextLimit);
        this.batch = Math.max(1, Math.min(batch, contextLimit));
    }

    Transformer transformer() {
        return transformer;
    }

    KvCache cache() {
        return cache;
    }

    /** Tokens at the next {@code n} positions have been evaluated by a {@link BatchPass}. */
    void advance(int n) {
        position += n;
    }

    public int position() {
        return position;
    }

    public int contextLimit() {
        return contextLimit;
    }

    /** Moves back to {@code position}; later positions are forgotten (their cache entries get overwritten). */
    public void truncate(int position) {
        if (position < 0 || position > this.position) {
            throw new IllegalArgumentException("cannot truncate to " + position + ": position is " + this.position);
        }
        this.position = position;
    }

    /**
     * Evaluates {@code tokens[offset, offset + count)} at the next positions. With {@code
     * allLogits}, writes {@code count x vocab} logits to {@code logits}; otherwise only the last
     * position's {@code vocab} logits (or none when {@code logits} is null). Token ids and context
     * room must have been checked by the caller.
     */
    public void evaluate(int[] tokens, int offset, int count, float[] logits, boolean allLogits) {
        evaluate(tokens, offset, count, logits, allLogits, HeadUse.EXACT);
    }

    /** Like the other {@code evaluate}; the last position's logits are computed as {@code use} allows. */
    public void evaluate(int[] tokens, int offset, int count, float[] logits, boolean allLogits, HeadUse use) {
        int vocab = transformer.config().vocabSize();
        if (workspace == null) {
            workspace = new Workspace(transformer.config(), batch);
        }
        Workspace workspace = this.workspace;
        int done = 0;
        while (done < count) {
            int n = Math.min(workspace.batch, count - done);
            boolean last = done + n == count;
            float[] out = null;
            int rows = 0;
            if (logits != null && allLogits) {
                out = workspace.logits(n, vocab);
                rows = n;
            } else if (logits != null && last) {
                out = logits;
                rows = 1;
            }
            transformer.forward(tokens, offset + done, n, position, cache, workspace, out, rows, allLogits ? HeadUse.EXACT : use);
            if (logits != null && allLogits) {
                System.arraycopy(out, 0, logits, done * vocab, n * vocab);
            }
            position += n;
            done += n;
        }
    }

    @Override
    public void close() {
        if (workspace != null) {
            workspace.close();
        }
    }
}
