package dev.bitnet.tokenizer;

/**
 * How {@link Tokenizer#encode(String, EncodeOptions)} treats one text.
 *
 * @param addBos             put the beginning-of-sequence token first
 * @param parseSpecialTokens recognise special-token text such as {@code <|eot_id|>} in the input and
 *                           emit the special token; when false that text is encoded as ordinary
 *                           characters, so untrusted input cannot inject control tokens
 */
public record EncodeOptions(boolean addBos, boolean parseSpecialTokens) {
    /** No BOS, special-token text recognised: the behaviour of Hugging Face {@code encode(text, add_special_tokens=False)}. */
    public static final EncodeOptions DEFAULT = new EncodeOptions(false, true);

    /** No BOS, special-token text encoded as plain text: for user input that must not carry control tokens. */
    public static final EncodeOptions UNTRUSTED = new EncodeOptions(false, false);

    /** @return these options with a BOS token first */
    public EncodeOptions withBos() {
        return withBos(true);
    }

    /**
     * @param bos whether to put the BOS token first
     * @return these options with that BOS choice
     */
    public EncodeOptions withBos(boolean bos) {
        return new EncodeOptions(bos, parseSpecialTokens);
    }

    /**
     * @param parse whether special-token text in the input becomes special tokens
     * @return these options with that choice
     */
    public EncodeOptions withParseSpecialTokens(boolean parse) {
        return new EncodeOptions(addBos, parse);
    }
}
