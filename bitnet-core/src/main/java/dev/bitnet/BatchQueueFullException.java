package dev.bitnet;

/**
 * A {@link BatchScheduler} refused a request: every slot is busy and its queue is full. Nothing was
 * submitted; try again later (an HTTP server answers 429).
 */
public final class BatchQueueFullException extends BitNetException {
    private static final long serialVersionUID = 1L;

    private final int maxSequences;
    private final int maxQueued;

    public BatchQueueFullException(int maxSequences, int maxQueued) {
        super("the batch scheduler is full: " + maxSequences + " sequence(s) running and " + maxQueued
                + " request(s) queued; try again later");
        this.maxSequences = maxSequences;
        this.maxQueued = maxQueued;
    }

    /** The scheduler's slots. */
    public int maxSequences() {
        return maxSequences;
    }

    /** The scheduler's queue length. */
    public int maxQueued() {
        return maxQueued;
    }
}
