package dev.bitnet.structured;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Random;

/**
 * Seeded random JSON Schemas over the supported subset: every type, type lists, nested objects with required
 * and optional properties and additionalProperties in its three forms, arrays with items, prefixItems and
 * count bounds, string lengths, integer bounds, enums and consts with escapes and non-ASCII text, anyOf/oneOf
 * with disjoint branches, and a recursive $ref.
 */
final class RandomSchemas {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final String[] WORDS = {"a", "name", "id", "é", "日本", "😀", "quote\"d", "back\\slash", "new\nline",
        "tab\t", "x y", "", "ünï", "\u0001"};
    private final Random r;

    RandomSchemas(long seed) {
        r = new Random(seed);
    }

    String next() {
        ObjectNode root;
        if (r.nextInt(6) == 0) {
            root = recursive();
        } else {
            root = schema(0);
        }
        return root.toString();
    }

    private ObjectNode recursive() {
        ObjectNode root = F.objectNode();
        ObjectNode defs = root.putObject("$defs");
        ObjectNode node = defs.putObject("node");
        node.put("type", "object");
        ObjectNode props = node.putObject("properties");
        props.set("value", scalar());
        ObjectNode kids = props.putObject("children");
        kids.put("type", "array");
        kids.put("maxItems", 1 + r.nextInt(3));
        kids.putObject("items").put("$ref", "#/$defs/node");
        node.putArray("required").add("value");
        node.put("additionalProperties", false);
        root.put("$ref", "#/$defs/node");
        root.put("title", "tree");
        return root;
    }

    private ObjectNode schema(int depth) {
        int pick = r.nextInt(depth >= 3 ? 7 : 11);
        return switch (pick) {
            case 0, 1, 2, 3, 4, 5, 6 -> scalarOrLiteral();
            case 7, 8 -> object(depth);
            case 9 -> array(depth);
            default -> choice(depth);
        };
    }

    private ObjectNode scalarOrLiteral() {
        return r.nextInt(4) == 0 ? literal() : scalar();
    }

    private ObjectNode scalar() {
        ObjectNode s = F.objectNode();
        switch (r.nextInt(7)) {
            case 0 -> {
                s.put("type", "string");
                if (r.nextBoolean()) {
                    int min = r.nextInt(4);
                    s.put("minLength", min);
                    s.put("maxLength", min + r.nextInt(8));
                }
            }
            case 1 -> {
                s.put("type", "integer");
                if (r.nextBoolean()) {
                    int min = r.nextInt(2000) - 1000;
                    s.put("minimum", min);
                    s.put("maximum", min + r.nextInt(3000));
                } else if (r.nextBoolean()) {
                    s.put("exclusiveMinimum", r.nextInt(100) - 50);
                }
            }
            case 2 -> s.put("type", "number");
            case 3 -> s.put("type", "boolean");
            case 4 -> s.put("type", "null");
            case 5 -> s.putArray("type").add("string").add("null");
            default -> {
                s.put("type", "string");
                s.put("description", "free text");
            }
        }
        return s;
    }

    private ObjectNode literal() {
        ObjectNode s = F.objectNode();
        if (r.nextBoolean()) {
            s.put("const", WORDS[r.nextInt(WORDS.length)]);
        } else {
            ArrayNode e = s.putArray("enum");
            int n = 1 + r.nextInt(r.nextInt(10) == 0 ? 300 : 5);
            for (int i = 0; i < n; i++) {
                switch (r.nextInt(4)) {
                    case 0 -> e.add(WORDS[r.nextInt(WORDS.length)] + i);
                    case 1 -> e.add(r.nextInt(200) - 100);
                    case 2 -> e.add(r.nextInt(3) == 0 ? F.nullNode() : F.booleanNode(r.nextBoolean()));
                    default -> e.addObject().put("k", i);
                }
            }
        }
        return s;
    }

    private ObjectNode object(int depth) {
        ObjectNode s = F.objectNode();
        s.put("type", "object");
        ObjectNode props = s.putObject("properties");
        ArrayNode required = F.arrayNode();
        int n = r.nextInt(5);
        for (int i = 0; i < n; i++) {
            String name = WORDS[r.nextInt(WORDS.length)] + i;
            props.set(name, schema(depth + 1));
            if (r.nextBoolean()) {
                required.add(name);
            }
        }
        if (!required.isEmpty()) {
            s.set("required", required);
        }
        switch (r.nextInt(3)) {
            case 0 -> s.put("additionalProperties", false);
            case 1 -> s.set("additionalProperties", scalar());
            default -> {
            }
        }
        return s;
    }

    private ObjectNode array(int depth) {
        ObjectNode s = F.objectNode();
        s.put("type", "array");
        if (r.nextInt(3) == 0) {
            ArrayNode prefix = s.putArray("prefixItems");
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) {
                prefix.add(schema(depth + 1));
            }
            if (r.nextBoolean()) {
                s.set("items", schema(depth + 1));
            }
        } else {
            s.set("items", schema(depth + 1));
        }
        if (r.nextBoolean()) {
            int min = r.nextInt(3);
            s.put("minItems", min);
            s.put("maxItems", min + r.nextInt(4));
        }
        return s;
    }

    /** anyOf/oneOf over branches of different JSON types, so oneOf's "exactly one" holds. */
    private ObjectNode choice(int depth) {
        ObjectNode s = F.objectNode();
        ArrayNode options = s.putArray(r.nextBoolean() ? "anyOf" : "oneOf");
        options.addObject().put("type", "null");
        options.addObject().put("type", "boolean");
        options.add(object(depth + 1));
        if (r.nextBoolean()) {
            ObjectNode str = options.addObject();
            str.put("type", "string");
            str.put("maxLength", 5);
        }
        return s;
    }
}
