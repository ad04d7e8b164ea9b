package dev.bitnet;

/**
 * Options of a {@link BatchScheduler}.
 *
 * @param maxSequences sequences decoded together (slots); 1 to {@value #MAX_SEQUENCES}. Default 8.
 * @param maxQueued    requests that may wait for a free slot beyond those; at least 0. Default 64.
 * @param prefillChunk prompt tokens evaluated per step, together with the decode rows of the running
 *                     sequences, so a long prompt is prefilled over several steps and never stalls
 *                     them; 1 to {@value #MAX_PREFILL_CHUNK}. Default 64. The budget of a step goes to the sequences still
 *                     prefilling, oldest first.
 */
public record BatchOptions(int maxSequences, int maxQueued, int prefillChunk) {
    /** Largest accepted {@code maxSequences}: each slot holds a vocabulary of logits and a KV cache. */
    public static final int MAX_SEQUENCES = 256;
    /** Largest accepted {@code prefillChunk}: a step's rows are held in one workspace. */
    public static final int MAX_PREFILL_CHUNK = 4096;

    /** @throws IllegalArgumentException naming the field that is out of range */
    public BatchOptions {
        if (maxSequences < 1 || maxSequences > MAX_SEQUENCES) {
            throw new IllegalArgumentException("maxSequences must be in [1, " + MAX_SEQUENCES + "], got " + maxSequences);
        }
        if (maxQueued < 0) {
            throw new IllegalArgumentException("maxQueued must be at least 0, got " + maxQueued);
        }
        if (prefillChunk < 1 || prefillChunk > MAX_PREFILL_CHUNK) {
            throw new IllegalArgumentException("prefillChunk must be in [1, " + MAX_PREFILL_CHUNK + "], got " + prefillChunk);
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
