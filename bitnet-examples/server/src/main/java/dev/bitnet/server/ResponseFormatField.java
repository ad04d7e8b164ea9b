package dev.bitnet.server;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.bitnet.structured.ResponseFormat;
import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Maps OpenAI's {@code response_format} request field onto the core {@link ResponseFormat}, for both completion
 * endpoints: {@code {"type":"text"}} (no constraint), {@code {"type":"json_object"}} (any JSON object) and
 * {@code {"type":"json_schema","json_schema":{"name","description","schema","strict"}}} (a value valid against
 * the schema). Generation is always constrained to the schema, whatever {@code strict} says: the model cannot
 * produce anything else. A {@code json_schema} without {@code schema} means any JSON object, the shape OpenAI
 * gives such a format. A schema the core cannot enforce (a keyword outside its subset, a cycle without a base
 * case, ...) is refused with a 400 naming {@code response_format} and carrying the core's message, which names
 * the keyword and where it is; nothing is silently dropped.
 */
final class ResponseFormatField {
    static final String FIELD = "response_format";

    private ResponseFormatField() {
    }

    /** The response format a request asks for; {@link ResponseFormat#text()} when the field is absent or null. */
    static ResponseFormat parse(@Nullable Object value) {
        if (!RequestParser.present(value)) {
            return ResponseFormat.text();
        }
        if (!(value instanceof Map<?, ?> format)) {
            throw ApiException.invalid(FIELD, FIELD + " must be an object, got " + JsonTree.typeName(value));
        }
        Object type = format.get("type");
        if (!(type instanceof String t)) {
            throw RequestParser.present(type)
                    ? ApiException.invalid(FIELD + ".type", FIELD + ".type must be a string, got " + JsonTree.typeName(type))
                    : ApiException.invalid(FIELD + ".type", FIELD + ".type is required");
        }
        return switch (t) {
            case "text" -> ResponseFormat.text();
            case "json_object" -> ResponseFormat.jsonObject();
            case "json_schema" -> jsonSchema(format.get("json_schema"));
            default -> throw ApiException.unsupported(FIELD, FIELD + " type '" + t + "' is not supported by this "
                    + "server; use text, json_object or json_schema");
        };
    }

    private static ResponseFormat jsonSchema(@Nullable Object value) {
        String where = FIELD + ".json_schema";
        if (!RequestParser.present(value)) {
            throw ApiException.invalid(where, where + " is required when " + FIELD + ".type is json_schema");
        }
        if (!(value instanceof Map<?, ?> js)) {
            throw ApiException.invalid(where, where + " must be an object, got " + JsonTree.typeName(value));
        }
        checkType(js, "name", String.class, "a string", where);
        checkType(js, "description", String.class, "a string", where);
        checkType(js, "strict", Boolean.class, "a boolean", where);
        Object schema = js.get("schema");
        if (!RequestParser.present(schema)) {
            return ResponseFormat.jsonObject();
        }
        if (!(schema instanceof Map) && !(schema instanceof Boolean)) {
            throw ApiException.invalid(where + ".schema", where + ".schema must be an object, got "
                    + JsonTree.typeName(schema));
        }
        try {
            return ResponseFormat.jsonSchema(write(schema));
        } catch (IllegalArgumentException e) {
            // The core names the keyword and its place; the param stays the top-level field, as OpenAI's does.
            throw e.getMessage() != null && e.getMessage().startsWith("unsupported")
                    ? ApiException.unsupported(FIELD, where + ".schema is not supported by this server: "
                            + e.getMessage())
                    : ApiException.invalid(FIELD, where + ".schema cannot be enforced: " + e.getMessage());
        }
    }

    private static void checkType(Map<?, ?> map, String key, Class<?> type, String expected, String where) {
        Object v = map.get(key);
        if (RequestParser.present(v) && !type.isInstance(v)) {
            throw ApiException.invalid(where + "." + key, where + "." + key + " must be " + expected + ", got "
                    + JsonTree.typeName(v));
        }
    }

    /** Writes a parsed JSON tree back as text, for the core's schema compiler. */
    static String write(Object tree) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JsonTree.factory().createGenerator(out)) {
            write(g, tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    private static void write(JsonGenerator g, @Nullable Object v) throws IOException {
        switch (v) {
            case Map<?, ?> map -> {
                g.writeStartObject();
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    g.writeFieldName((String) e.getKey());
                    write(g, e.getValue());
                }
                g.writeEndObject();
            }
            case List<?> list -> {
                g.writeStartArray();
                for (Object o : list) {
                    write(g, o);
                }
                g.writeEndArray();
            }
            case String s -> g.writeString(s);
            case Boolean b -> g.writeBoolean(b);
            case Long l -> g.writeNumber(l);
            case BigInteger bi -> g.writeNumber(bi);
            case BigDecimal bd -> g.writeNumber(bd);
            case null, default -> g.writeNull();
        }
    }
}
