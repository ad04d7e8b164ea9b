package dev.bitnet.springai;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Set;

/**
 * Turns the {@code format} annotations that Spring AI's schema generator puts on numeric Java types into what
 * bitnet-java's schema compiler enforces. {@code BeanOutputConverter} writes {@code "format": "int32"} for an
 * {@code int}, {@code "int64"} for a {@code long} and {@code "float"}/{@code "double"} for floating types; the core
 * refuses {@code format} (it cannot enforce string formats), which would refuse every record with a number in it.
 * These four only name the Java type's range, so they map exactly:
 * <ul>
 * <li>{@code int32} on {@code "type": "integer"}: {@code minimum}/{@code maximum} of {@code int} (tightened with
 *     any bounds the schema already has);</li>
 * <li>{@code int64} on an integer: dropped, because the core writes at most 18 digits, always within
 *     {@code long};</li>
 * <li>{@code float}/{@code double} on {@code "type": "number"}: dropped (any number parses as a double; a float
 *     field may round).</li>
 * </ul>
 * Any other {@code format} (dates, e-mail addresses, UUIDs ...) stays, so the core refuses it by name rather than
 * it being silently ignored.
 */
final class JavaTypeFormats {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final Set<String> FLOATING = Set.of("float", "double");

    private JavaTypeFormats() {
    }

    /** The schema with the numeric Java-type formats resolved; the text unchanged when it has none or is not JSON. */
    static String resolve(String schema) {
        if (!schema.contains("\"format\"")) {
            return schema;
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(schema);
        } catch (JacksonException e) {
            return schema; // the core reports malformed JSON with its own message
        }
        return walk(root, 0) ? MAPPER.writeValueAsString(root) : schema;
    }

    /** Rewrites in place; true if anything changed. Depth is bounded by the parser's own nesting limit. */
    private static boolean walk(JsonNode node, int depth) {
        boolean changed = false;
        if (node instanceof ObjectNode o) {
            JsonNode format = o.get("format");
            JsonNode type = o.get("type");
            if (format != null && format.isString() && type != null && type.isString()) {
                String f = format.asString();
                String t = type.asString();
                if (t.equals("integer") && f.equals("int32")) {
                    o.remove("format");
                    tighten(o, "minimum", Integer.MIN_VALUE, true);
                    tighten(o, "maximum", Integer.MAX_VALUE, false);
                    changed = true;
                } else if (t.equals("integer") && f.equals("int64")
                        || t.equals("number") && FLOATING.contains(f)) {
                    o.remove("format");
                    changed = true;
                }
            }
        }
        for (JsonNode child : node) {
            changed |= walk(child, depth + 1);
        }
        return changed;
    }

    private static void tighten(ObjectNode o, String keyword, long bound, boolean lower) {
        JsonNode existing = o.get(keyword);
        if (existing == null || !existing.isNumber()) {
            o.put(keyword, bound);
        } else if (lower ? existing.asDouble() < bound : existing.asDouble() > bound) {
            o.put(keyword, bound);
        }
    }
}
