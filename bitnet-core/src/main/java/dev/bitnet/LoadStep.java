package dev.bitnet;

import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * One step of loading a model run on its own short-lived thread, so that steps that do not depend on
 * each other overlap: binding the native kernels (class loading, FFM linkage, CPU detection) and
 * building a 128k-token vocabulary each take a few hundred milliseconds of a cold JVM, about as long as
 * parsing and mapping the file, and a machine with two or more cores can do them at once.
 *
 * <p>The step's exception is rethrown unchanged by {@link #join()}, so a failing step reports exactly
 * what it would have reported on the loading thread.
 */
final class LoadStep<T> {
    private final Thread thread;
    private @Nullable T result;
    private @Nullable Throwable failure;

    private LoadStep(String name, Callable<T> work) {
        this.thread = Thread.ofPlatform().daemon().name("bitnet-load-" + name).unstarted(() -> {
            try {
                result = work.call();
            } catch (Throwable t) {
                failure = t;
            }
        });
    }

    /** Starts {@code work} on a new daemon thread named {@code bitnet-load-<name>}. */
    static <T> LoadStep<T> start(String name, Callable<T> work) {
        LoadStep<T> step = new LoadStep<>(name, work);
        step.thread.start();
        return step;
    }

    /**
     * Waits for the step and returns its result, or rethrows what it threw (checked exceptions other
     * than {@link IOException} are wrapped in an {@link IllegalStateException}).
     */
    T join() throws IOException {
        awaitUninterruptibly();
        Throwable t = failure;
        if (t == null) {
            return result;
        }
        if (t instanceof IOException e) {
            throw e;
        }
        if (t instanceof RuntimeException e) {
            throw e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("load step " + thread.getName() + " failed", t);
    }

    /**
     * For a load that failed elsewhere: waits for the step, then hands its result (if it produced one) to
     * {@code release}, so nothing it created (threads, mappings) outlives the failed load.
     */
    void discard(Consumer<? super T> release) {
        awaitUninterruptibly();
        if (failure == null && result != null) {
            release.accept(result);
        }
    }

    /** Joins the thread; an interrupt is remembered and re-asserted afterwards rather than abandoning the step. */
    private void awaitUninterruptibly() {
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
