package dev.bitnet.spark;

import dev.bitnet.Generation;
import org.jetbrains.annotations.Nullable;

/**
 * The generated columns of one row: the result, or an error and nothing else.
 *
 * @param text             the generated text
 * @param finishReason     {@code stop}, {@code length} or {@code cancelled} (as {@link dev.bitnet.FinishReason#jsonName()})
 * @param promptTokens     tokens of the prompt
 * @param completionTokens tokens generated
 * @param error            what was wrong with the row; null when it ran
 */
record RowOutcome(@Nullable String text, @Nullable String finishReason, @Nullable Integer promptTokens,
                  @Nullable Integer completionTokens, @Nullable String error) {

    static RowOutcome of(Generation g) {
        return new RowOutcome(g.text(), g.finishReason().jsonName(), g.usage().promptTokens(),
                g.usage().generatedTokens(), null);
    }

    static RowOutcome failed(String error) {
        return new RowOutcome(null, null, null, null, error);
    }

    /** The error of a row that the model refused: the exception's type and message. */
    static RowOutcome failed(RuntimeException e) {
        return failed(e.getClass().getSimpleName() + ": " + e.getMessage());
    }

    Object[] values() {
        return new Object[] {text, finishReason, promptTokens, completionTokens, error};
    }
}
