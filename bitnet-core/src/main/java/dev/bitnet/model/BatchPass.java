package dev.bitnet.model;

import org.jetbrains.annotations.Nullable;

import java.util.Arrays;
import java.util.Objects;

/**
 * One forward pass over rows that belong to several sequences: decode rows (one token of a sequence)
 * and prefill chunks (consecutive prompt tokens of one sequence), each sequence at its own position
 * with its own KV cache. Every projection and the LM head run once over all rows, so each weight is
 * read once per pass however many sequences take part; RoPE, the KV write and attention run per
 * sequence. All of it is computed per row (activation quantization included), so a sequence's logits
 * are those it would get evaluated alone.
 *
 * <p>Use: {@link #add} the segments of the pass, then {@link #run()}; the pass is then empty again.
 * Holds the scratch buffers for up to {@link #maxRows()} rows; not thread-safe. Close it to free them.
 */
public final class BatchPass implements AutoCloseable {
    private final Transformer transformer;
    private final Workspace workspace;
    private final int vocab;
    private int[] tokens;
    private int rows;
    private int[] logitRows;
    private float[][] logitTargets;
    private int logitCount;
    private SequenceState[] sequences = new SequenceState[8];
    private int[] counts = new int[8];
    private float[] logits = new float[0];

    /** Scratch for passes of up to {@code maxRows} rows of {@code transformer}. */
    public BatchPass(Transformer transformer, int maxRows) {
        if (maxRows < 1) {
            throw new IllegalArgumentException("maxRows must be at least 1, got " + maxRows);
        }
        this.transformer = Objects.requireNonNull(transformer, "transformer");
        this.workspace = new Workspace(transformer.config(), maxRows);
        this.vocab = transformer.config().vocabSize();
        this.tokens = new int[maxRows];
        this.logitRows = new int[maxRows];
        this.logitTargets = new float[maxRows][];
    }

    /** The most rows one pass holds. */
    public int maxRows() {
        return workspace.batch;
    }

    /** Rows added to the pending pass. */
    public int rows() {
        return rows;
    }

    /**
     * Adds {@code tokens[offset, offset + count)} as the next positions of {@code sequence}; when
     * {@code logits} is non-null, the logits after the last of them are written to it ({@code
     * vocabSize} floats) by {@link #run()}. A sequence appears at most once per pass.
     *
     * @throws IllegalArgumentException when the rows do not fit the pass or the sequence's context,
     *                                  for a token outside the vocabulary, or a sequence of another model
     */
    public void add(SequenceState sequence, int[] tokens, int offset, int count, @Nullable float[] logits) {
        Objects.requireNonNull(sequence, "sequence");
        if (sequence.transformer() != transformer) {
            throw new IllegalArgumentException("the sequence belongs to another model");
        }
        if (count < 1 || rows + count > workspace.batch) {
            throw new IllegalArgumentException("cannot add " + count + " row(s) to a pass holding " + rows + " of " + workspace.batch);
        }
        if (count > sequence.contextLimit() - sequence.position()) {
            throw new IllegalArgumentException("cannot add " + count + " token(s) at position " + sequence.position()
                    + ": the sequence's context length is " + sequence.contextLimit());
        }
        if (logits != null && logits.length < vocab) {
            throw new IllegalArgumentException("logits buffer holds " + logits.length + " floats, the vocabulary has " + vocab);
        }
        for (int s = 0; s < workspace.segments; s++) {
            if (sequences[s] == sequence) {
                throw new IllegalArgumentException("the sequence is already in this pass");
            }
        }
        for (int i = 0; i < count; i++) {
            int id = tokens[offset + i];
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        System.arraycopy(tokens, offset, this.tokens, rows, count);
        int segment = workspace.segments;
        workspace.addSegment(sequence.cache(), sequence.position(), count);
        if (segment == sequences.length) {
            sequences = Arrays.copyOf(sequences, segment * 2);
            this.counts = Arrays.copyOf(this.counts, segment * 2);
        }
        sequences[segment] = sequence;
        counts[segment] = count;
        rows += count;
        if (logits != null) {
            logitRows[logitCount] = rows - 1;
            logitTargets[logitCount] = logits;
            logitCount++;
        }
    }

    /** Evaluates the pending rows, advances each sequence past its rows, writes the requested logits; then empties the pass. */
    public void run() {
        if (rows == 0) {
            return;
        }
        try {
            if (logitCount > 0 && logits.length < logitCount * vocab) {
                logits = new float[logitCount * vocab];
            }
            transformer.forwardSegments(tokens, rows, workspace, logitRows, logitCount, logits);
            for (int k = 0; k < logitCount; k++) {
                System.arraycopy(logits, k * vocab, logitTargets[k], 0, vocab);
            }
            for (int s = 0; s < workspace.segments; s++) {
                sequences[s].advance(counts[s]);
            }
        } finally {
            clear();
        }
    }

    /** Empties the pending pass without evaluating it. */
    public void clear() {
        for (int s = 0; s < workspace.segments; s++) {
            sequences[s] = null;
        }
        Arrays.fill(logitTargets, 0, logitCount, null);
        workspace.clearSegments();
        rows = 0;
        logitCount = 0;
    }

    @Override
    public void close() {
        clear();
        workspace.close();
    }
}
