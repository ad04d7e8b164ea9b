package dev.bitnet;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a model's memory alive while forward steps run on it. Every step {@linkplain #enter() enters}
 * before it touches the weights, the mapped file or the kernel's threads and {@linkplain #exit()
 * exits} after; {@link #close()} stops new entries and waits for the steps in flight, so the file is
 * unmapped and the arena freed only when no thread (Java or native) can still read them. A step
 * that tries to enter after close fails fast instead.
 *
 * <p>Entering is one atomic increment and a volatile read: negligible next to a forward step. The
 * increment comes before the check of {@code closing} and close sets {@code closing} before it reads
 * the count, so either the step sees the close and backs out, or the close sees the step and waits.
 */
final class CloseGuard {
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile boolean closing;
    private final Object drained = new Object();

    /** Enters a step; false (and nothing held) when the guard is closing or closed. */
    boolean enter() {
        inFlight.incrementAndGet();
        if (closing) {
            exit();
            return false;
        }
        return true;
    }

    /** Leaves a step entered with {@link #enter()}. */
    void exit() {
        if (inFlight.decrementAndGet() == 0 && closing) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    /** Whether {@link #close()} has been called. */
    boolean isClosed() {
        return closing;
    }

    /**
     * Stops new entries and waits until the steps in flight have exited. Returns true for the call that
     * closed the guard, false for later ones (which return at once). Interruption does not cut the wait
     * short: freeing memory under a running step is what this class exists to prevent; the interrupt is
     * restored afterwards.
     */
    boolean close() {
        synchronized (this) {
            if (closing) {
                return false;
            }
            closing = true;
        }
        boolean interrupted = false;
        synchronized (drained) {
            while (inFlight.get() > 0) {
                try {
                    drained.wait(100);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
