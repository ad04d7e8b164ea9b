package dev.bitnet.server;

import dev.bitnet.structured.ToolCallFormat;
import dev.bitnet.structured.ToolDefinition;
import org.jetbrains.annotations.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Maps OpenAI's {@code tools}, {@code tool_choice} and {@code parallel_tool_calls} onto the core
 * {@link ToolCallFormat}: BitNet models have no tool-call format of their own, so the reply is constrained to one
 * JSON object naming one offered tool with arguments valid against its parameter schema (or, under {@code auto},
 * an answer). {@code tool_choice}: {@code none} (the tools are checked, then ignored: the reply is free),
 * {@code auto} (the default with tools: call or answer), {@code required} (must call one), or
 * {@code {"type":"function","function":{"name":X}}} (must call X; only X is offered). One call per reply, whatever
 * {@code parallel_tool_calls} says. A parameter schema the core cannot enforce is a 400 naming {@code tools}
 * with the core's message (which names the tool and the keyword).
 */
final class ToolsField {
    static final String TOOLS = "tools";
    static final String CHOICE = "tool_choice";
    static final String PARALLEL = "parallel_tool_calls";

    private ToolsField() {
    }

    /**
     * The tool-calling format a chat request asks for, or null when its reply is free (no tools, or
     * {@code tool_choice} {@code none}).
     *
     * @throws ApiException 400 naming the field at fault
     */
    static @Nullable ToolCallFormat parse(Map<String, Object> root) {
        List<ToolDefinition> tools = tools(root.get(TOOLS));
        Object parallel = root.get(PARALLEL);
        if (RequestParser.present(parallel) && !(parallel instanceof Boolean)) {
            throw ApiException.invalid(PARALLEL, PARALLEL + " must be a boolean, got " + JsonTree.typeName(parallel));
        }
        Object choice = root.get(CHOICE);
        boolean required = false;
        boolean none = false;
        List<ToolDefinition> offered = tools;
        if (!RequestParser.present(choice) || "auto".equals(choice)) {
            required = false;
        } else if ("none".equals(choice)) {
            none = true;
        } else if ("required".equals(choice)) {
            if (tools.isEmpty()) {
                throw ApiException.invalid(CHOICE, CHOICE + " 'required' needs at least one tool in " + TOOLS);
            }
            required = true;
        } else if (choice instanceof Map<?, ?> named) {
            String name = namedTool(named);
            offered = tools.stream().filter(t -> t.name().equals(name)).toList();
            if (offered.isEmpty()) {
                throw ApiException.invalid(CHOICE, CHOICE + " names the function '" + name + "', which is not in "
                        + TOOLS);
            }
            required = true;
        } else if (choice instanceof String s) {
            throw ApiException.invalid(CHOICE, CHOICE + " must be none, auto, required or {\"type\":\"function\","
                    + "\"function\":{\"name\":...}}, got '" + s + "'");
        } else {
            throw ApiException.invalid(CHOICE, CHOICE + " must be a string or an object, got "
                    + JsonTree.typeName(choice));
        }
        if (offered.isEmpty()) {
            return null; // auto without tools: a plain reply, as OpenAI gives
        }
        ToolCallFormat format;
        try {
            format = ToolCallFormat.of(offered, required);
        } catch (IllegalArgumentException e) {
            // the core names the tool and, for a schema, the keyword and its place
            String message = TOOLS + ": " + e.getMessage();
            throw e.getMessage() != null && e.getMessage().contains("unsupported")
                    ? ApiException.unsupported(TOOLS, message) : ApiException.invalid(TOOLS, message);
        }
        return none ? null : format; // none: checked like the others, then left out
    }

    private static String namedTool(Map<?, ?> choice) {
        Object type = choice.get("type");
        if (!"function".equals(type)) {
            throw RequestParser.present(type) && type instanceof String t
                    ? ApiException.unsupported(CHOICE, CHOICE + " of type '" + t + "' is not supported by this "
                            + "server; use none, auto, required or a function")
                    : ApiException.invalid(CHOICE, CHOICE + ".type must be \"function\", got "
                            + JsonTree.typeName(type));
        }
        if (!(choice.get("function") instanceof Map<?, ?> function)) {
            throw ApiException.invalid(CHOICE, CHOICE + ".function must be an object with a name, got "
                    + JsonTree.typeName(choice.get("function")));
        }
        if (!(function.get("name") instanceof String name)) {
            throw ApiException.invalid(CHOICE, CHOICE + ".function.name must be a string, got "
                    + JsonTree.typeName(function.get("name")));
        }
        return name;
    }

    /** The tools of a request, checked; empty when absent, null or {@code []}. */
    private static List<ToolDefinition> tools(@Nullable Object value) {
        if (!RequestParser.present(value)) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw ApiException.invalid(TOOLS, TOOLS + " must be an array of tools, got " + JsonTree.typeName(value));
        }
        if (list.size() > ToolCallFormat.MAX_TOOLS) {
            throw ApiException.invalid(TOOLS, TOOLS + " has " + list.size() + " tools; at most "
                    + ToolCallFormat.MAX_TOOLS);
        }
        List<ToolDefinition> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(tool(TOOLS + "[" + i + "]", list.get(i)));
        }
        return out;
    }

    private static ToolDefinition tool(String where, @Nullable Object value) {
        if (!(value instanceof Map<?, ?> tool)) {
            throw ApiException.invalid(where, where + " must be an object, got " + JsonTree.typeName(value));
        }
        Object type = tool.get("type");
        if (!(type instanceof String t)) {
            throw RequestParser.present(type)
                    ? ApiException.invalid(where + ".type", where + ".type must be a string, got " + JsonTree.typeName(type))
                    : ApiException.invalid(where + ".type", where + ".type is required (\"function\")");
        }
        if (!t.equals("function")) {
            throw ApiException.unsupported(where + ".type", where + ".type '" + t + "' is not supported by this "
                    + "server; only function tools");
        }
        String fn = where + ".function";
        if (!(tool.get("function") instanceof Map<?, ?> function)) {
            throw RequestParser.present(tool.get("function"))
                    ? ApiException.invalid(fn, fn + " must be an object, got " + JsonTree.typeName(tool.get("function")))
                    : ApiException.invalid(fn, fn + " is required");
        }
        Object name = function.get("name");
        if (!(name instanceof String n)) {
            throw RequestParser.present(name)
                    ? ApiException.invalid(fn + ".name", fn + ".name must be a string, got " + JsonTree.typeName(name))
                    : ApiException.invalid(fn + ".name", fn + ".name is required");
        }
        Object description = function.get("description");
        if (RequestParser.present(description) && !(description instanceof String)) {
            throw ApiException.invalid(fn + ".description", fn + ".description must be a string, got "
                    + JsonTree.typeName(description));
        }
        Object strict = function.get("strict");
        if (RequestParser.present(strict) && !(strict instanceof Boolean)) {
            throw ApiException.invalid(fn + ".strict", fn + ".strict must be a boolean, got " + JsonTree.typeName(strict));
        }
        Object parameters = function.get("parameters");
        if (RequestParser.present(parameters) && !(parameters instanceof Map)) {
            throw ApiException.invalid(fn + ".parameters", fn + ".parameters must be an object (a JSON Schema), got "
                    + JsonTree.typeName(parameters));
        }
        // OpenAI's arguments are a JSON object; the core would also take a schema for another value. An empty
        // schema, {}, is what several clients send for a function without arguments: no arguments, {}.
        if (parameters instanceof Map<?, ?> schema && schema.containsKey("type") && !"object".equals(schema.get("type"))) {
            throw ApiException.invalid(fn + ".parameters", fn + ".parameters must be an object schema (\"type\": "
                    + "\"object\"): a function's arguments are a JSON object; leave parameters out for none");
        }
        boolean none = !RequestParser.present(parameters) || (parameters instanceof Map<?, ?> m && m.isEmpty());
        try {
            return new ToolDefinition(n, description instanceof String d ? d : null,
                    none ? null : ResponseFormatField.write(parameters));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(fn + ".name", fn + ".name: " + e.getMessage());
        }
    }
}
