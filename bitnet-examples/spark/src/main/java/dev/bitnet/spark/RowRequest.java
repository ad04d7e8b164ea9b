package dev.bitnet.spark;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import org.jetbrains.annotations.Nullable;

import java.util.List;
import java.util.Objects;

/**
 * What one row asks of the model: a prompt or a conversation, with the options (and seed) of that row,
 * or the reason it cannot be asked at all.
 *
 * @param prompt   the prompt, when the transform reads a prompt column
 * @param messages the conversation, when it reads a chat messages column
 * @param options  the row's options, its seed included
 * @param invalid  why the row is not run (e.g. an empty prompt); null for a row to run
 */
record RowRequest(@Nullable String prompt, @Nullable List<ChatMessage> messages, GenerationOptions options,
                  @Nullable String invalid) {
    RowRequest {
        Objects.requireNonNull(options, "options");
        messages = messages == null ? null : List.copyOf(messages);
        if (invalid == null && (prompt == null) == (messages == null)) {
            throw new IllegalArgumentException("a row to run has exactly one of a prompt and messages");
        }
    }

    static RowRequest ofPrompt(String prompt, GenerationOptions options) {
        return new RowRequest(prompt, null, options, null);
    }

    static RowRequest ofMessages(List<ChatMessage> messages, GenerationOptions options) {
        return new RowRequest(null, messages, options, null);
    }

    static RowRequest invalid(String reason, GenerationOptions options) {
        return new RowRequest(null, null, options, reason);
    }
}
