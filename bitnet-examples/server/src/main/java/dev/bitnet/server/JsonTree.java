package dev.bitnet.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON document into plain Java values with jackson-core's streaming parser (the server has no
 * data binding): objects become {@code Map<String,Object>} (in order, a repeated key is an error), arrays
 * {@code List<Object>}, integers {@code Long} or {@code BigInteger}, other numbers {@code BigDecimal}, and
 * {@code null} a {@link #NULL} marker so that "absent" and "null" stay different. Nesting depth and string
 * lengths are bounded, so a hostile body cannot exhaust the stack or the heap beyond its own size.
 */
final class JsonTree {
    /** Stands for a JSON {@code null}. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    static final int MAX_DEPTH = 64;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).maxNumberLength(100).build())
            .build();

    private JsonTree() {
    }

    /** The JSON factory the server writes with too. */
    static JsonFactory factory() {
        return FACTORY;
    }

    /**
     * Parses one JSON document.
     *
     * @throws ApiException 400 naming the position of malformed JSON or trailing content
     */
    static Object parse(byte[] body) {
        try (JsonParser p = FACTORY.createParser(body)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw ApiException.invalid(null, "the request body is empty; expected a JSON object");
            }
            Object value = read(p, first, 0);
            if (p.nextToken() != null) {
                throw ApiException.invalid(null, "malformed JSON: unexpected content after the document at "
                        + location(p));
            }
            return value;
        } catch (JsonProcessingException e) {
            throw ApiException.invalid(null, "malformed JSON: " + e.getOriginalMessage() + " at "
                    + (e.getLocation() == null ? "?" : "line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw ApiException.invalid(null, "cannot read the request body: " + e.getMessage());
        }
    }

    private static String location(JsonParser p) {
        var loc = p.currentLocation();
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    private static Object read(JsonParser p, JsonToken token, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw ApiException.invalid(null, "malformed JSON: nested deeper than " + MAX_DEPTH + " levels");
        }
        return switch (token) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                JsonToken t;
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    Object value = read(p, p.nextToken(), depth + 1);
                    if (map.put(name, value) != null) {
                        throw ApiException.invalid(name, "malformed JSON: the key '" + name + "' appears twice");
                    }
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    list.add(read(p, t, depth + 1));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                    ? (Object) p.getBigIntegerValue() : (Object) p.getLongValue();
            case VALUE_NUMBER_FLOAT -> decimal(p);
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> NULL;
            default -> throw ApiException.invalid(null, "malformed JSON: unexpected " + token + " at " + location(p));
        };
    }

    /** A fractional number; one whose exponent does not fit a BigDecimal (1e99999999999) is malformed JSON. */
    private static Object decimal(JsonParser p) throws IOException {
        try {
            return p.getDecimalValue();
        } catch (NumberFormatException e) {
            throw ApiException.invalid(null, "malformed JSON: the number " + p.getText() + " is out of range at "
                    + location(p));
        }
    }

    /** The JSON type name of a parsed value, for error messages. */
    static String typeName(@Nullable Object v) {
        if (v == null || v == NULL) {
            return "null";
        }
        if (v instanceof Map) {
            return "object";
        }
        if (v instanceof List) {
            return "array";
        }
        if (v instanceof String) {
            return "string";
        }
        if (v instanceof Boolean) {
            return "boolean";
        }
        if (v instanceof Long || v instanceof BigInteger) {
            return "integer";
        }
        if (v instanceof BigDecimal) {
            return "number";
        }
        return v.getClass().getSimpleName();
    }
}
