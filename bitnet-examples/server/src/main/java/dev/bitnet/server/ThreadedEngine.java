package dev.bitnet.server;

import dev.bitnet.BitNetModel;
import dev.bitnet.FinishReason;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import dev.bitnet.Timings;
import dev.bitnet.TokenStream;
import dev.bitnet.Usage;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@link BitNetModel#stream(int[], GenerationOptions) model call} per request, {@code parallel} at a time,
 * with at most {@code maxQueued} more waiting. Each running request reads every weight per token on its own,
 * so N streams cost about N times one; {@link BatchEngine} shares those reads.
 *
 * <p>The generations run on platform threads, not on virtual ones: they are CPU-bound and never yield, and
 * on virtual threads they would hold the carrier threads that the HTTP handlers need.
 */
public final class ThreadedEngine implements CompletionEngine {
    private final BitNetModel model;
    private final ThreadPoolExecutor pool;
    private final BlockingQueue<Runnable> queue;
    private final Set<Job> jobs = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final int maxQueued;

    /**
     * @param model     the model to run (not closed by this engine)
     * @param parallel  generations that run at once, at least 1
     * @param maxQueued requests that may wait for a slot, at least 0
     */
    public ThreadedEngine(BitNetModel model, int parallel, int maxQueued) {
        this.model = Objects.requireNonNull(model, "model");
        if (parallel < 1 || maxQueued < 0) {
            throw new IllegalArgumentException("parallel must be >= 1 and maxQueued >= 0, got " + parallel + ", " + maxQueued);
        }
        this.maxQueued = maxQueued;
        this.queue = maxQueued == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(maxQueued);
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(parallel, parallel, 30, TimeUnit.SECONDS, queue, r -> {
            Thread t = new Thread(r, "bitnet-generate-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    }

    @Override
    public Handle submit(int[] promptIds, GenerationOptions options, GenerationListener listener) {
        Objects.requireNonNull(promptIds, "promptIds");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        if (pool.isShutdown()) {
            throw new IllegalStateException("the engine is closed");
        }
        Job job = new Job(promptIds.clone(), options, listener);
        jobs.add(job);
        try {
            pool.execute(job);
        } catch (RejectedExecutionException e) {
            jobs.remove(job);
            if (pool.isShutdown()) {
                throw new IllegalStateException("the engine is closed");
            }
            throw new EngineBusyException("all " + pool.getMaximumPoolSize() + " slots are busy and " + maxQueued
                    + " requests are waiting");
        }
        return job;
    }

    @Override
    public int activeGenerations() {
        return active.get();
    }

    @Override
    public int queuedRequests() {
        return queue.size();
    }

    @Override
    public String name() {
        return "threads";
    }

    @Override
    public void close() {
        pool.shutdown();
        for (Job job : jobs) {
            job.cancel();
        }
        // queued jobs still run after shutdown(), but cancelled they end at once; no interrupts reach the model
        try {
            if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("generations did not end within 30 s of cancellation");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Job implements Runnable, Handle {
        private final int[] prompt;
        private final GenerationOptions options;
        private final GenerationListener listener;
        private final CompletableFuture<Generation> future = new CompletableFuture<>();
        private volatile boolean cancelled;
        private volatile TokenStream stream;

        Job(int[] prompt, GenerationOptions options, GenerationListener listener) {
            this.prompt = prompt;
            this.options = options;
            this.listener = listener;
        }

        @Override
        public void run() {
            if (future.isDone()) {
                return;
            }
            active.incrementAndGet();
            try {
                Generation g;
                if (cancelled) {
                    g = new Generation("", new int[0], FinishReason.CANCELLED, new Usage(prompt.length, 0),
                            Timings.of(0, 0, 0, 0, 0));
                } else {
                    try (TokenStream s = model.stream(prompt, options)) {
                        stream = s;
                        if (cancelled) {
                            s.cancel();
                        }
                        while (s.hasNext()) {
                            listener.onToken(s.next());
                        }
                        g = s.result();
                    }
                }
                listener.onComplete(g);
                future.complete(g);
            } catch (Throwable t) {
                try {
                    listener.onError(t);
                } finally {
                    future.completeExceptionally(t);
                }
            } finally {
                active.decrementAndGet();
                jobs.remove(this);
            }
        }

        @Override
        public CompletableFuture<Generation> result() {
            return future;
        }

        @Override
        public void cancel() {
            cancelled = true;
            TokenStream s = stream;
            if (s != null) {
                s.cancel();
            }
        }
    }
}
