package dev.bitnet;

/**
 * Token counts of one generation.
 *
 * @param promptTokens    tokens of the prompt, BOS included when it was added
 * @param generatedTokens tokens the model produced
 */
public record Usage(int promptTokens, int generatedTokens) {
    /** @throws IllegalArgumentException if a count is negative */
    public Usage {
        if (promptTokens < 0 || generatedTokens < 0) {
            throw new IllegalArgumentException("token counts must be non-negative, got promptTokens=" + promptTokens
                    + ", generatedTokens=" + generatedTokens);
        }
    }

    /** Prompt and generated tokens together. */
    public int totalTokens() {
        return promptTokens + generatedTokens;
    }
}
