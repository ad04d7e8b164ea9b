package dev.bitnet;

import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Closing a model while other threads generate on it, and the documented behaviour of closing twice,
 * using closed sessions and cancelling twice. A close that freed memory under a running native step
 * would crash the JVM (and so fail the build), which is what the repeated test looks for.
 */
class LifecycleTest {
    private static final int[] PROMPT = {508, 92, 190, 83, 176, 161, 318, 117};
    private static final GenerationOptions OPTIONS = GenerationOptions.builder().maxTokens(40).temperature(0.8).seed(7).build();

    private static BitNetModel load(Optional<String> kernel) {
        LoadOptions.Builder b = LoadOptions.builder().threads(2);
        kernel.ifPresent(b::kernel);
        return BitNetModel.load(Fixtures.file("tiny-a/gguf/tiny-a-i2_s.gguf"), b.build());
    }

    /** Each generation thread ends by finishing or with the documented closed-model exception, nothing else. */
    @RepeatedTest(25)
    @Timeout(60)
    void closeWhileGeneratingEndsEachGenerationCleanly() throws InterruptedException {
        BitNetModel model = load(Optional.empty());
        int threads = 4;
        CountDownLatch running = new CountDownLatch(threads);
        AtomicReference<Throwable> unexpected = new AtomicReference<>();
        AtomicInteger closedErrors = new AtomicInteger();
        List<Thread> list = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int kind = t;
            Thread thread = new Thread(() -> {
                running.countDown();
                try {
                    for (int i = 0; i < 1000; i++) {
                        switch (kind % 3) {
                            case 0 -> model.generate(PROMPT, OPTIONS, GenerationListener.NONE);
                            case 1 -> {
                                try (TokenStream s = model.stream(PROMPT, OPTIONS)) {
                                    while (s.hasNext()) {
                                        s.next();
                                    }
                                }
                            }
                            default -> {
                                try (Session s = model.newSession()) {
                                    s.append(PROMPT);
                                    s.append(1);
                                    s.truncate(2);
                                    s.append(3, 4);
                                }
                            }
                        }
                    }
                } catch (IllegalStateException e) {
                    if (String.valueOf(e.getMessage()).contains("is closed")) {
                        closedErrors.incrementAndGet();
                    } else {
                        unexpected.compareAndSet(null, e);
                    }
                } catch (Throwable e) {
                    unexpected.compareAndSet(null, e);
                }
            });
            thread.start();
            list.add(thread);
        }
        running.await();
        Thread.sleep(ThreadLocalRandom.current().nextInt(1, 40));
        model.close();
        for (Thread t : list) {
            t.join();
        }
        assertThat(unexpected.get()).as("only the closed-model exception may end a generation").isNull();
        assertThat(closedErrors.get()).isEqualTo(threads);
    }

    @Test
    void closingTwiceAndUsingClosedThingsIsDocumented() {
        BitNetModel model = load(Optional.of("scalar"));
        Session session = model.newSession();
        session.append(PROMPT);
        TokenStream stream = model.stream(PROMPT, OPTIONS);
        stream.cancel();
        stream.cancel();
        assertThat(stream.hasNext()).isFalse();
        assertThat(stream.result().finishReason()).isEqualTo(FinishReason.CANCELLED);
        stream.close();
        stream.close();

        session.close();
        session.close();
        assertThatThrownBy(() -> session.append(1)).isInstanceOf(IllegalStateException.class).hasMessage("session is closed");
        assertThatThrownBy(() -> session.truncate(0)).isInstanceOf(IllegalStateException.class).hasMessage("session is closed");

        Session open = model.newSession();
        model.close();
        model.close();
        assertThatThrownBy(() -> open.append(1)).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatThrownBy(model::newSession).isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatThrownBy(() -> model.generate(PROMPT, OPTIONS, GenerationListener.NONE))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
        assertThatCode(open::close).doesNotThrowAnyException();
    }

    @Test
    void closeGuardWaitsForStepsInFlightAndRefusesNewOnes() throws InterruptedException {
        CloseGuard guard = new CloseGuard();
        assertThat(guard.enter()).isTrue();
        Thread closer = new Thread(guard::close);
        closer.start();
        closer.join(200);
        assertThat(closer.isAlive()).as("close waits for the step in flight").isTrue();
        assertThat(guard.enter()).isFalse();
        guard.exit();
        closer.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(guard.close()).isFalse();
    }
}
