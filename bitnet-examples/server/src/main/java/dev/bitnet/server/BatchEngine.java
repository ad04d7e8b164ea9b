package dev.bitnet.server;

import dev.bitnet.BatchOptions;
import dev.bitnet.BatchQueueFullException;
import dev.bitnet.BatchRequest;
import dev.bitnet.BatchScheduler;
import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;

import java.util.concurrent.CompletableFuture;

/**
 * Continuous batching through core's {@link BatchScheduler}: up to {@code parallel} sequences advance one
 * token per forward pass together, each weight read once for all of them, and prompts are prefilled in
 * chunks between decode steps. A sequence's text equals what it would get alone (same seed and options).
 * The listeners run on the scheduler thread; the server's only queue events for the HTTP threads.
 */
public final class BatchEngine implements CompletionEngine {
    private final BatchScheduler scheduler;

    /**
     * @param model     the model to run (not closed by this engine)
     * @param parallel  sequences decoded together, at least 1
     * @param maxQueued requests that may wait for a slot, at least 0
     */
    public BatchEngine(BitNetModel model, int parallel, int maxQueued) {
        this.scheduler = BatchScheduler.start(model, BatchOptions.defaults().withMaxSequences(parallel)
                .withMaxQueued(maxQueued));
    }

    @Override
    public Handle submit(int[] promptIds, GenerationOptions options, GenerationListener listener) {
        BatchRequest request;
        try {
            request = scheduler.submit(promptIds, options, listener);
        } catch (BatchQueueFullException e) {
            throw new EngineBusyException(e.getMessage());
        }
        return new Handle() {
            @Override
            public CompletableFuture<Generation> result() {
                return request.result();
            }

            @Override
            public void cancel() {
                request.cancel();
            }
        };
    }

    @Override
    public int activeGenerations() {
        return scheduler.activeSequences();
    }

    @Override
    public int queuedRequests() {
        return scheduler.queuedRequests();
    }

    @Override
    public String name() {
        return "batch";
    }

    @Override
    public void close() {
        scheduler.close();
    }
}
