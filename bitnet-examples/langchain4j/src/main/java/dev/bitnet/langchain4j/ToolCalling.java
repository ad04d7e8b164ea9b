package dev.bitnet.langchain4j;

import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ResponseFormat;
import dev.bitnet.structured.ToolCallFormat;
import dev.bitnet.structured.ToolDefinition;
import dev.bitnet.structured.ToolReply;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * LangChain4j's tools on bitnet-java's {@link ToolCallFormat}: {@link ToolSpecification}s become
 * {@link ToolDefinition}s (their parameter element trees written as JSON Schema by {@link JsonSchemaDocument}),
 * a reply becomes a {@link ToolExecutionRequest} or text, and calls and results in the conversation are written
 * back in the format the model was asked to use.
 */
final class ToolCalling {
    private final ToolCallFormat format;

    /**
     * @param required true for {@code ToolChoice.REQUIRED} (the reply must call a tool), false for {@code AUTO}
     * @throws UnsupportedFeatureException if two tools share a name, a name has characters the format does not
     *                                     allow, or a parameter schema uses something the core cannot enforce
     *                                     (the message names the tool and the keyword)
     */
    ToolCalling(List<ToolSpecification> tools, boolean required) {
        List<ToolDefinition> definitions = new ArrayList<>(tools.size());
        try {
            for (ToolSpecification t : tools) {
                definitions.add(new ToolDefinition(t.name(), t.description(),
                        t.parameters() == null ? null : JsonSchemaDocument.of(t.parameters())));
            }
            this.format = ToolCallFormat.of(definitions, required);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedFeatureException("these tools cannot be offered by bitnet-java: " + e.getMessage());
        }
    }

    /** The core format (its schema, instructions). */
    ToolCallFormat format() {
        return format;
    }

    /** The constraint on the reply. */
    ResponseFormat responseFormat() {
        return format.responseFormat();
    }

    /** The conversation with the tools' instructions in its system prompt. */
    List<ChatMessage> withInstructions(List<ChatMessage> messages) {
        return format.withInstructions(messages);
    }

    /** The message for a reply generated under {@link #responseFormat()}: a call with a fresh id, or text. */
    static AiMessage parse(String reply) {
        return switch (ToolCallFormat.parse(reply)) {
            case ToolReply.Call call -> AiMessage.from(List.of(ToolExecutionRequest.builder()
                    .id("call_" + UUID.randomUUID().toString().replace("-", ""))
                    .name(call.name())
                    .arguments(call.arguments())
                    .build()));
            case ToolReply.Text text -> AiMessage.from(text.text());
        };
    }

    /** An earlier tool-calling turn as the assistant's text ({@link ToolCallFormat#renderTurn}). */
    static String render(AiMessage message) {
        return ToolCallFormat.renderTurn(message.text(), message.toolExecutionRequests().stream()
                .map(r -> new ToolReply.Call(r.name(), r.arguments() == null ? "" : r.arguments()))
                .toList());
    }

    /** A tool's result as the user turn that follows the call. */
    static String render(ToolExecutionResultMessage result) {
        return ToolCallFormat.renderResult(result.toolName(), result.text(), Boolean.TRUE.equals(result.isError()));
    }
}
