package dev.bitnet.spark;

import java.util.concurrent.CompletableFuture;

/**
 * Runs the rows of one task through a model. A task keeps a window of rows submitted ahead of the one it
 * hands out next, so a decoder that batches (advancing every sequence it holds in one forward pass) always
 * has a group to work on.
 *
 * <p>A row the model refuses (empty, longer than the context, a bad chat role) completes with an error
 * outcome; only a failure of the model itself (closed, out of memory) completes exceptionally, which
 * fails the task.
 */
interface RowDecoder extends AutoCloseable {
    /** Starts decoding {@code request}; the future completes with its outcome. */
    CompletableFuture<RowOutcome> submit(RowRequest request);

    /** Stops what is still running and releases what the decoder holds, never the shared model. Idempotent. */
    @Override
    void close();
}
