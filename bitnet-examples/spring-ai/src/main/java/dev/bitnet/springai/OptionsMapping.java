package dev.bitnet.springai;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ResponseFormat;
import dev.bitnet.structured.ToolCallFormat;
import dev.bitnet.structured.ToolDefinition;
import dev.bitnet.structured.ToolReply;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.StructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maps Spring AI requests onto bitnet-java: options onto {@link GenerationOptions} field by field, messages onto
 * {@link ChatMessage}s, tools onto a {@link ToolCallFormat}, and what bitnet-java cannot do onto
 * {@link UnsupportedOperationException}. The one
 * place where a request's meaning is decided, for both {@code call} and {@code stream}.
 */
final class OptionsMapping {
    private OptionsMapping() {
    }

    /**
     * The model's defaults with every field that the request's options set taken from them (any
     * {@link ChatOptions}; the bitnet fields too when they are {@link BitNetChatOptions}). A request's stop
     * sequences replace the defaults' (a {@code ChatClient} has already appended its own to the model's).
     */
    static BitNetChatOptions merge(BitNetChatOptions defaults, @Nullable ChatOptions request) {
        if (request == null) {
            return defaults;
        }
        BitNetChatOptions.Builder b = defaults.mutate();
        if (request.getModel() != null) {
            b.model(request.getModel());
        }
        if (request.getFrequencyPenalty() != null) {
            b.frequencyPenalty(request.getFrequencyPenalty());
        }
        if (request.getMaxTokens() != null) {
            b.maxTokens(request.getMaxTokens());
        }
        if (request.getPresencePenalty() != null) {
            b.presencePenalty(request.getPresencePenalty());
        }
        if (request.getStopSequences() != null) {
            b.stopSequences(request.getStopSequences());
        }
        if (request.getTemperature() != null) {
            b.temperature(request.getTemperature());
        }
        if (request.getTopK() != null) {
            b.topK(request.getTopK());
        }
        if (request.getTopP() != null) {
            b.topP(request.getTopP());
        }
        if (request instanceof BitNetChatOptions o) {
            if (o.getSeed() != null) {
                b.seed(o.getSeed());
            }
            if (o.getMinP() != null) {
                b.minP(o.getMinP());
            }
            if (o.getRepeatPenalty() != null) {
                b.repeatPenalty(o.getRepeatPenalty());
            }
            if (o.getLogitBias() != null) {
                b.logitBias(o.getLogitBias());
            }
            if (o.getResponseFormat() != null) {
                b.responseFormat(o.getResponseFormat());
            }
        }
        // the tools ChatClient's tools(...) sets, on any options type: the request's replace the defaults'
        if (request instanceof ToolCallingChatOptions t) {
            if (t.getToolCallbacks() != null && !t.getToolCallbacks().isEmpty()) {
                b.toolCallbacks(t.getToolCallbacks());
            }
            if (t.getToolContext() != null && !t.getToolContext().isEmpty()) {
                b.toolContext(ToolCallingChatOptions.mergeToolContext(t.getToolContext(), defaults.getToolContext()));
            }
        }
        // the schema ChatClient's entity(...) sets in native structured-output mode, on any options type
        if (request instanceof StructuredOutputChatOptions so && so.getOutputSchema() != null) {
            b.outputSchema(so.getOutputSchema());
        }
        return b.build();
    }

    /**
     * Refuses tools unless tool calling is on.
     *
     * @throws UnsupportedOperationException for tools while {@code toolCalling} is false
     */
    static void checkTools(BitNetChatOptions merged, boolean toolCalling) {
        if (!toolCalling && !merged.getToolCallbacks().isEmpty()) {
            throw new UnsupportedOperationException("tools are not supported while tool calling is off: build "
                    + "BitNetChatModel with toolCalling(true) (property spring.ai.bitnet.chat.tool-calling=true) to "
                    + "have replies constrained to tool calls");
        }
    }

    /**
     * The tool-call format for the merged options' tools (their definitions' input schemas, with Spring AI's
     * numeric {@code format}s resolved as for output schemas).
     *
     * @throws UnsupportedOperationException for a tool whose schema or name the core cannot take, naming it
     */
    static ToolCallFormat toolFormat(BitNetChatOptions merged) {
        List<ToolDefinition> definitions = new ArrayList<>();
        try {
            for (ToolCallback callback : merged.getToolCallbacks()) {
                org.springframework.ai.tool.definition.ToolDefinition d = callback.getToolDefinition();
                String schema = d.inputSchema() == null || d.inputSchema().isBlank() ? null
                        : JavaTypeFormats.resolve(d.inputSchema());
                definitions.add(new ToolDefinition(d.name(), d.description(), schema));
            }
            return ToolCallFormat.of(definitions, false);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedOperationException("these tools cannot be offered by bitnet-java: " + e.getMessage(), e);
        }
    }

    /**
     * The generation options for merged options: {@code null} fields keep bitnet-java's defaults.
     *
     * @param modelName the loaded model's name; options naming another model are refused
     * @throws UnsupportedOperationException for another model's name
     * @throws IllegalArgumentException      for a value out of range, naming the option
     */
    static GenerationOptions generationOptions(BitNetChatOptions o, String modelName) {
        if (o.getModel() != null && !o.getModel().equals(modelName)) {
            throw new UnsupportedOperationException("model '" + o.getModel() + "' is not supported: this ChatModel runs "
                    + "the model it loaded, '" + modelName + "'; leave the model option unset or use that name");
        }
        GenerationOptions.Builder b = GenerationOptions.builder();
        if (o.getTemperature() != null) {
            b.temperature(o.getTemperature());
        }
        if (o.getTopP() != null) {
            b.topP(o.getTopP());
        }
        if (o.getTopK() != null) {
            b.topK(o.getTopK());
        }
        if (o.getMaxTokens() != null) {
            b.maxTokens(o.getMaxTokens());
        }
        if (o.getStopSequences() != null) {
            b.stopStrings(o.getStopSequences());
        }
        if (o.getFrequencyPenalty() != null) {
            b.frequencyPenalty(o.getFrequencyPenalty());
        }
        if (o.getPresencePenalty() != null) {
            b.presencePenalty(o.getPresencePenalty());
        }
        if (o.getSeed() != null) {
            b.seed(o.getSeed());
        }
        if (o.getMinP() != null) {
            b.minP(o.getMinP());
        }
        if (o.getRepeatPenalty() != null) {
            b.repeatPenalty(o.getRepeatPenalty());
        }
        if (o.getLogitBias() != null) {
            for (Map.Entry<Integer, Double> e : o.getLogitBias().entrySet()) {
                b.logitBias(e.getKey(), e.getValue());
            }
        }
        b.responseFormat(responseFormat(o));
        return b.build();
    }

    /**
     * The core response format for merged options: the output schema when one is set, else the response format
     * (text when unset). The numeric {@code format}s of Spring AI's generated schemas are resolved first
     * ({@link JavaTypeFormats}). The schema is compiled here, so a request whose schema the core cannot enforce fails
     * before generation, naming {@code outputSchema} and (from the core) the keyword at fault.
     *
     * @throws UnsupportedOperationException for a schema keyword outside the supported subset
     * @throws IllegalArgumentException      for a response format that conflicts with the schema or lacks one,
     *                                       or a schema that is not valid JSON or admits no value
     */
    static ResponseFormat responseFormat(BitNetChatOptions o) {
        ResponseFormat.Kind kind = o.getResponseFormat();
        String schema = o.getOutputSchema();
        if (schema == null) {
            return switch (kind == null ? ResponseFormat.Kind.TEXT : kind) {
                case TEXT -> ResponseFormat.text();
                case JSON_VALUE -> ResponseFormat.jsonValue();
                case JSON_OBJECT -> ResponseFormat.jsonObject();
                case JSON_SCHEMA -> throw new IllegalArgumentException("responseFormat JSON_SCHEMA needs an outputSchema");
            };
        }
        if (kind != null && kind != ResponseFormat.Kind.JSON_SCHEMA) {
            throw new IllegalArgumentException("responseFormat " + kind + " conflicts with the outputSchema that is "
                    + "set; leave responseFormat unset or JSON_SCHEMA");
        }
        try {
            return ResponseFormat.jsonSchema(JavaTypeFormats.resolve(schema));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("unsupported")) {
                throw new UnsupportedOperationException("outputSchema is not supported by bitnet-java: "
                        + e.getMessage(), e);
            }
            throw new IllegalArgumentException("outputSchema cannot be enforced: " + e.getMessage(), e);
        }
    }

    /**
     * The conversation as bitnet-java chat messages, tool calling off.
     *
     * @throws UnsupportedOperationException for media, tool calls and tool responses
     */
    static List<ChatMessage> messages(List<Message> messages) {
        return messages(messages, false);
    }

    /**
     * The conversation as bitnet-java chat messages. With tool calling on, an assistant message's tool calls become
     * its JSON reply and tool responses a user turn, in {@link ToolCallFormat}'s format.
     *
     * @throws UnsupportedOperationException for media, and for tool calls and tool responses while tool calling is
     *                                       off
     */
    static List<ChatMessage> messages(List<Message> messages, boolean toolCalling) {
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            String text = m.getText() == null ? "" : m.getText();
            out.add(switch (m) {
                case SystemMessage s -> ChatMessage.system(text);
                case UserMessage u -> {
                    if (!u.getMedia().isEmpty()) {
                        throw new UnsupportedOperationException("media (" + u.getMedia().getFirst().getMimeType()
                                + ") is not supported by bitnet-java: its models read text only");
                    }
                    yield ChatMessage.user(text);
                }
                case AssistantMessage a when a.hasToolCalls() -> {
                    if (!toolCalling) {
                        throw new UnsupportedOperationException("tool calls are not supported while tool calling is "
                                + "off (build BitNetChatModel with toolCalling(true))");
                    }
                    yield ChatMessage.assistant(ToolCallFormat.renderTurn(text, a.getToolCalls().stream()
                            .map(c -> new ToolReply.Call(c.name(), c.arguments() == null ? "" : c.arguments()))
                            .toList()));
                }
                case AssistantMessage a -> ChatMessage.assistant(text);
                case ToolResponseMessage r -> {
                    if (!toolCalling) {
                        throw new UnsupportedOperationException("tool responses are not supported while tool calling "
                                + "is off (build BitNetChatModel with toolCalling(true))");
                    }
                    StringBuilder results = new StringBuilder();
                    for (ToolResponseMessage.ToolResponse response : r.getResponses()) {
                        if (!results.isEmpty()) {
                            results.append('\n');
                        }
                        results.append(ToolCallFormat.renderResult(response.name(), response.responseData(), false));
                    }
                    yield ChatMessage.user(results.toString());
                }
                default -> throw new UnsupportedOperationException(m.getMessageType().getValue()
                        + " messages are not supported by bitnet-java (only system, user, assistant and tool)");
            });
        }
        return out;
    }

    /** The finish reason as Spring AI's providers spell it: "STOP", "LENGTH" or "CANCELLED". */
    static String finishReason(dev.bitnet.FinishReason reason) {
        return switch (reason) {
            case STOP_TOKEN, STOP_STRING -> "STOP";
            case MAX_TOKENS -> "LENGTH";
            case CANCELLED -> "CANCELLED";
        };
    }
}
