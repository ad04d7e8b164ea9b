package dev.bitnet;

/**
 * Options of a {@link BatchScheduler}.
 *
 * @param maxSequences sequences decoded together (slots); at least 1. Default 8.
 * @param maxQueued    requests that may wait for a free slot beyond those; at least 0. Default 64.
 * @param prefillChunk prompt tokens evaluated per step, together with the decode rows of the running
 *                     sequences, so a long prompt is prefilled over several steps and never stalls
 *                     them; at least 1. Default 64. The budget of a step goes to the sequences still
 *                     prefilling, oldest first.
 */
public record BatchOptions(int maxSequences, int maxQueued, int prefillChunk) {
    /** Largest accepted {@code maxSequences} and {@code prefillChunk}: a step's rows are held in one workspace. */
    public static final int MAX_ROWS = 4096;

    /** @throws IllegalArgumentException naming the field that is out of range */
    public BatchOptions {
        if (maxSequences < 1 || maxSequences > MAX_ROWS) {
            throw new IllegalArgumentException("maxSequences must be in [1, " + MAX_ROWS + "], got " + maxSequences);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must be at least 0, got " + maxQueued);
        }
        if (prefillChunk < 1 || prefillChunk > MAX_ROWS) {
            throw new IllegalArgumentException("prefillChunk must be in [1, " + MAX_ROWS + "], got " + prefillChunk);
        }
    }

    /** 8 sequences, 64 queued requests, 64 prompt tokens per step. */
    public static BatchOptions defaults() {
        return new BatchOptions(8, 64, 64);
    }

    /** These options with another {@code maxSequences}. */
    public BatchOptions withMaxSequences(int maxSequences) {
        return new BatchOptions(maxSequences, maxQueued, prefillChunk);
    }

    /** These options with another {@code maxQueued}. */
    public BatchOptions withMaxQueued(int maxQueued) {
        return new BatchOptions(maxSequences, maxQueued, prefillChunk);
    }

    /** These options with another {@code prefillChunk}. */
    public BatchOptions withPrefillChunk(int prefillChunk) {
        return new BatchOptions(maxSequences, maxQueued, prefillChunk);
    }
}
