package dev.bitnet;

import dev.bitnet.chat.ChatMessage;
import dev.bitnet.model.BatchPass;
import dev.bitnet.model.SequenceState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Continuous batching over one model: admits requests into free slots, and each step advances every
 * active sequence by one token in <em>one</em> forward pass (each weight read once for all of them;
 * attention per sequence on its own KV cache), interleaving prompt prefill in chunks so that a long
 * prompt never stalls running streams: a step holds every decode row plus at most {@link
 * BatchOptions#prefillChunk()} prompt tokens. Runs on one scheduler thread of its own (named {@code
 * bitnet-batch}); usable without a server.
 *
 * <p>Results for a sequence equal running it alone with {@link BitNetModel#generate(int[],
 * GenerationOptions, GenerationListener)} (same seed and options): the forward pass computes every row
 * as it would alone, and the sampling, stop and text logic is the same code.
 *
 * <pre>{@code
 * try (BatchScheduler batch = BatchScheduler.start(model, BatchOptions.defaults())) {
 *     BatchRequest a = batch.submit("Once upon a time", GenerationOptions.defaults(), GenerationListener.NONE);
 *     BatchRequest b = batch.submit("The capital of France is", GenerationOptions.greedy(), listener);
 *     System.out.println(a.result().join().text());
 * }
 * }</pre>
 *
 * <p>Listener callbacks run on the scheduler thread and must be quick: every sequence waits for them.
 * A listener that throws ends only its own request ({@code onError}, and its future completes
 * exceptionally). Thread-safe: submit from any number of threads.
 */
public final class BatchScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchScheduler.class);

    private final BitNetModel model;
    private final BatchOptions options;
    private final int vocab;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final ArrayDeque<BatchRequest> queue = new ArrayDeque<>();
    private final Thread thread;
    /** Slots in use (guarded by lock); the slots themselves belong to the scheduler thread. */
    private int active;
    private boolean closed;
    private boolean signalled;

    // scheduler thread only
    private final List<Slot> slots = new ArrayList<>();
    private final BatchPass pass;
    private final int[] one = new int[1];

    private BatchScheduler(BitNetModel model, BatchOptions options) {
        this.model = model;
        this.options = options;
        this.vocab = model.config().vocabSize();
        this.pass = new BatchPass(model.transformer(), options.maxSequences() + options.prefillChunk());
        this.thread = new Thread(this::run, "bitnet-batch");
        thread.setDaemon(true);
    }

    /**
     * Starts a scheduler on {@code model}; close it to stop its thread (the model stays open).
     *
     * @throws IllegalStateException if the model is closed
     */
    public static BatchScheduler start(BitNetModel model, BatchOptions options) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(options, "options");
        model.checkOpen();
        BatchScheduler s = new BatchScheduler(model, options);
        s.thread.start();
        return s;
    }

    /**
     * Submits a generation from prompt token ids (no BOS is added).
     *
     * @throws ContextOverflowException  if the prompt does not fit the model's context
     * @throws BatchQueueFullException   if every slot is busy and the queue is full
     * @throws IllegalArgumentException  for an empty prompt, a token id outside the vocabulary, or
     *                                   options that do not fit the model
     * @throws IllegalStateException     if the scheduler or the model is closed
     */
    public BatchRequest submit(int[] promptIds, GenerationOptions options, GenerationListener listener) {
        Objects.requireNonNull(promptIds, "promptIds");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        model.checkOpen();
        int[] prompt = promptIds.clone();
        if (prompt.length > model.contextLength()) {
            throw new ContextOverflowException(0, prompt.length, model.contextLength());
        }
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new IllegalArgumentException("token id " + prompt[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        BatchRequest request = new BatchRequest(prompt, options, model.hasTokenizer() ? model.tokenizer() : null, vocab,
                listener, this::wake);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the batch scheduler is closed");
            }
            // a free slot takes a request at the next step; only requests beyond the free slots wait in the queue
            if (queue.size() >= this.options.maxQueued() + (this.options.maxSequences() - active)) {
                throw new BatchQueueFullException(this.options.maxSequences(), this.options.maxQueued());
            }
            queue.addLast(request);
            signalled = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        return request;
    }

    /** Submits a completion of {@code prompt}, tokenized by {@link BitNetModel#encode}. */
    public BatchRequest submit(String prompt, GenerationOptions options, GenerationListener listener) {
        Objects.requireNonNull(prompt, "prompt");
        return submit(model.encode(prompt), options, listener);
    }

    /**
     * Submits the answer to the last turn of a conversation: renders it with the model's chat template
     * and adds its end-of-turn stop ids, as {@link BitNetModel#chat} does.
     */
    public BatchRequest submitChat(List<ChatMessage> messages, GenerationOptions options, GenerationListener listener) {
        Objects.requireNonNull(options, "options");
        return submit(model.encodeChat(messages), model.chatOptions(options), listener);
    }

    /** Sequences in the batch now (admitted, prefilling or decoding). */
    public int activeSequences() {
        lock.lock();
        try {
            return active;
        } finally {
            lock.unlock();
        }
    }

    /** Requests waiting for a slot. */
    public int queuedRequests() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** The model this scheduler runs. */
    public BitNetModel model() {
        return model;
    }

    /** The options it was started with. */
    public BatchOptions options() {
        return options;
    }

    /**
     * Stops admitting; cancels queued and active requests (they complete with {@link
     * FinishReason#CANCELLED}); waits for the scheduler thread to end (unless called from it, by a
     * listener). Idempotent. Does not close the model.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            signalled = true;
            work.signal();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() != thread) {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void wake() {
        lock.lock();
        try {
            signalled = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /** One admitted request and its sequence. */
    private static final class Slot {
        final BatchRequest request;
        final SequenceState state;
        final float[] logits;
        final long admitted = System.nanoTime();
        /** Prompt tokens evaluated so far; the sequence decodes once this reaches the prompt's length. */
        int prefilled;
        /** Rows this slot has in the pending pass, and whether they produce logits. */
        int inPass;
        boolean wantsLogits;
        /** The last token of the pending pass for this slot (named when its logits are not finite). */
        int lastFed;

        Slot(BatchRequest request, SequenceState state, int vocab) {
            this.request = request;
            this.state = state;
            this.logits = new float[vocab];
        }

        boolean prefilling() {
            return prefilled < request.prompt().length;
        }
    }

    private void run() {
        try {
            while (true) {
                List<BatchRequest> admitted = new ArrayList<>();
                List<BatchRequest> dropped = new ArrayList<>();
                boolean stop;
                lock.lock();
                try {
                    while (!closed && !signalled && slots.isEmpty() && queue.isEmpty()) {
                        work.awaitUninterruptibly();
                    }
                    signalled = false;
                    stop = closed;
                    if (closed) {
                        dropped.addAll(queue);
                        queue.clear();
                    } else {
                        for (Iterator<BatchRequest> it = queue.iterator(); it.hasNext(); ) {
                            BatchRequest r = it.next();
                            if (r.cancelled()) {
                                it.remove();
                                dropped.add(r);
                            }
                        }
                        while (active < options.maxSequences() && !queue.isEmpty()) {
                            admitted.add(queue.pollFirst());
                            active++;
                        }
                    }
                } finally {
                    lock.unlock();
                }
                for (BatchRequest r : dropped) {
                    finishUnstarted(r);
                }
                if (stop) {
                    break;
                }
                for (BatchRequest r : admitted) {
                    admit(r);
                }
                step();
            }
        } catch (Throwable t) {
            LOG.error("batch scheduler thread failed", t);
            failAll(t);
        } finally {
            for (Slot s : List.copyOf(slots)) {
                cancelSlot(s);
            }
            List<BatchRequest> left;
            lock.lock();
            try {
                closed = true;
                left = new ArrayList<>(queue);
                queue.clear();
            } finally {
                lock.unlock();
            }
            for (BatchRequest r : left) {
                finishUnstarted(r);
            }
            pass.close();
        }
    }

    /** Gives an admitted request a slot, or ends it at once when it generates nothing. */
    private void admit(BatchRequest r) {
        if (r.cancelled()) {
            release(1);
            finishUnstarted(r);
            return;
        }
        if (r.generation().generatesNothing()) {
            // as generate() does: no token, finish reason MAX_TOKENS (the prompt need not be evaluated for that)
            release(1);
            synchronized (r.lock()) {
                r.generation().promptDone(0, 0);
            }
            complete(r);
            return;
        }
        slots.add(new Slot(r, new SequenceState(model.transformer(), model.contextLength(), 1), vocab));
    }

    /** One forward pass: every decoding sequence's next token, then prompt chunks up to the step's budget. */
    private void step() {
        for (Slot s : List.copyOf(slots)) {
            if (s.request.cancelled()) {
                cancelSlot(s);
            }
        }
        if (slots.isEmpty()) {
            return;
        }
        List<Slot> inPass = new ArrayList<>();
        for (Slot s : slots) {
            if (!s.prefilling()) {
                one[0] = s.request.generation().lastToken();
                pass.add(s.state, one, 0, 1, s.logits);
                s.lastFed = one[0];
                s.inPass = 1;
                s.wantsLogits = true;
                inPass.add(s);
            }
        }
        int budget = options.prefillChunk();
        for (Slot s : slots) {
            if (budget == 0) {
                break;
            }
            if (s.prefilling()) {
                int[] prompt = s.request.prompt();
                int n = Math.min(budget, prompt.length - s.prefilled);
                boolean last = s.prefilled + n == prompt.length;
                pass.add(s.state, prompt, s.prefilled, n, last ? s.logits : null);
                s.lastFed = prompt[s.prefilled + n - 1];
                s.inPass = n;
                s.wantsLogits = last;
                budget -= n;
                inPass.add(s);
            }
        }
        // the model cannot be closed (its file unmapped, its threads stopped) while the pass runs
        CloseGuard guard = model.guard();
        try {
            if (!guard.enter()) {
                throw model.closedException();
            }
            try {
                pass.run();
            } finally {
                guard.exit();
            }
        } catch (RuntimeException | Error e) {
            pass.clear();
            LOG.warn("batched forward pass failed; failing its {} request(s)", inPass.size(), e);
            for (Slot s : inPass) {
                fail(s, e);
            }
            return;
        }
        for (Slot s : inPass) {
            boolean wasPrefilling = s.prefilling();
            if (wasPrefilling) {
                s.prefilled += s.inPass;
            }
            if (!s.wantsLogits) {
                continue;
            }
            advance(s, wasPrefilling);
        }
    }

    /** Samples a slot's next token from its fresh logits, under its request's lock (listener calls included). */
    private void advance(Slot s, boolean promptJustDone) {
        BatchRequest r = s.request;
        SequenceGeneration g = r.generation();
        try {
            synchronized (r.lock()) {
                if (r.cancelled()) {
                    cancelSlot(s);
                    return;
                }
                // corrupt weights show up as NaN/infinite logits: a clear error for this request
                LogitCheck.check(s.logits, vocab, model, s.state.position() - 1, s.lastFed);
                if (promptJustDone) {
                    g.promptDone(r.prompt().length, (System.nanoTime() - s.admitted) / 1e6);
                }
                g.accept(s.logits, s.state.position() < s.state.contextLimit());
            }
        } catch (RuntimeException | Error e) {
            fail(s, e);
            return;
        }
        if (g.finished()) {
            retire(s);
            complete(r);
        }
    }

    private void cancelSlot(Slot s) {
        retire(s);
        BatchRequest r = s.request;
        synchronized (r.lock()) {
            SequenceGeneration g = r.generation();
            if (!g.started()) {
                g.promptDone(s.prefilled, (System.nanoTime() - s.admitted) / 1e6);
            }
            g.finish(FinishReason.CANCELLED);
        }
        complete(r);
    }

    /** A request that never got a slot (cancelled in the queue, closed, or allowed no tokens). */
    private void finishUnstarted(BatchRequest r) {
        SequenceGeneration g = r.generation();
        try {
            synchronized (r.lock()) {
                if (!g.started()) {
                    g.promptDone(0, 0);
                }
                g.finish(FinishReason.CANCELLED);
            }
        } catch (RuntimeException | Error e) {
            failRequest(r, e);
            return;
        }
        complete(r);
    }

    private void complete(BatchRequest r) {
        Generation result;
        try {
            result = r.generation().result(model.loadMillis());
        } catch (RuntimeException | Error e) {
            failRequest(r, e);
            return;
        }
        try {
            r.listener().onComplete(result);
        } catch (RuntimeException | Error e) {
            LOG.warn("a batch request's listener threw from onComplete", e);
            r.future().completeExceptionally(e);
            return;
        }
        r.future().complete(result);
    }

    private void fail(Slot s, Throwable e) {
        retire(s);
        failRequest(s.request, e);
    }

    private void failRequest(BatchRequest r, Throwable e) {
        try {
            r.listener().onError(e);
        } catch (RuntimeException | Error e2) {
            e.addSuppressed(e2);
        }
        r.future().completeExceptionally(e);
    }

    private void failAll(Throwable t) {
        for (Slot s : List.copyOf(slots)) {
            fail(s, t);
        }
    }

    /** Frees a slot and its KV cache. */
    private void retire(Slot s) {
        if (slots.remove(s)) {
            s.state.close();
            release(1);
        }
    }

    private void release(int n) {
        lock.lock();
        try {
            active -= n;
        } finally {
            lock.unlock();
        }
    }
}
