package dev.bitnet.langchain4j;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;

import org.jetbrains.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps LangChain4j requests onto bitnet-java: every {@link ChatRequestParameters} field onto its
 * {@link GenerationOptions} counterpart, the messages onto {@link ChatMessage}s, and what bitnet-java cannot
 * do onto {@link UnsupportedFeatureException} (the type LangChain4j's shared provider tests expect); a JSON
 * {@link ResponseFormat} onto the core's constrained {@link dev.bitnet.structured.ResponseFormat}; tools, when
 * the provider has tool calling on, onto a {@link ToolCalling}.
 * The one place where a request's meaning is decided, shared by the blocking and the streaming model.
 */
final class RequestMapping {
    private RequestMapping() {
    }

    /**
     * The generation options for merged request parameters, tools refused: {@code null} fields keep bitnet-java's
     * defaults.
     *
     * @param modelName the loaded model's name; a request naming another model is refused
     * @throws UnsupportedFeatureException for tools, a JSON schema the core cannot enforce or another model's name
     * @throws IllegalArgumentException    for a value out of range (negative temperature, top-p above 1, ...)
     */
    static GenerationOptions options(ChatRequestParameters p, String modelName) {
        return options(p, modelName, tools(p, false));
    }

    /**
     * The generation options for merged request parameters: {@code null} fields keep bitnet-java's defaults; with
     * {@code tools} (from {@link #tools}) the reply is constrained to a tool call (or an answer, where the model may
     * choose).
     *
     * @param modelName the loaded model's name; a request naming another model is refused
     * @throws UnsupportedFeatureException for a JSON schema the core cannot enforce, a JSON response format
     *                                     together with tools, or another model's name
     * @throws IllegalArgumentException    for a value out of range (negative temperature, top-p above 1, ...)
     */
    static GenerationOptions options(ChatRequestParameters p, String modelName, @Nullable ToolCalling tools) {
        if (p.modelName() != null && !p.modelName().equals(modelName)) {
            throw new UnsupportedFeatureException("modelName '" + p.modelName() + "' is not supported: this provider "
                    + "runs the model it loaded, '" + modelName + "'; leave modelName unset or use that name");
        }
        GenerationOptions.Builder b = GenerationOptions.builder();
        if (p.temperature() != null) {
            b.temperature(p.temperature());
        }
        if (p.topP() != null) {
            b.topP(p.topP());
        }
        if (p.topK() != null) {
            b.topK(p.topK());
        }
        if (p.maxOutputTokens() != null) {
            b.maxTokens(p.maxOutputTokens());
        }
        if (p.stopSequences() != null) {
            b.stopStrings(p.stopSequences());
        }
        if (p.frequencyPenalty() != null) {
            b.frequencyPenalty(p.frequencyPenalty());
        }
        if (p.presencePenalty() != null) {
            b.presencePenalty(p.presencePenalty());
        }
        if (p instanceof BitNetChatRequestParameters bp) {
            if (bp.seed() != null) {
                b.seed(bp.seed());
            }
            if (bp.minP() != null) {
                b.minP(bp.minP());
            }
            if (bp.repeatPenalty() != null) {
                b.repeatPenalty(bp.repeatPenalty());
            }
            if (bp.logitBias() != null) {
                for (Map.Entry<Integer, Double> e : bp.logitBias().entrySet()) {
                    b.logitBias(e.getKey(), e.getValue());
                }
            }
        }
        dev.bitnet.structured.ResponseFormat format = responseFormat(p.responseFormat());
        if (tools != null) {
            if (format.isConstrained()) {
                throw new UnsupportedFeatureException("a JSON response format together with tools is not supported by "
                        + "bitnet-java: the reply is already constrained to a tool call or an answer");
            }
            format = tools.responseFormat();
        }
        b.responseFormat(format);
        return b.build();
    }

    /**
     * The tool-calling format for a request's tools, or {@code null} when the reply is plain: no tools, or
     * {@code ToolChoice.NONE}.
     *
     * @param toolCalling whether the provider was built with tool calling on ({@code toolCalling(true)})
     * @throws UnsupportedFeatureException for tools (or {@code ToolChoice.REQUIRED}) while tool calling is off,
     *                                     {@code REQUIRED} without tools, or a parameter schema the core cannot
     *                                     enforce
     */
    static @Nullable ToolCalling tools(ChatRequestParameters p, boolean toolCalling) {
        List<ToolSpecification> specs = p.toolSpecifications() == null ? List.of() : p.toolSpecifications();
        if (!toolCalling) {
            if (p.toolChoice() == ToolChoice.REQUIRED) {
                throw new UnsupportedFeatureException("ToolChoice.REQUIRED is not supported while tool calling is off: "
                        + "build the provider with toolCalling(true) to have replies constrained to tool calls");
            }
            if (!specs.isEmpty()) {
                throw new UnsupportedFeatureException("tools are not supported while tool calling is off: build the "
                        + "provider with toolCalling(true) to have replies constrained to tool calls");
            }
            return null;
        }
        if (p.toolChoice() == ToolChoice.NONE) {
            return null;
        }
        if (specs.isEmpty()) {
            if (p.toolChoice() == ToolChoice.REQUIRED) {
                throw new UnsupportedFeatureException("ToolChoice.REQUIRED needs at least one tool specification");
            }
            return null;
        }
        return new ToolCalling(specs, p.toolChoice() == ToolChoice.REQUIRED);
    }

    /**
     * The core response format for LangChain4j's: text, {@code JSON} without a schema (any JSON object, the shape
     * LangChain4j's JSON mode asks for) or {@code JSON} with a schema (its element tree written as a JSON Schema
     * document by {@link JsonSchemaDocument}). Generation is then constrained, not just prompted.
     *
     * @throws UnsupportedFeatureException if the schema uses something the core cannot enforce (the core's
     *                                     message names the keyword)
     */
    static dev.bitnet.structured.ResponseFormat responseFormat(ResponseFormat format) {
        if (format == null || format.type() != ResponseFormatType.JSON) {
            return dev.bitnet.structured.ResponseFormat.text();
        }
        if (format.jsonSchema() == null || format.jsonSchema().rootElement() == null) {
            return dev.bitnet.structured.ResponseFormat.jsonObject();
        }
        String schema = JsonSchemaDocument.of(format.jsonSchema().rootElement());
        try {
            return dev.bitnet.structured.ResponseFormat.jsonSchema(schema);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedFeatureException("JSON response format with schema '" + format.jsonSchema().name()
                    + "' is not supported by bitnet-java: " + e.getMessage());
        }
    }

    /**
     * The conversation as bitnet-java chat messages, tool calling off: system, user and AI text turns.
     *
     * @throws UnsupportedFeatureException for images, audio, video or PDF content, tool calls or results, and
     *                                     custom messages
     */
    static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> messages) {
        return messages(messages, false, null);
    }

    /**
     * The conversation as bitnet-java chat messages. With tool calling on, an AI message's tool calls become the
     * assistant's JSON reply and a tool's result a user turn ({@link ToolCalling}); with {@code tools}, their
     * instructions end the system prompt (which is added when the conversation has none).
     *
     * @throws UnsupportedFeatureException for images, audio, video or PDF content, tool calls or results while
     *                                     tool calling is off, and custom messages
     */
    static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> messages, boolean toolCalling,
                                      @Nullable ToolCalling tools) {
        List<ChatMessage> out = new ArrayList<>(messages.size() + 1);
        for (dev.langchain4j.data.message.ChatMessage m : messages) {
            out.add(switch (m) {
                case SystemMessage s -> ChatMessage.system(s.text());
                case UserMessage u -> ChatMessage.user(userText(u));
                case AiMessage a when a.hasToolExecutionRequests() -> {
                    if (!toolCalling) {
                        throw new UnsupportedFeatureException("tool execution requests in an AiMessage are not "
                                + "supported while tool calling is off (build the provider with toolCalling(true))");
                    }
                    yield ChatMessage.assistant(ToolCalling.render(a));
                }
                case AiMessage a -> ChatMessage.assistant(a.text() == null ? "" : a.text());
                case ToolExecutionResultMessage r when toolCalling -> ChatMessage.user(ToolCalling.render(r));
                case ToolExecutionResultMessage r -> throw new UnsupportedFeatureException("tool execution results are "
                        + "not supported while tool calling is off (build the provider with toolCalling(true))");
                default -> throw new UnsupportedFeatureException(m.type().name().toLowerCase(Locale.ROOT)
                        + " messages are not supported by bitnet-java (only system, user, AI and tool result messages)");
            });
        }
        return tools == null ? out : tools.withInstructions(out);
    }

    private static String userText(UserMessage u) {
        StringBuilder text = new StringBuilder();
        for (Content c : u.contents()) {
            if (!(c instanceof TextContent t)) {
                throw new UnsupportedFeatureException(c.type().name().toLowerCase(Locale.ROOT)
                        + " content is not supported by bitnet-java: its models read text only");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(t.text());
        }
        return text.toString();
    }

    /** LangChain4j's finish reason for a bitnet-java one. */
    static dev.langchain4j.model.output.FinishReason finishReason(dev.bitnet.FinishReason reason) {
        return switch (reason) {
            case STOP_TOKEN, STOP_STRING -> dev.langchain4j.model.output.FinishReason.STOP;
            case MAX_TOKENS -> dev.langchain4j.model.output.FinishReason.LENGTH;
            case CANCELLED -> dev.langchain4j.model.output.FinishReason.OTHER;
        };
    }
}
