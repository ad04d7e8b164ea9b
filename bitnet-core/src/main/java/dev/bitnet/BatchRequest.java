package dev.bitnet;

import dev.bitnet.tokenizer.Tokenizer;
import org.jetbrains.annotations.Nullable;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A request submitted to a {@link BatchScheduler}: its result, and a way to cancel it. Thread-safe.
 */
public final class BatchRequest {
    private final CompletableFuture<Generation> result = new CompletableFuture<>();
    private final int[] prompt;
    private final SequenceGeneration generation;
    private final GenerationListener listener;
    private final Runnable wake;
    /** Held by the scheduler thread while it advances this request (and calls its listener), and by cancel(). */
    private final Object lock = new Object();
    private volatile boolean cancelled;

    /** @throws IllegalArgumentException for an empty prompt or options that do not fit the model */
    BatchRequest(int[] prompt, GenerationOptions options, @Nullable Tokenizer tokenizer, int vocab,
                 GenerationListener listener, Runnable wake) {
        this.prompt = prompt;
        this.listener = listener;
        this.wake = wake;
        this.generation = new SequenceGeneration(prompt, options, tokenizer, vocab, new Gate());
        // cancelling the future cancels the generation
        result.whenComplete((g, e) -> {
            if (e instanceof CancellationException) {
                cancel();
            }
        });
    }

    /**
     * Completes with the {@link Generation} (text, ids, finish reason, usage, timings) when the request
     * ends normally or is cancelled (finish reason {@link FinishReason#CANCELLED}), or exceptionally
     * when it fails (its listener threw, or the forward pass failed). Cancelling the future cancels
     * the request.
     */
    public CompletableFuture<Generation> result() {
        return result;
    }

    /**
     * Cancels the request: it leaves the batch (or the queue) at the scheduler's next step and
     * completes with {@link FinishReason#CANCELLED}. Once this returns, its listener gets no call
     * but that final {@code onComplete}. Idempotent; may be called from any thread, a listener included.
     */
    public void cancel() {
        if (!cancelled) {
            synchronized (lock) {
                cancelled = true;
            }
            wake.run();
        }
    }

    /** Whether the request has completed (normally, cancelled or failed). */
    public boolean isDone() {
        return result.isDone();
    }

    boolean cancelled() {
        return cancelled;
    }

    Object lock() {
        return lock;
    }

    int[] prompt() {
        return prompt;
    }

    SequenceGeneration generation() {
        return generation;
    }

    GenerationListener listener() {
        return listener;
    }

    CompletableFuture<Generation> future() {
        return result;
    }

    /**
     * The listener the generation reports to: token callbacks stop once the request is cancelled, so
     * that after {@link #cancel()} returns only the final {@code onComplete} comes (the scheduler
     * calls that, and onError, on the user's listener itself).
     */
    private final class Gate implements GenerationListener {
        @Override
        public void onToken(String text) {
            if (!cancelled) {
                listener.onToken(text);
            }
        }

        @Override
        public void onTokenId(int tokenId) {
            if (!cancelled) {
                listener.onTokenId(tokenId);
            }
        }
    }
}
