package dev.bitnet;

import org.jetbrains.annotations.Nullable;

/**
 * Base of the errors bitnet-java throws on purpose: bad model files, models it does not run, and
 * misuse such as overflowing a session's context. Unchecked, so callers catch only what they can handle.
 */
public abstract class BitNetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, naming the file, key, tensor or value involved
     */
    protected BitNetException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the file, key, tensor or value involved
     * @param cause   the underlying error, if any
     */
    protected BitNetException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
