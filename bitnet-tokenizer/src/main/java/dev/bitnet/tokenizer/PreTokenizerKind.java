package dev.bitnet.tokenizer;

/**
 * How text is cut into pre-tokens before byte-level BPE runs on each piece. The choice decides exact
 * token ids, so it must match the implementation a model's ids are compared with.
 */
public enum PreTokenizerKind {
    /**
     * The LLaMA-3 split of Hugging Face tokenizers: contractions (case-insensitive), an optional
     * non-letter before letters, digits in runs of up to three, punctuation runs with trailing newlines,
     * newline runs and whitespace. Pre-tokens that are whole vocabulary entries skip merging. This is
     * the default, and what the model was trained with.
     */
    LLAMA3,

    /**
     * llama.cpp's fallback split for a GGUF without a {@code tokenizer.ggml.pre} key, which is what
     * bitnet.cpp uses with the official BitNet b1.58 2B-4T GGUF: punctuation runs, then the GPT-2
     * split, then digit runs, then groups of three ASCII digits; every pre-token is merged from bytes.
     * Use it for token-for-token parity with bitnet.cpp.
     */
    LLAMA_CPP_DEFAULT
}
