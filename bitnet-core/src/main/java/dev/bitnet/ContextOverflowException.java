package dev.bitnet;

/**
 * Appending tokens would take a session past its context length. Nothing was appended; the
 * session is unchanged.
 */
public final class ContextOverflowException extends BitNetException {
    private final int position;
    private final int requested;
    private final int contextLength;

    public ContextOverflowException(int position, int requested, int contextLength) {
        super("cannot append " + requested + " token(s) at position " + position + ": context length is "
                + contextLength + " (" + Math.max(0, contextLength - position) + " position(s) left)");
        this.position = position;
        this.requested = requested;
        this.contextLength = contextLength;
    }

    /** Positions already in the session. */
    public int position() {
        return position;
    }

    /** Tokens the caller tried to append. */
    public int requested() {
        return requested;
    }

    /** The session's context length. */
    public int contextLength() {
        return contextLength;
    }
}
