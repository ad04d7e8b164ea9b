package dev.bitnet.tokenizer;

/**
 * A byte-level BPE vocabulary as GGUF metadata stores it ({@code tokenizer.ggml.*}); bitnet-core
 * fills it from a model file, and {@link Tokenizer#fromVocabulary(BpeVocabulary)} builds a tokenizer
 * from it. Tokens and merges are in GPT-2 byte-level form (a space is {@code Ġ}), exactly as in
 * {@code tokenizer.json}. The tokenizer copies what it needs; the arrays are not kept.
 *
 * @param model        {@code tokenizer.ggml.model}; only {@code gpt2} (byte-level BPE) is supported
 * @param tokens       {@code tokenizer.ggml.tokens}: the text of token {@code i} at index {@code i};
 *                     a {@code null} entry marks an id that has no token
 * @param tokenTypes   {@code tokenizer.ggml.token_type}, one per token ({@link #NORMAL}, {@link #CONTROL},
 *                     {@link #USER_DEFINED}, ...), or {@code null} when absent (all normal)
 * @param merges       {@code tokenizer.ggml.merges}: {@code "left right"} pairs, highest priority first
 * @param pre          {@code tokenizer.ggml.pre}, or {@code null} when the key is absent
 * @param bosId        {@code tokenizer.ggml.bos_token_id}, or -1 if none
 * @param eosId        {@code tokenizer.ggml.eos_token_id}, or -1 if none
 * @param addBos       {@code tokenizer.ggml.add_bos_token}
 * @param extraStopIds further ids that end generation (such as {@code tokenizer.ggml.eot_token_id});
 *                     {@code null} means none
 */
public record BpeVocabulary(String model, String[] tokens, int[] tokenTypes, String[] merges, String pre,
                            int bosId, int eosId, boolean addBos, int[] extraStopIds) {
    /** Token type of an ordinary vocabulary entry. */
    public static final int NORMAL = 1;
    /** Token type of the unknown token. */
    public static final int UNKNOWN = 2;
    /** Token type of a control (special) token such as {@code <|eot_id|>}. */
    public static final int CONTROL = 3;
    /** Token type of a user-defined added token, matched in text like a special token. */
    public static final int USER_DEFINED = 4;
    /** Token type of an unused slot. */
    public static final int UNUSED = 5;
    /** Token type of a raw byte token ({@code <0x0A>}), used by SentencePiece vocabularies. */
    public static final int BYTE = 6;

    /**
     * Checks that the arrays agree with one another.
     *
     * @throws TokenizerFormatException naming the inconsistent field
     */
    public BpeVocabulary {
        if (model == null) {
            throw new TokenizerFormatException("tokenizer model is missing (tokenizer.ggml.model)");
        }
        if (tokens == null || tokens.length == 0) {
            throw new TokenizerFormatException("token list is missing or empty (tokenizer.ggml.tokens)");
        }
        if (merges == null) {
            throw new TokenizerFormatException("merge list is missing (tokenizer.ggml.merges)");
        }
        if (tokenTypes != null && tokenTypes.length != tokens.length) {
            throw new TokenizerFormatException("tokenizer.ggml.token_type has " + tokenTypes.length
                    + " entries but tokenizer.ggml.tokens has " + tokens.length);
        }
        checkId("tokenizer.ggml.bos_token_id", bosId, tokens.length);
        checkId("tokenizer.ggml.eos_token_id", eosId, tokens.length);
        if (extraStopIds == null) {
            extraStopIds = new int[0];
        }
        for (int id : extraStopIds) {
            if (id < 0) {
                throw new TokenizerFormatException("stop token id " + id + " is negative");
            }
            checkId("stop token id", id, tokens.length);
        }
    }

    private static void checkId(String what, int id, int size) {
        if (id < -1 || id >= size) {
            throw new TokenizerFormatException(what + " = " + id + " is outside the vocabulary of " + size + " tokens");
        }
    }
}
