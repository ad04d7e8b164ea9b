package dev.bitnet.structured;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON tree read with jackson-core's streaming parser (core does not depend on jackson-databind): objects
 * are {@link LinkedHashMap}s in document order, arrays {@link List}s, strings {@link String}s, numbers
 * {@link JsonNumber}, booleans {@link Boolean}, null {@link #NULL}. Bounded: the text size and nesting are capped,
 * duplicate keys are refused.
 */
final class JsonTree {
    /** The JSON null. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };
    static final int MAX_CHARS = 1 << 20;
    static final int MAX_NESTING = 128;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).build())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** A JSON number with its text as written and its exact value. */
    record JsonNumber(String text, BigDecimal value) {
        boolean integral() {
            return value.signum() == 0 || value.stripTrailingZeros().scale() <= 0;
        }
    }

    private JsonTree() {
    }

    /**
     * @throws IllegalArgumentException if the text is not one well-formed JSON value, too long or too deep
     */
    static Object parse(String json, String what) {
        if (json.length() > MAX_CHARS) {
            throw new IllegalArgumentException(what + " is too large: " + json.length() + " characters; at most "
                    + MAX_CHARS + " are accepted");
        }
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new IllegalArgumentException(what + " is empty");
            }
            Object value = read(p);
            if (p.nextToken() != null) {
                throw new IllegalArgumentException(what + " has text after its JSON value at "
                        + p.currentLocation().offsetDescription());
            }
            return value;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(what + " could not be read: " + e.getMessage(), e);
        }
    }

    private static Object read(JsonParser p) throws IOException {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    p.nextToken();
                    map.put(key, read(p));
                }
                return map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(read(p));
                }
                return list;
            }
            case VALUE_STRING -> {
                return p.getText();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                return new JsonNumber(p.getText(), p.getDecimalValue());
            }
            case VALUE_TRUE -> {
                return Boolean.TRUE;
            }
            case VALUE_FALSE -> {
                return Boolean.FALSE;
            }
            case VALUE_NULL -> {
                return NULL;
            }
            default -> throw new IllegalArgumentException("unexpected JSON token " + p.currentToken());
        }
    }

    /** Compact JSON of a tree value as UTF-8: no whitespace, keys in order, only the escapes JSON requires. */
    static byte[] encode(Object value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encode(value, out);
        return out.toByteArray();
    }

    private static void encode(Object value, ByteArrayOutputStream out) {
        if (value instanceof Map<?, ?> map) {
            out.write('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) {
                    out.write(',');
                }
                first = false;
                encodeString((String) e.getKey(), out);
                out.write(':');
                encode(e.getValue(), out);
            }
            out.write('}');
        } else if (value instanceof List<?> list) {
            out.write('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.write(',');
                }
                encode(list.get(i), out);
            }
            out.write(']');
        } else if (value instanceof String s) {
            encodeString(s, out);
        } else if (value instanceof JsonNumber n) {
            out.writeBytes(n.text().getBytes(StandardCharsets.US_ASCII));
        } else {
            out.writeBytes(String.valueOf(value).getBytes(StandardCharsets.US_ASCII));
        }
    }

    /** A JSON string literal, quotes included. */
    static byte[] encodeString(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encodeString(s, out);
        return out.toByteArray();
    }

    private static void encodeString(String s, ByteArrayOutputStream out) {
        out.write('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.writeBytes(new byte[] {'\\', '"'});
                case '\\' -> out.writeBytes(new byte[] {'\\', '\\'});
                case '\n' -> out.writeBytes(new byte[] {'\\', 'n'});
                case '\r' -> out.writeBytes(new byte[] {'\\', 'r'});
                case '\t' -> out.writeBytes(new byte[] {'\\', 't'});
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)
                            && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                            && Character.isLowSurrogate(s.charAt(i + 1)))) {
                        // a lone surrogate has no UTF-8 form; keep it as the escape it came in as
                        out.writeBytes(String.format("\\u%04x", (int) c).getBytes(StandardCharsets.US_ASCII));
                    } else if (Character.isHighSurrogate(c)) {
                        out.writeBytes(s.substring(i, i + 2).getBytes(StandardCharsets.UTF_8));
                        i++;
                    } else {
                        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        out.write('"');
    }

    /** Container nesting of a tree value: 0 for scalars. */
    static int depth(Object value) {
        int d = 0;
        if (value instanceof Map<?, ?> map) {
            for (Object v : map.values()) {
                d = Math.max(d, depth(v));
            }
            return d + 1;
        }
        if (value instanceof List<?> list) {
            for (Object v : list) {
                d = Math.max(d, depth(v));
            }
            return d + 1;
        }
        return 0;
    }
}
