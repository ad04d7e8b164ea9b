package dev.bitnet.spark;

import dev.bitnet.BatchOptions;
import dev.bitnet.BatchQueueFullException;
import dev.bitnet.BatchScheduler;
import dev.bitnet.BitNetException;
import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A {@link RowDecoder} over core's {@link BatchScheduler}: the rows a task has in flight are decoded
 * together, each step advancing all of them in one forward pass (each weight read once for the group),
 * so a task gets the batched throughput. A sequence decoded in a batch equals decoding it alone, so the
 * rows' results are those of {@link BitNetModel#generate} with the same options and seed.
 *
 * <p>One scheduler per task, on the executor's shared model: its thread does the task's computing, and
 * tasks running side by side each have their own.
 */
final class SchedulerDecoder implements RowDecoder {
    private final BatchScheduler scheduler;

    /**
     * @param slots   sequences decoded together
     * @param window  the most rows the task has in flight at once (the rest of them wait for a slot)
     */
    SchedulerDecoder(BitNetModel model, int slots, int window) {
        this.scheduler = BatchScheduler.start(model, BatchOptions.defaults()
                .withMaxSequences(slots)
                .withMaxQueued(Math.max(0, window - slots) + slots));
    }

    @Override
    public CompletableFuture<RowOutcome> submit(RowRequest r) {
        if (r.invalid() != null) {
            return CompletableFuture.completedFuture(RowOutcome.failed(r.invalid()));
        }
        CompletableFuture<Generation> result;
        try {
            result = (r.messages() != null
                    ? scheduler.submitChat(r.messages(), r.options(), GenerationListener.NONE)
                    : scheduler.submit(r.prompt(), r.options(), GenerationListener.NONE)).result();
        } catch (BatchQueueFullException e) {
            // the task never has more rows in flight than the queue holds: a full queue is a bug, not the row's fault
            throw new IllegalStateException("the task's batch queue is full: " + e.getMessage(), e);
        } catch (BitNetException | IllegalArgumentException e) {
            // the row's own fault (context overflow, no tokens, an id outside the vocabulary)
            return CompletableFuture.completedFuture(RowOutcome.failed(e));
        }
        return result.handle((g, failure) -> {
            if (failure == null) {
                return RowOutcome.of(g);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof BitNetException || cause instanceof IllegalArgumentException) {
                return RowOutcome.failed((RuntimeException) cause);
            }
            throw failure instanceof CompletionException c ? c : new CompletionException(cause);
        });
    }

    /** Cancels what is still in flight (a failed or killed task) and stops the scheduler's thread. */
    @Override
    public void close() {
        scheduler.close();
    }
}
