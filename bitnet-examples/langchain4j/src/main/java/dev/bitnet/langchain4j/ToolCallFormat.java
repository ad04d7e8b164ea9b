package dev.bitnet.langchain4j;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.bitnet.structured.ResponseFormat;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * How a model without native tool calling calls tools: it replies with one JSON object, {@code {"tool": NAME,
 * "arguments": {...}}} to call a tool or (when it may choose) {@code {"answer": TEXT}} to answer, and generation
 * is constrained by a JSON Schema built from the {@link ToolSpecification}s, so the reply always names a declared
 * tool and its arguments always validate against that tool's parameter schema. The model learns the tools from a
 * system-prompt section listing them; earlier calls and their results go back into the conversation as the
 * assistant's JSON and as user turns.
 *
 * <p>One call per reply: a model that needs two tools calls them on consecutive turns.
 */
final class ToolCallFormat {
    private static final JsonFactory FACTORY = new JsonFactory();

    private final List<ToolSpecification> tools;
    private final boolean required;
    private final ResponseFormat responseFormat;

    /**
     * @param required true for {@code ToolChoice.REQUIRED} (the reply must call a tool), false for {@code AUTO}
     * @throws UnsupportedFeatureException if two tools share a name or a parameter schema uses something the core
     *                                     cannot enforce (its message names the keyword)
     */
    ToolCallFormat(List<ToolSpecification> tools, boolean required) {
        if (tools.isEmpty()) {
            throw new IllegalArgumentException("no tools");
        }
        Set<String> names = new HashSet<>();
        for (ToolSpecification t : tools) {
            if (!names.add(t.name())) {
                throw new UnsupportedFeatureException("two tools are named '" + t.name() + "'; tool names must differ");
            }
        }
        this.tools = List.copyOf(tools);
        this.required = required;
        String schema = schema();
        try {
            this.responseFormat = ResponseFormat.jsonSchema(schema);
        } catch (IllegalArgumentException e) {
            throw new UnsupportedFeatureException("the tools' parameter schemas cannot be enforced by bitnet-java: "
                    + e.getMessage());
        }
    }

    /** The constraint on the reply. */
    ResponseFormat responseFormat() {
        return responseFormat;
    }

    boolean required() {
        return required;
    }

    /**
     * The schema of a reply: {@code anyOf} one branch per tool ({@code tool} its name as a {@code const},
     * {@code arguments} its parameter schema) and, unless a call is required, the {@code answer} branch. Definitions
     * of all the tools' parameter schemas are gathered at the root, where their {@code $ref}s point.
     */
    String schema() {
        Map<String, JsonSchemaElement> definitions = new LinkedHashMap<>();
        for (ToolSpecification t : tools) {
            if (t.parameters() != null) {
                JsonSchemaDocument.collectDefinitions(t.parameters(), definitions, 0);
            }
        }
        return json(g -> {
            g.writeStartObject();
            g.writeArrayFieldStart("anyOf");
            for (ToolSpecification t : tools) {
                g.writeStartObject();
                g.writeStringField("type", "object");
                g.writeObjectFieldStart("properties");
                g.writeObjectFieldStart("tool");
                g.writeStringField("const", t.name());
                g.writeEndObject();
                g.writeFieldName("arguments");
                if (t.parameters() == null) {
                    g.writeStartObject();
                    g.writeStringField("type", "object");
                    g.writeObjectFieldStart("properties");
                    g.writeEndObject();
                    g.writeBooleanField("additionalProperties", false);
                    g.writeEndObject();
                } else {
                    JsonSchemaDocument.writeNested(g, t.parameters(), 2);
                }
                g.writeEndObject();
                closedObject(g, "tool", "arguments");
            }
            if (!required) {
                g.writeStartObject();
                g.writeStringField("type", "object");
                g.writeObjectFieldStart("properties");
                g.writeObjectFieldStart("answer");
                g.writeStringField("type", "string");
                g.writeEndObject();
                g.writeEndObject();
                closedObject(g, "answer");
            }
            g.writeEndArray();
            JsonSchemaDocument.writeDefinitions(g, definitions);
            g.writeEndObject();
        });
    }

    /** Ends an object schema whose properties were written: all of them required, no others. */
    private static void closedObject(JsonGenerator g, String... required) throws IOException {
        g.writeArrayFieldStart("required");
        for (String r : required) {
            g.writeString(r);
        }
        g.writeEndArray();
        g.writeBooleanField("additionalProperties", false);
        g.writeEndObject();
    }

    /** The system-prompt section that tells the model the tools and the reply format. */
    String instructions() {
        StringBuilder s = new StringBuilder();
        s.append("You can call tools. To call one, reply with only a JSON object: "
                + "{\"tool\": \"<tool name>\", \"arguments\": {<the tool's arguments>}}.");
        if (!required) {
            s.append(" To answer without a tool, reply with {\"answer\": \"<your answer>\"}.");
        }
        s.append(" A tool's result comes back in the next message.\nTools:");
        for (ToolSpecification t : tools) {
            s.append("\n- ").append(t.name());
            if (t.description() != null && !t.description().isBlank()) {
                s.append(": ").append(t.description().strip());
            }
            if (t.parameters() != null) {
                s.append(" Arguments schema: ").append(JsonSchemaDocument.of(t.parameters()));
            } else {
                s.append(" No arguments: {}.");
            }
        }
        return s.toString();
    }

    /**
     * The message for a reply generated under {@link #responseFormat()}: a tool call with a fresh id, or the answer's
     * text. A reply cut off at the token limit (finish reason {@code LENGTH}) gives the answer's text so far when it
     * was writing an answer, and its raw JSON when it was writing a call.
     */
    static AiMessage parse(String reply) {
        try (JsonParser p = FACTORY.createParser(reply)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return AiMessage.from(reply);
            }
            String tool = null;
            String arguments = null;
            String answer = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "tool" -> tool = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "answer" -> answer = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    case "arguments" -> {
                        JsonParser args = p;
                        arguments = json(g -> g.copyCurrentStructure(args));
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                return AiMessage.from(reply);
            }
            if (tool != null && arguments != null) {
                return AiMessage.from(List.of(ToolExecutionRequest.builder()
                        .id("call_" + UUID.randomUUID().toString().replace("-", ""))
                        .name(tool)
                        .arguments(arguments)
                        .build()));
            }
            return AiMessage.from(answer != null ? answer : reply);
        } catch (IOException | UncheckedIOException e) {
            return AiMessage.from(partialAnswer(reply)); // cut off mid-value
        }
    }

    /**
     * The text of an answer cut off mid-string, {@code {"answer": "text so f}, or the reply itself when it is not
     * one. Under the constraint an unfinished answer object is exactly that: optional whitespace, the brace, the one
     * key, the colon and the open string.
     */
    static String partialAnswer(String reply) {
        int i = skipSpace(reply, 0);
        if (!reply.startsWith("{", i)) {
            return reply;
        }
        i = skipSpace(reply, i + 1);
        if (!reply.startsWith("\"answer\"", i)) {
            return reply;
        }
        i = skipSpace(reply, i + "\"answer\"".length());
        if (!reply.startsWith(":", i)) {
            return reply;
        }
        i = skipSpace(reply, i + 1);
        if (!reply.startsWith("\"", i)) {
            return reply;
        }
        StringBuilder text = new StringBuilder();
        for (i++; i < reply.length(); i++) {
            char c = reply.charAt(i);
            if (c == '"') {
                break;
            }
            if (c != '\\') {
                text.append(c);
                continue;
            }
            if (i + 1 >= reply.length()) {
                break; // cut off inside an escape
            }
            char e = reply.charAt(++i);
            switch (e) {
                case 'n' -> text.append('\n');
                case 't' -> text.append('\t');
                case 'r' -> text.append('\r');
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'u' -> {
                    if (i + 4 >= reply.length()) {
                        return text.toString();
                    }
                    try {
                        text.append((char) Integer.parseInt(reply.substring(i + 1, i + 5), 16));
                    } catch (NumberFormatException notHex) {
                        return reply; // not a reply written under the constraint
                    }
                    i += 4;
                }
                default -> text.append(e); // \" \\ \/
            }
        }
        return text.toString();
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /**
     * An earlier tool-calling turn as the assistant's reply text, in the format the model is asked to use; several
     * calls in one message (from another provider's history) become one JSON object per line.
     */
    static String render(AiMessage message) {
        StringBuilder s = new StringBuilder();
        for (ToolExecutionRequest r : message.toolExecutionRequests()) {
            if (!s.isEmpty()) {
                s.append('\n');
            }
            String arguments = r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments();
            s.append(json(g -> {
                g.writeStartObject();
                g.writeStringField("tool", r.name());
                g.writeFieldName("arguments");
                g.writeRawValue(arguments);
                g.writeEndObject();
            }));
        }
        return s.toString();
    }

    /** A tool's result as the user turn that follows the call. */
    static String render(ToolExecutionResultMessage result) {
        String name = result.toolName() == null ? "the tool" : "tool " + result.toolName();
        String outcome = Boolean.TRUE.equals(result.isError()) ? " failed: " : " returned: ";
        return "Result of " + name + outcome + (result.text() == null ? "" : result.text());
    }

    private interface Writer {
        void write(JsonGenerator g) throws IOException;
    }

    private static String json(Writer writer) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            writer.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
