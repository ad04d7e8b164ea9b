package dev.bitnet.server;

import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;

import java.util.concurrent.CompletableFuture;

/**
 * What the server generates with: takes prompts as token ids (the server renders chat templates itself,
 * so it can count and check the prompt first) and runs them, several at once, reporting text to a listener.
 * Two implementations: {@link ThreadedEngine} (one model call per request on a pool of {@code parallel}
 * threads) and {@link BatchEngine} (core's continuous-batching scheduler).
 */
public interface CompletionEngine extends AutoCloseable {
    /**
     * Starts (or queues) one generation. The listener's callbacks may come on another thread and must be quick;
     * the generation ends with exactly one of {@code onComplete} / {@code onError}, and the handle's future
     * completes after that callback.
     *
     * @throws EngineBusyException   when the queue is full
     * @throws IllegalStateException when the engine is closed
     */
    Handle submit(int[] promptIds, GenerationOptions options, GenerationListener listener);

    /** Generations running now. */
    int activeGenerations();

    /** Requests waiting for a slot. */
    int queuedRequests();

    /** A short name for logs and metrics, e.g. {@code threads} or {@code batch}. */
    String name();

    /** Cancels what is queued or running and stops the engine's threads. Does not close the model. Idempotent. */
    @Override
    void close();

    /** A submitted generation. */
    interface Handle {
        /** Completes with the generation (finish reason CANCELLED after {@link #cancel()}), or exceptionally. */
        CompletableFuture<Generation> result();

        /** Ends the generation after the token in progress, or drops it from the queue. Idempotent, any thread. */
        void cancel();
    }

    /** The engine's queue is full (HTTP 429). */
    final class EngineBusyException extends RuntimeException {
        /** @param message what was full */
        public EngineBusyException(String message) {
            super(message);
        }
    }
}
