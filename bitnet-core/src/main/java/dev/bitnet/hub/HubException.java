package dev.bitnet.hub;

import java.io.IOException;

/**
 * A Hub download that failed, with the reason as a {@link Kind} and a message that says what to do
 * (set {@code HF_TOKEN}, check the name) and what is left in the cache.
 */
public final class HubException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Why the download failed. */
    public enum Kind {
        /** HTTP 401/403: the repository is gated or private, or the token lacks access. */
        UNAUTHORIZED,
        /** HTTP 404: no such repository, revision or file. */
        NOT_FOUND,
        /** The server answered something this client will not trust (headers missing or implausible, bad redirects). */
        BAD_RESPONSE,
        /** The file's size or hash did not match its ETag; the partial file was deleted. */
        INTEGRITY,
        /** The network failed (after retries, for a transfer) and the cache cannot stand in. */
        NETWORK,
        /** Offline mode ({@code HF_HUB_OFFLINE}) and the file is not in the cache. */
        NOT_CACHED,
        /** The disk cannot hold the file. */
        NO_SPACE
    }

    private final Kind kind;
    private final int status;

    HubException(Kind kind, String message) {
        this(kind, -1, message, null);
    }

    HubException(Kind kind, String message, Throwable cause) {
        this(kind, -1, message, cause);
    }

    HubException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.status = status;
    }

    /** Why it failed. */
    public Kind kind() {
        return kind;
    }

    /** The HTTP status that caused it, or -1 where none did. */
    public int status() {
        return status;
    }
}
