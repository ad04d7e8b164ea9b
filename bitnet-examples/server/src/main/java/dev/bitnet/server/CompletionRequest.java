package dev.bitnet.server;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ToolCallFormat;
import org.jetbrains.annotations.Nullable;

import java.util.List;
import java.util.Objects;

/**
 * A validated {@code /v1/chat/completions} or {@code /v1/completions} request.
 *
 * @param kind           which endpoint it came to
 * @param messages       the conversation (chat requests; empty otherwise)
 * @param prompt         the prompt text (completion requests given text; null otherwise)
 * @param promptIds      the prompt as token ids (completion requests given ids; null otherwise)
 * @param options        how to generate; when {@code maxTokensGiven} is false its token limit is the
 *                       context length, and the server lowers it to what the context has left
 * @param maxTokensGiven whether the request set {@code max_tokens} or {@code max_completion_tokens}
 * @param stream         answer as server-sent events
 * @param includeUsage   {@code stream_options.include_usage}: a last chunk carries the usage
 * @param model          the {@code model} the client named, or null
 * @param tools          the tool-calling format of a chat request with active tools, or null: the messages already
 *                       carry its instructions and the options its response format; the finished reply is read
 *                       with {@link ToolCallFormat#parse}
 */
public record CompletionRequest(Kind kind, List<ChatMessage> messages, @Nullable String prompt, int @Nullable [] promptIds,
                                GenerationOptions options, boolean maxTokensGiven, boolean stream, boolean includeUsage,
                                @Nullable String model, @Nullable ToolCallFormat tools) {
    /** The endpoint a request came to. */
    public enum Kind {
        /** {@code POST /v1/chat/completions} */
        CHAT,
        /** {@code POST /v1/completions} */
        TEXT
    }

    /** A request without tools. */
    public CompletionRequest(Kind kind, List<ChatMessage> messages, @Nullable String prompt, int @Nullable [] promptIds,
                             GenerationOptions options, boolean maxTokensGiven, boolean stream, boolean includeUsage,
                             @Nullable String model) {
        this(kind, messages, prompt, promptIds, options, maxTokensGiven, stream, includeUsage, model, null);
    }

    /** @throws NullPointerException if kind, messages or options is null */
    public CompletionRequest {
        Objects.requireNonNull(kind, "kind");
        messages = List.copyOf(messages);
        Objects.requireNonNull(options, "options");
        promptIds = promptIds == null ? null : promptIds.clone();
    }

    @Override
    public int @Nullable [] promptIds() {
        return promptIds == null ? null : promptIds.clone();
    }
}
