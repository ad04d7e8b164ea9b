package dev.bitnet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Continuous batching on a real (tiny, random) model: every request gets what it would get alone. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BatchSchedulerTest {
    private static final int EOS = 509;
    private static BitNetModel model;

    @BeforeAll
    static void load() {
        model = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A request and what it must produce. */
    private record Case(int[] prompt, GenerationOptions options) {
    }

    /** Records every callback, to compare the streamed view with the result. */
    private static class Recorder implements GenerationListener {
        final StringBuilder text = new StringBuilder();
        final List<Integer> ids = new CopyOnWriteArrayList<>();
        final AtomicInteger completes = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();

        @Override
        public void onToken(String t) {
            text.append(t);
        }

        @Override
        public void onTokenId(int id) {
            ids.add(id);
        }

        @Override
        public void onComplete(Generation g) {
            completes.incrementAndGet();
        }

        @Override
        public void onError(Throwable e) {
            errors.incrementAndGet();
        }
    }

    private static List<Case> cases(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] prompt = random.ints(1 + random.nextInt(40), 0, 508).toArray();
            GenerationOptions.Builder b = switch (i % 4) {
                case 0 -> GenerationOptions.greedy().toBuilder();
                case 1 -> GenerationOptions.builder().temperature(0.9).topK(40).topP(0.95).seed(i);
                case 2 -> GenerationOptions.builder().temperature(1.2).minP(0.02).repeatPenalty(1.1).seed(100 + i);
                default -> GenerationOptions.builder().temperature(0.8).seed(7).logitBias(EOS, Double.NEGATIVE_INFINITY);
            };
            cases.add(new Case(prompt, b.maxTokens(1 + random.nextInt(30)).build()));
        }
        return cases;
    }

    private static void assertSameAsAlone(Case c, Generation batched, Recorder streamed) {
        Generation alone = model.generate(c.prompt(), c.options(), GenerationListener.NONE);
        assertThat(batched.tokenIds()).as("ids of %s", c.options()).containsExactly(alone.tokenIds());
        assertThat(batched.text()).isEqualTo(alone.text());
        assertThat(batched.finishReason()).isEqualTo(alone.finishReason());
        assertThat(batched.usage()).isEqualTo(alone.usage());
        assertThat(streamed.text.toString()).isEqualTo(batched.text());
        assertThat(streamed.ids).containsExactly(java.util.Arrays.stream(batched.tokenIds()).boxed().toArray(Integer[]::new));
        assertThat(streamed.completes.get()).isEqualTo(1);
        assertThat(streamed.errors.get()).isZero();
    }

    @Test
    void requestsJoiningAndLeavingMidBatchGetWhatTheyGetAlone() {
        List<Case> cases = cases(14, 1);
        // a stop string taken from a sequence's own continuation, so it fires mid-generation
        Case base = cases.get(1);
        String text = model.generate(base.prompt(), base.options(), GenerationListener.NONE).text();
        assertThat(text.length()).isGreaterThan(6);
        cases.add(new Case(base.prompt(), base.options().toBuilder().stopStrings(text.substring(3, 6)).build()));
        // a prompt longer than several prefill chunks
        cases.add(new Case(new SplittableRandom(5).ints(90, 0, 508).toArray(), GenerationOptions.greedy().toBuilder().maxTokens(12).build()));
        List<BatchRequest> requests = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        try (BatchScheduler batch = BatchScheduler.start(model, new BatchOptions(4, 64, 7))) {
            for (int i = 0; i < cases.size(); i++) {
                Recorder r = new Recorder();
                recorders.add(r);
                requests.add(batch.submit(cases.get(i).prompt(), cases.get(i).options(), r));
                if (i % 3 == 2) {
                    // later requests join while earlier ones are decoding
                    requests.get(i - 1).result().join();
                }
            }
            for (int i = 0; i < cases.size(); i++) {
                assertSameAsAlone(cases.get(i), requests.get(i).result().join(), recorders.get(i));
            }
            assertThat(requests.get(14).result().join().finishReason()).isEqualTo(FinishReason.STOP_STRING);
        }
    }

    @Test
    void submitFromManyThreadsAtOnce() throws Exception {
        List<Case> cases = cases(16, 2);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (BatchScheduler batch = BatchScheduler.start(model, new BatchOptions(8, 64, 16))) {
            List<Future<Generation>> futures = new ArrayList<>();
            List<Recorder> recorders = new ArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            for (Case c : cases) {
                Recorder r = new Recorder();
                recorders.add(r);
                futures.add(pool.submit(() -> {
                    go.await();
                    return batch.submit(c.prompt(), c.options(), r).result().join();
                }));
            }
            go.countDown();
            for (int i = 0; i < cases.size(); i++) {
                assertSameAsAlone(cases.get(i), futures.get(i).get(60, TimeUnit.SECONDS), recorders.get(i));
            }
            assertThat(batch.activeSequences()).isZero();
            assertThat(batch.queuedRequests()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void textAndChatPromptsAsTheModelEncodesThem() {
        GenerationOptions greedy = GenerationOptions.greedy().toBuilder().maxTokens(10).build();
        try (BatchScheduler batch = BatchScheduler.start(model, BatchOptions.defaults())) {
            Generation text = batch.submit("hello there", greedy, GenerationListener.NONE).result().join();
            assertThat(text.tokenIds()).containsExactly(model.generate("hello there", greedy).tokenIds());
            var messages = List.of(dev.bitnet.chat.ChatMessage.user("hi"));
            Generation chat = batch.submitChat(messages, greedy, GenerationListener.NONE).result().join();
            assertThat(chat.tokenIds()).containsExactly(model.chat(messages, greedy).tokenIds());
            assertThat(model.encodeChat(messages)).isNotEmpty();
            assertThat(model.chatOptions(greedy).maxTokens()).isEqualTo(10);
        }
    }

    private static GenerationOptions endless() {
        return GenerationOptions.builder().temperature(0.8).seed(3).logitBias(EOS, Double.NEGATIVE_INFINITY).maxTokens(10_000).build();
    }

    @Test
    void cancelledRequestsLeaveAndGetNoCallbackAfterCancelReturns() throws Exception {
        try (BatchScheduler batch = BatchScheduler.start(model, new BatchOptions(4, 8, 8))) {
            CountDownLatch some = new CountDownLatch(3);
            AtomicBoolean cancelReturned = new AtomicBoolean();
            AtomicInteger lateCallbacks = new AtomicInteger();
            GenerationListener watcher = new GenerationListener() {
                @Override
                public void onTokenId(int id) {
                    if (cancelReturned.get()) {
                        lateCallbacks.incrementAndGet();
                    }
                    some.countDown();
                }

                @Override
                public void onToken(String t) {
                    if (cancelReturned.get()) {
                        lateCallbacks.incrementAndGet();
                    }
                }
            };
            BatchRequest other = batch.submit(new int[] {1, 2, 3}, GenerationOptions.greedy().toBuilder().maxTokens(30).build(), new Recorder());
            BatchRequest r = batch.submit(new int[] {5, 6, 7}, endless(), watcher);
            assertThat(some.await(30, TimeUnit.SECONDS)).isTrue();
            r.cancel();
            cancelReturned.set(true);
            r.cancel();
            Generation g = r.result().get(30, TimeUnit.SECONDS);
            assertThat(g.finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(g.tokenIds().length).isGreaterThanOrEqualTo(3).isLessThan(200);
            assertThat(lateCallbacks.get()).isZero();
            assertThat(r.isDone()).isTrue();
            // the other sequence is unaffected
            Recorder rec = new Recorder();
            assertThat(other.result().join().tokenIds()).containsExactly(
                    model.generate(new int[] {1, 2, 3}, GenerationOptions.greedy().toBuilder().maxTokens(30).build(), rec).tokenIds());

            // cancelled by its own listener, and by cancelling the future
            AtomicReferenceHolder self = new AtomicReferenceHolder();
            BatchRequest fromListener = batch.submit(new int[] {9}, endless(), new GenerationListener() {
                int n;

                @Override
                public void onTokenId(int id) {
                    BatchRequest me = self.request;
                    if (++n >= 5 && me != null) {
                        me.cancel();
                    }
                }
            });
            self.request = fromListener;
            assertThat(fromListener.result().get(30, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.CANCELLED);
            BatchRequest viaFuture = batch.submit(new int[] {10}, endless(), GenerationListener.NONE);
            viaFuture.result().cancel(true);
            waitUntil(() -> batch.activeSequences() == 0 && batch.queuedRequests() == 0);
        }
    }

    private static final class AtomicReferenceHolder {
        volatile BatchRequest request;
    }

    @Test
    void aFullQueueRefusesRequests() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (BatchScheduler batch = BatchScheduler.start(model, new BatchOptions(1, 1, 8))) {
            BatchRequest busy = batch.submit(new int[] {1}, GenerationOptions.greedy().toBuilder().maxTokens(3).build(), new GenerationListener() {
                @Override
                public void onTokenId(int id) {
                    entered.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(batch.activeSequences()).isEqualTo(1);
            BatchRequest queued = batch.submit(new int[] {2}, GenerationOptions.greedy().toBuilder().maxTokens(2).build(), GenerationListener.NONE);
            assertThat(batch.queuedRequests()).isEqualTo(1);
            assertThatThrownBy(() -> batch.submit(new int[] {3}, GenerationOptions.greedy(), GenerationListener.NONE))
                    .isInstanceOf(BatchQueueFullException.class).isInstanceOf(BitNetException.class)
                    .hasMessageContaining("1 sequence(s) running and 1 request(s) queued");
            release.countDown();
            assertThat(busy.result().get(30, TimeUnit.SECONDS).finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
            assertThat(queued.result().get(30, TimeUnit.SECONDS).tokenIds()).hasSize(2);
        }
    }

    @Test
    void closeCancelsQueuedAndActiveRequestsAndStopsTheThread() throws Exception {
        BatchScheduler batch = BatchScheduler.start(model, new BatchOptions(2, 8, 4));
        List<BatchRequest> requests = new ArrayList<>();
        List<Recorder> recorders = new ArrayList<>();
        CountDownLatch started = new CountDownLatch(1);
        for (int i = 0; i < 6; i++) {
            Recorder r = new Recorder() {
                @Override
                public void onTokenId(int id) {
                    super.onTokenId(id);
                    started.countDown();
                }
            };
            recorders.add(r);
            requests.add(batch.submit(new int[] {i + 1, 2, 3}, endless(), r));
        }
        assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
        batch.close();
        batch.close();
        for (int i = 0; i < requests.size(); i++) {
            assertThat(requests.get(i).isDone()).isTrue();
            assertThat(requests.get(i).result().join().finishReason()).isEqualTo(FinishReason.CANCELLED);
            assertThat(recorders.get(i).completes.get()).isEqualTo(1);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("bitnet-batch") && t.isAlive());
        assertThatThrownBy(() -> batch.submit(new int[] {1}, GenerationOptions.greedy(), GenerationListener.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        assertThat(model.generate(new int[] {1}, GenerationOptions.greedy().toBuilder().maxTokens(2).build(), GenerationListener.NONE)
                .tokenIds()).hasSize(2);
    }

    @Test
    void closingTheModelUnderARunningSchedulerFailsItsRequestsCleanly() throws Exception {
        BitNetModel own = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"));
        try (BatchScheduler batch = BatchScheduler.start(own, BatchOptions.defaults())) {
            CountDownLatch running = new CountDownLatch(2);
            GenerationListener counting = new GenerationListener() {
                @Override
                public void onTokenId(int id) {
                    running.countDown();
                }
            };
            BatchRequest a = batch.submit(new int[] {1, 2}, endless(), counting);
            BatchRequest b = batch.submit(new int[] {3}, endless(), counting);
            assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
            own.close();
            for (BatchRequest r : List.of(a, b)) {
                assertThatThrownBy(() -> r.result().get(30, TimeUnit.SECONDS)).hasRootCauseInstanceOf(IllegalStateException.class)
                        .hasRootCauseMessage("model tiny-a-i2_s.gguf is closed");
            }
            waitUntil(() -> batch.activeSequences() == 0);
            assertThatThrownBy(() -> batch.submit(new int[] {1}, GenerationOptions.greedy(), GenerationListener.NONE))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void aThrowingListenerEndsOnlyItsOwnRequest() {
        Case c = new Case(new int[] {4, 5, 6, 7}, GenerationOptions.greedy().toBuilder().maxTokens(20).build());
        try (BatchScheduler batch = BatchScheduler.start(model, BatchOptions.defaults())) {
            AtomicInteger errors = new AtomicInteger();
            BatchRequest bad = batch.submit(new int[] {8, 9}, endless(), new GenerationListener() {
                int n;

                @Override
                public void onTokenId(int id) {
                    if (++n == 3) {
                        throw new IllegalStateException("listener bug");
                    }
                }

                @Override
                public void onError(Throwable e) {
                    errors.incrementAndGet();
                }
            });
            Recorder rec = new Recorder();
            BatchRequest good = batch.submit(c.prompt(), c.options(), rec);
            assertThatThrownBy(() -> bad.result().join()).isInstanceOf(CompletionException.class).hasRootCauseMessage("listener bug");
            assertThat(errors.get()).isEqualTo(1);
            assertSameAsAlone(c, good.result().join(), rec);
            // and the scheduler goes on
            assertThat(batch.submit(new int[] {1}, GenerationOptions.greedy().toBuilder().maxTokens(1).build(), GenerationListener.NONE)
                    .result().join().tokenIds()).hasSize(1);
        }
    }

    @Test
    void contextLimitsAndBadInput() {
        try (BitNetModel small = BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"), LoadOptions.builder().contextLength(40).build());
             BatchScheduler batch = BatchScheduler.start(small, new BatchOptions(2, 2, 16))) {
            assertThatThrownBy(() -> batch.submit(new int[41], GenerationOptions.greedy(), GenerationListener.NONE))
                    .isInstanceOf(ContextOverflowException.class);
            assertThatThrownBy(() -> batch.submit(new int[0], GenerationOptions.greedy(), GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no tokens");
            assertThatThrownBy(() -> batch.submit(new int[] {512}, GenerationOptions.greedy(), GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the vocabulary");
            assertThatThrownBy(() -> batch.submit(new int[] {1}, GenerationOptions.greedy().toBuilder().stopTokenIds(9999).build(), GenerationListener.NONE))
                    .isInstanceOf(IllegalArgumentException.class);
            // a generation that runs into the context ends with MAX_TOKENS, as alone
            int[] prompt = new SplittableRandom(3).ints(30, 0, 508).toArray();
            GenerationOptions options = endless();
            Generation batched = batch.submit(prompt, options, GenerationListener.NONE).result().join();
            Generation alone = small.generate(prompt, options, GenerationListener.NONE);
            assertThat(batched.finishReason()).isEqualTo(FinishReason.MAX_TOKENS);
            assertThat(batched.tokenIds()).containsExactly(alone.tokenIds());
            assertThat(batched.usage()).isEqualTo(new Usage(30, 11));
            // a prompt that fills the context exactly still gets its one token
            int[] full = new SplittableRandom(4).ints(40, 0, 508).toArray();
            assertThat(batch.submit(full, options, GenerationListener.NONE).result().join().tokenIds())
                    .containsExactly(small.generate(full, options, GenerationListener.NONE).tokenIds());
        }
        assertThatThrownBy(() -> new BatchOptions(0, 1, 1)).hasMessageContaining("maxSequences");
        assertThatThrownBy(() -> new BatchOptions(1, -1, 1)).hasMessageContaining("maxQueued");
        assertThatThrownBy(() -> new BatchOptions(1, 1, 0)).hasMessageContaining("prefillChunk");
        assertThatThrownBy(() -> new BatchOptions(257, 1, 1)).hasMessageContaining("maxSequences must be in [1, 256]");
        assertThat(BatchOptions.defaults()).isEqualTo(new BatchOptions(8, 64, 64));
    }

    private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition reached in time").isLessThan(end);
            Thread.sleep(5);
        }
    }
}
