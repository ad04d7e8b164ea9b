package dev.bitnet.tokenizer;

/**
 * A tokenizer description (a {@code tokenizer.json} file or GGUF tokenizer metadata) that cannot be
 * used: malformed, inconsistent, or asking for a feature this module does not implement. The message
 * names the file, key, token or merge at fault.
 */
public final class TokenizerFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong and where
     */
    public TokenizerFormatException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong and where
     * @param cause   the underlying parse or I/O failure
     */
    public TokenizerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
