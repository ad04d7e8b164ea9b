package dev.bitnet.tokenizer;

/** Cuts a stretch of text (with no special tokens in it) into the pieces that BPE encodes one by one. */
sealed interface PreTokenizer permits Llama3PreTokenizer, LlamaCppDefaultPreTokenizer {
    /**
     * Appends to {@code ends} the end index of every piece of {@code text[start, end)}, in order; the
     * last one is {@code end}. Pieces are never empty and never split a surrogate pair.
     */
    void split(String text, int start, int end, IntList ends);

    static PreTokenizer of(PreTokenizerKind kind) {
        return switch (kind) {
            case LLAMA3 -> new Llama3PreTokenizer();
            case LLAMA_CPP_DEFAULT -> new LlamaCppDefaultPreTokenizer();
        };
    }
}
