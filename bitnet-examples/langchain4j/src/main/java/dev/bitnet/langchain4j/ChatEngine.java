package dev.bitnet.langchain4j;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationOptions;
import dev.bitnet.TokenStream;
import dev.bitnet.chat.ChatMessage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.TokenUsage;

import org.jetbrains.annotations.Nullable;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * The model behind a provider, with its defaults: turns a LangChain4j request into a bitnet-java generation
 * and the result back into a {@link ChatResponse}. Every call runs in a fresh session, so no state leaks
 * from one request into the next (the KV-cache reuse bug other local providers had).
 */
final class ChatEngine implements AutoCloseable {
    private final BitNetModel model;
    private final boolean owned;
    private final String modelName;
    private final ChatRequestParameters defaults;
    private final List<ChatModelListener> listeners;
    private final boolean toolCalling;

    ChatEngine(BitNetModel model, boolean owned, ChatRequestParameters defaults, List<ChatModelListener> listeners,
               boolean toolCalling) {
        this.model = model;
        this.owned = owned;
        this.modelName = nameOf(model);
        this.toolCalling = toolCalling;
        // checks the defaults now, so that a bad builder fails at build() and not at the first request
        RequestMapping.options(defaults, modelName, RequestMapping.tools(defaults, toolCalling));
        this.defaults = defaults;
        this.listeners = List.copyOf(listeners);
    }

    /** The name a request may give as {@code modelName}: the model file's name (a checkpoint's folder name). */
    static String nameOf(BitNetModel model) {
        Path name = model.path().toAbsolutePath().normalize().getFileName();
        return name == null ? model.path().toString() : name.toString();
    }

    String modelName() {
        return modelName;
    }

    BitNetModel model() {
        return model;
    }

    ChatRequestParameters defaults() {
        return defaults;
    }

    List<ChatModelListener> listeners() {
        return listeners;
    }

    /** Whether requests may carry tools ({@link ProviderBuilder#toolCalling}). */
    boolean toolCalling() {
        return toolCalling;
    }

    /** A request checked and mapped; nothing has run yet. */
    Prepared prepare(ChatRequest request) {
        ToolCalling tools = RequestMapping.tools(request.parameters(), toolCalling);
        GenerationOptions options = RequestMapping.options(request.parameters(), modelName, tools);
        List<ChatMessage> messages = RequestMapping.messages(request.messages(), toolCalling, tools);
        return new Prepared(messages, options, tools);
    }

    /** Generates the reply on the calling thread. */
    ChatResponse chat(Prepared p) {
        return response(model.chat(p.messages(), p.options()), p);
    }

    /**
     * Starts pull-style generation of the reply: the chat template's rendering and its end-of-turn stop ids,
     * exactly what {@link BitNetModel#chat} uses, so both give the same reply. Evaluates the prompt.
     */
    TokenStream stream(Prepared p) {
        return model.stream(model.encodeChat(p.messages()), model.chatOptions(p.options()));
    }

    /**
     * The response for a finished generation: its text, or for a request with tools, the tool call or answer the
     * constrained reply holds (finish reason {@code TOOL_EXECUTION} for a call).
     */
    ChatResponse response(Generation g, Prepared p) {
        AiMessage message = p.tools() == null ? AiMessage.from(g.text()) : ToolCalling.parse(g.text());
        dev.langchain4j.model.output.FinishReason finish = message.hasToolExecutionRequests()
                ? dev.langchain4j.model.output.FinishReason.TOOL_EXECUTION
                : RequestMapping.finishReason(g.finishReason());
        return ChatResponse.builder()
                .aiMessage(message)
                .metadata(ChatResponseMetadata.builder()
                        .id("bitnet-" + UUID.randomUUID())
                        .modelName(modelName)
                        .tokenUsage(new TokenUsage(g.usage().promptTokens(), g.usage().generatedTokens(),
                                g.usage().totalTokens()))
                        .finishReason(finish)
                        .build())
                .build();
    }

    /** Closes the model if this provider loaded it; a model passed in stays open. */
    @Override
    public void close() {
        if (owned) {
            model.close();
        }
    }

    /** A mapped request; {@code tools} is set when the reply is a tool call or an answer. */
    record Prepared(List<ChatMessage> messages, GenerationOptions options, @Nullable ToolCalling tools) {
    }
}
