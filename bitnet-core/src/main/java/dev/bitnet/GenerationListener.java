package dev.bitnet;

/**
 * Receives a generation as it happens. Every callback is a no-op by default: implement the ones you need.
 *
 * <p>Callbacks come on the generating thread, in order. {@link #onTokenId} comes once per generated token.
 * {@link #onToken} comes with text as soon as it is safe to show: only whole code points, and never text that
 * may still turn out to be the start of a stop string, so it may lag behind the token ids and may cover several
 * tokens at once. The texts passed to {@code onToken}, concatenated, equal {@link Generation#text()} of the
 * result. The generation ends with exactly one of {@link #onComplete} or {@link #onError}.
 */
public interface GenerationListener {
    /** A listener that ignores everything. */
    GenerationListener NONE = new GenerationListener() {
    };

    /** Text that is final and may be shown: whole code points, never part of a stop string. */
    default void onToken(String text) {
    }

    /** The id of each generated token, stop tokens included, in order. */
    default void onTokenId(int tokenId) {
    }

    /** The generation ended normally (stop token, stop string, token limit or cancellation). */
    default void onComplete(Generation generation) {
    }

    /** The generation failed; no {@link #onComplete} follows. */
    default void onError(Throwable error) {
    }
}
