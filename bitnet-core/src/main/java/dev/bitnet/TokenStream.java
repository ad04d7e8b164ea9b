package dev.bitnet;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Pull-style generation: each {@link #next()} generates until a non-empty piece of text is ready
 * (text comes only at whole code points and never includes a stop string). The generation runs on
 * the calling thread, one token per step, so nothing runs ahead of the consumer. {@link #cancel()}
 * (from any thread) ends it after the current token; {@link #result()} then describes it. Close the
 * stream to release its session early.
 *
 * <pre>{@code
 * try (TokenStream stream = model.stream("Once upon a time", GenerationOptions.defaults())) {
 *     stream.forEachRemaining(System.out::print);
 *     System.out.println(stream.result().finishReason());
 * }
 * }</pre>
 */
public final class TokenStream implements Iterator<String>, AutoCloseable {
    private final GenerationRun run;
    private final Session session;
    private final boolean ownsSession;
    private String pending;
    private boolean closed;

    TokenStream(GenerationRun run, Session session, boolean ownsSession) {
        this.run = run;
        this.session = session;
        this.ownsSession = ownsSession;
    }

    @Override
    public boolean hasNext() {
        while (pending == null || pending.isEmpty()) {
            if (closed) {
                return false;
            }
            String piece = run.step();
            if (piece == null) {
                close();
                return false;
            }
            pending = piece;
        }
        return true;
    }

    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException("generation finished");
        }
        String out = pending;
        pending = null;
        return out;
    }

    /**
     * Stops the generation after the token in progress; safe to call from any thread. Cancelling again,
     * or after the generation finished, does nothing.
     */
    public void cancel() {
        run.cancel();
    }

    /** The finished generation (drains nothing: call after the iteration ends or after {@link #cancel()}). */
    public Generation result() {
        if (!run.finished()) {
            cancel();
            while (run.step() != null) {
                // finishing a cancelled run takes one step
            }
        }
        return run.result();
    }

    /** The remaining pieces as a sequential stream. */
    public Stream<String> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    /** Releases the stream's session (when it owns one). Idempotent; iteration then ends. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (ownsSession) {
                session.close();
            }
        }
    }
}
