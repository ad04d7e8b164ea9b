package dev.bitnet.structured;

import dev.bitnet.chat.ChatMessage;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Tool calling for models without a tool-call format of their own (BitNet models have none): the model replies
 * with one JSON object, {@code {"tool": NAME, "arguments": {...}}} to call a tool or, when it may choose,
 * {@code {"answer": TEXT}}, and generation is constrained ({@link #responseFormat()}) so the reply always names
 * one of the tools with arguments valid against that tool's parameter schema. The model learns the tools from a
 * section added to the system prompt ({@link #withInstructions}); earlier calls and their results go back into
 * the conversation as the assistant's JSON ({@link #renderCall}) and user turns ({@link #renderResult}).
 *
 * <p>One call per reply: a model that needs two tools calls them on consecutive turns. The format is guaranteed;
 * whether the model picks a sensible tool and arguments depends on the model. The server's {@code tools} and the
 * LangChain4j provider's {@code toolCalling(true)} are built on this class.
 *
 * <p>Immutable and thread-safe.
 */
public final class ToolCallFormat {
    /** The most tools one format offers. */
    public static final int MAX_TOOLS = 128;

    private final List<ToolDefinition> tools;
    private final boolean required;
    private final List<String> parameterTexts;
    private final ResponseFormat responseFormat;

    private ToolCallFormat(List<ToolDefinition> tools, boolean required) {
        this.tools = tools;
        this.required = required;
        Map<String, Object> definitions = new LinkedHashMap<>();
        List<String> texts = new ArrayList<>();
        List<Object> branches = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            ToolDefinition t = tools.get(i);
            Object parameters = parameters(t);
            texts.add(new String(JsonTree.encode(parameters), StandardCharsets.UTF_8));
            String key = "tool_" + i;
            definitions.put(key, rebase(parameters, "#/$defs/" + key));
            branches.add(closedObject(
                    "tool", Map.of("const", t.name()),
                    "arguments", Map.of("$ref", "#/$defs/" + key)));
        }
        if (!required) {
            branches.add(closedObject("answer", Map.of("type", "string"), null, null));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("anyOf", branches);
        root.put("$defs", definitions);
        this.parameterTexts = List.copyOf(texts);
        this.responseFormat = ResponseFormat.jsonSchema(new String(JsonTree.encode(root), StandardCharsets.UTF_8));
    }

    /**
     * The format for these tools.
     *
     * @param required true when the reply must call a tool (OpenAI's {@code tool_choice: "required"}, LangChain4j's
     *                 {@code ToolChoice.REQUIRED}); false when the model may answer instead ({@code auto})
     * @throws IllegalArgumentException for no tools, more than {@value #MAX_TOOLS}, two with one name, or a
     *                                  parameter schema outside the supported subset (the message names the tool and
     *                                  the keyword)
     */
    public static ToolCallFormat of(List<ToolDefinition> tools, boolean required) {
        List<ToolDefinition> copy = List.copyOf(tools);
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("no tools to call: give at least one");
        }
        if (copy.size() > MAX_TOOLS) {
            throw new IllegalArgumentException(copy.size() + " tools; at most " + MAX_TOOLS + " are supported");
        }
        Set<String> names = new HashSet<>();
        for (ToolDefinition t : copy) {
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("two tools are named '" + t.name() + "'; tool names must differ");
            }
        }
        return new ToolCallFormat(copy, required);
    }

    /** The tools offered. */
    public List<ToolDefinition> tools() {
        return tools;
    }

    /** Whether the reply must call a tool. */
    public boolean required() {
        return required;
    }

    /** The constraint on the reply: set it as the generation's response format. */
    public ResponseFormat responseFormat() {
        return responseFormat;
    }

    /** The system-prompt section that tells the model the tools and the reply format. */
    public String instructions() {
        StringBuilder s = new StringBuilder();
        s.append("You can call tools. To call one, reply with only a JSON object: "
                + "{\"tool\": \"<tool name>\", \"arguments\": {<the tool's arguments>}}.");
        if (!required) {
            s.append(" To answer without a tool, reply with {\"answer\": \"<your answer>\"}.");
        }
        s.append(" A tool's result comes back in the next message.\nTools:");
        for (int i = 0; i < tools.size(); i++) {
            ToolDefinition t = tools.get(i);
            s.append("\n- ").append(t.name());
            if (t.description() != null && !t.description().isBlank()) {
                s.append(": ").append(t.description().strip());
            }
            s.append(t.parameters() == null ? " No arguments: {}." : " Arguments schema: " + parameterTexts.get(i));
        }
        return s.toString();
    }

    /**
     * The conversation with {@link #instructions()} at the end of its (last) system message, or in a new system
     * message first when it has none.
     */
    public List<ChatMessage> withInstructions(List<ChatMessage> messages) {
        List<ChatMessage> out = new ArrayList<>(messages);
        int system = -1;
        for (int i = 0; i < out.size(); i++) {
            if (out.get(i).role() == ChatMessage.Role.SYSTEM) {
                system = i;
            }
        }
        if (system < 0) {
            out.addFirst(ChatMessage.system(instructions()));
        } else {
            out.set(system, ChatMessage.system(out.get(system).content() + "\n\n" + instructions()));
        }
        return List.copyOf(out);
    }

    /**
     * What a reply generated under {@link #responseFormat()} says: the call, or the answer's text. A reply cut off
     * at the token limit gives the answer so far when it was writing an answer, and its raw text when it was
     * writing a call. Text that was not generated under the format comes back as it is.
     */
    public static ToolReply parse(String reply) {
        Object value;
        try {
            value = JsonTree.parse(reply, "the reply");
        } catch (IllegalArgumentException cutOff) {
            return new ToolReply.Text(partialAnswer(reply));
        }
        if (value instanceof Map<?, ?> m) {
            if (m.get("tool") instanceof String name && m.containsKey("arguments")) {
                Object arguments = m.get("arguments");
                return new ToolReply.Call(name, new String(JsonTree.encode(arguments), StandardCharsets.UTF_8));
            }
            if (m.size() == 1 && m.get("answer") instanceof String answer) {
                return new ToolReply.Text(answer);
            }
        }
        return new ToolReply.Text(reply);
    }

    /**
     * The text of an answer cut off mid-string, {@code {"answer": "text so f}, or the reply itself when it is not
     * one. Under the constraint an unfinished answer is exactly that: optional whitespace, the brace, the one key,
     * the colon and the open string.
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
                        return reply; // not written under the constraint
                    }
                    i += 4;
                }
                default -> text.append(e); // \" \\ \/
            }
        }
        return text.toString();
    }

    private static int skipSpace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\n' || s.charAt(i) == '\r'
                || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /**
     * An earlier call as the assistant's reply text, in the format the model is asked to use. Arguments that are
     * not a JSON object (from another model's history) are kept as a string.
     */
    public static String renderCall(String name, @Nullable String arguments) {
        Objects.requireNonNull(name, "name");
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("tool", name);
        Object parsed;
        try {
            parsed = arguments == null || arguments.isBlank() ? Map.of() : JsonTree.parse(arguments, "arguments");
        } catch (IllegalArgumentException notJson) {
            parsed = arguments;
        }
        call.put("arguments", parsed);
        return new String(JsonTree.encode(call), StandardCharsets.UTF_8);
    }

    /**
     * An earlier assistant turn with calls: its text (without surrounding blanks; none when null or blank), then
     * each call on a line of its own as {@link #renderCall} writes it. Several calls in one turn come from another
     * model's history; this format makes one per reply.
     */
    public static String renderTurn(@Nullable String text, List<ToolReply.Call> calls) {
        StringBuilder turn = new StringBuilder(text == null ? "" : text.strip());
        for (ToolReply.Call call : calls) {
            if (!turn.isEmpty()) {
                turn.append('\n');
            }
            turn.append(renderCall(call.name(), call.arguments()));
        }
        return turn.toString();
    }

    /** A tool's result as the user turn that follows the call; {@code name} may be null when unknown. */
    public static String renderResult(@Nullable String name, @Nullable String content, boolean error) {
        return "Result of " + (name == null ? "the tool" : "tool " + name) + (error ? " failed: " : " returned: ")
                + (content == null ? "" : content);
    }

    private static Object parameters(ToolDefinition t) {
        if (t.parameters() == null) {
            Map<String, Object> empty = new LinkedHashMap<>();
            empty.put("type", "object");
            empty.put("properties", new LinkedHashMap<>());
            empty.put("additionalProperties", false);
            return empty;
        }
        try {
            Object schema = JsonTree.parse(t.parameters(), "the parameter schema of tool '" + t.name() + "'");
            // compiled on its own as well: an error then names the tool and a path inside its own schema, and a
            // tool whose arguments admit no value is refused even where the answer branch would keep the reply's
            // schema satisfiable
            ResponseFormat.jsonSchema(t.parameters());
            return schema;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("tool '" + t.name() + "': " + e.getMessage(), e);
        }
    }

    /**
     * {@code schema} moved to {@code base} inside a larger document: every local {@code $ref} ({@code #...}) is
     * rewritten to point below {@code base}. Values of {@code const}, {@code enum}, {@code default} and
     * {@code examples} are data, not schemas, and stay as they are.
     */
    private static Object rebase(Object schema, String base) {
        if (schema instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = (String) e.getKey();
                Object v = e.getValue();
                if (key.equals("$ref") && v instanceof String ref && ref.startsWith("#")) {
                    out.put(key, base + ref.substring(1));
                } else if (Set.of("const", "enum", "default", "examples").contains(key)) {
                    out.put(key, v);
                } else {
                    out.put(key, rebase(v, base));
                }
            }
            return out;
        }
        if (schema instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object v : list) {
                out.add(rebase(v, base));
            }
            return out;
        }
        return schema;
    }

    private static Map<String, Object> closedObject(String key1, Object schema1, @Nullable String key2,
                                                    @Nullable Object schema2) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put(key1, schema1);
        List<Object> requiredKeys = new ArrayList<>(List.of(key1));
        if (key2 != null) {
            properties.put(key2, schema2);
            requiredKeys.add(key2);
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("type", "object");
        o.put("properties", properties);
        o.put("required", requiredKeys);
        o.put("additionalProperties", false);
        return o;
    }
}
