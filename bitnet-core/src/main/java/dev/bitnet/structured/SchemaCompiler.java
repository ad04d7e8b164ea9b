package dev.bitnet.structured;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON Schema (the subset documented on {@link dev.bitnet.structured.ResponseFormat#jsonSchema}) into
 * a {@link Grammar}. Refuses, with an {@link IllegalArgumentException} naming the keyword and where it is, every
 * keyword it does not enforce; annotations are skipped on purpose. Work is bounded: at most {@link #MAX_NODES}
 * compiled nodes, {@code $ref}s are compiled from a work list (no deep recursion), and the fixpoints run a
 * bounded number of passes.
 */
final class SchemaCompiler {
    static final int MAX_NODES = 100_000;
    /** The longest chain of anyOf/oneOf/$ref hops without a container in between. */
    static final int MAX_CHOICE_CHAIN = 256;

    /** Keywords with no effect on validity: skipped. */
    static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment", "default",
            "examples", "deprecated", "readOnly", "writeOnly", "$anchor");
    static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties", "enum",
            "const", "items", "prefixItems", "minItems", "maxItems", "anyOf", "oneOf", "minLength", "maxLength",
            "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "$ref", "$defs", "definitions");
    private static final Set<String> DEFINITIONS = Set.of("$defs", "definitions");
    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean",
            "null");
    private static final long INT_LIMIT = 999_999_999_999_999_999L;

    private final Object document;
    private final Map<String, Node.Ref> refs = new HashMap<>();
    private final ArrayDeque<Node.Ref> pendingRefs = new ArrayDeque<>();
    private final List<Node> nodes = new ArrayList<>();

    private SchemaCompiler(Object document) {
        this.document = document;
    }

    static Grammar compile(String schemaJson) {
        Object document = JsonTree.parse(schemaJson, "the JSON schema");
        SchemaCompiler c = new SchemaCompiler(document);
        Node root = c.compile(document, "#");
        while (!c.pendingRefs.isEmpty()) {
            Node.Ref r = c.pendingRefs.poll();
            r.target = c.compile(c.resolve(r.pointer), r.pointer);
        }
        c.checkChoiceChains();
        c.computeMinDepth();
        if (root.minDepth >= Node.UNSATISFIABLE) {
            throw new IllegalArgumentException("the JSON schema admits no finite value (a required $ref cycle without"
                    + " a base case, minItems above maxItems, contradictory bounds, an empty enum or similar)");
        }
        if (root.minDepth > Frame.MAX_NESTING) {
            throw new IllegalArgumentException("every value of the JSON schema nests deeper than "
                    + Frame.MAX_NESTING + " levels");
        }
        return new Grammar(root);
    }

    private <T extends Node> T register(T node) {
        if (nodes.size() >= MAX_NODES) {
            throw new IllegalArgumentException("the JSON schema is too large: more than " + MAX_NODES
                    + " subschemas after resolving $ref");
        }
        nodes.add(node);
        return node;
    }

    private Node compile(Object schema, String path) {
        if (schema instanceof Boolean b) {
            return b ? Grammar.ANY : register(new Node.Choice(List.of()));
        }
        if (!(schema instanceof Map<?, ?> raw)) {
            throw new IllegalArgumentException("schema at " + path + " must be an object or a boolean, got "
                    + describe(schema));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) raw;
        Set<String> constraining = new LinkedHashSet<>();
        for (String key : m.keySet()) {
            if (ANNOTATIONS.contains(key) || DEFINITIONS.contains(key)) {
                continue;
            }
            if (!SUPPORTED.contains(key)) {
                throw new IllegalArgumentException("unsupported JSON Schema keyword '" + key + "' at " + path
                        + " (supported: " + String.join(", ", SUPPORTED.stream().sorted().toList())
                        + "; annotations such as title and description are ignored)");
            }
            constraining.add(key);
        }
        if (m.containsKey("$ref")) {
            alone("$ref", constraining, path);
            return ref(m.get("$ref"), path);
        }
        if (m.containsKey("anyOf") || m.containsKey("oneOf")) {
            String keyword = m.containsKey("anyOf") ? "anyOf" : "oneOf";
            alone(keyword, constraining, path);
            List<Object> options = list(m.get(keyword), path + "/" + keyword);
            if (options.isEmpty()) {
                throw new IllegalArgumentException(keyword + " at " + path + " must not be empty");
            }
            List<Node> compiled = new ArrayList<>();
            for (int i = 0; i < options.size(); i++) {
                compiled.add(compile(options.get(i), path + "/" + keyword + "/" + i));
            }
            return register(new Node.Choice(List.copyOf(compiled)));
        }
        Set<String> types = types(m, path);
        if (m.containsKey("enum") || m.containsKey("const")) {
            return literals(m, constraining, types, path);
        }
        if (types.isEmpty()) {
            types = inferTypes(m);
        }
        if (types.isEmpty()) {
            return Grammar.ANY;
        }
        if ((m.containsKey("minimum") || m.containsKey("maximum") || m.containsKey("exclusiveMinimum")
                || m.containsKey("exclusiveMaximum")) && types.contains("number")) {
            throw new IllegalArgumentException("minimum/maximum at " + path
                    + " are supported for type integer only, not number");
        }
        List<Node> options = new ArrayList<>();
        for (String type : types) {
            options.add(switch (type) {
                case "object" -> object(m, path);
                case "array" -> array(m, path);
                case "string" -> register(new Node.Str(count(m, "minLength", 0, path),
                        count(m, "maxLength", Integer.MAX_VALUE, path)));
                case "integer" -> integer(m, path);
                case "number" -> register(new Node.Num(false, Long.MIN_VALUE, Long.MAX_VALUE));
                case "boolean" -> register(Grammar.literal("true", "false"));
                case "null" -> register(Grammar.literal("null"));
                default -> throw new IllegalStateException(type);
            });
        }
        return options.size() == 1 ? options.get(0) : register(new Node.Choice(List.copyOf(options)));
    }

    private static void alone(String keyword, Set<String> constraining, String path) {
        for (String other : constraining) {
            if (!other.equals(keyword)) {
                throw new IllegalArgumentException("'" + keyword + "' at " + path + " combined with '" + other
                        + "' is not supported; move '" + other + "' into the " + keyword + " target(s)");
            }
        }
    }

    private Set<String> types(Map<String, Object> m, String path) {
        Object t = m.get("type");
        Set<String> types = new LinkedHashSet<>();
        if (t == null) {
            return types;
        }
        List<Object> names = t instanceof List<?> l ? new ArrayList<>(l) : List.of(t);
        for (Object name : names) {
            if (!(name instanceof String s) || !TYPES.contains(s)) {
                throw new IllegalArgumentException("'type' at " + path + " has unknown type " + describe(name));
            }
            types.add(s);
        }
        if (types.contains("number")) {
            types.remove("integer");
        }
        if (types.isEmpty()) {
            throw new IllegalArgumentException("'type' at " + path + " is an empty list");
        }
        return types;
    }

    private static Set<String> inferTypes(Map<String, Object> m) {
        Set<String> types = new LinkedHashSet<>();
        if (m.containsKey("properties") || m.containsKey("required") || m.containsKey("additionalProperties")) {
            types.add("object");
        }
        if (m.containsKey("items") || m.containsKey("prefixItems") || m.containsKey("minItems")
                || m.containsKey("maxItems")) {
            types.add("array");
        }
        if (m.containsKey("minLength") || m.containsKey("maxLength")) {
            types.add("string");
        }
        if (m.containsKey("minimum") || m.containsKey("maximum") || m.containsKey("exclusiveMinimum")
                || m.containsKey("exclusiveMaximum")) {
            types.add("integer");
        }
        return types;
    }

    private Node literals(Map<String, Object> m, Set<String> constraining, Set<String> types, String path) {
        if (m.containsKey("enum") && m.containsKey("const")) {
            throw new IllegalArgumentException("'enum' and 'const' together at " + path + " are not supported");
        }
        String keyword = m.containsKey("enum") ? "enum" : "const";
        for (String other : constraining) {
            if (!other.equals(keyword) && !other.equals("type")) {
                throw new IllegalArgumentException("'" + keyword + "' at " + path + " combined with '" + other
                        + "' is not supported (only 'type' may accompany it)");
            }
        }
        List<Object> values = keyword.equals("enum") ? list(m.get("enum"), path + "/enum") : List.of(m.get("const"));
        List<byte[]> encoded = new ArrayList<>();
        int depth = Node.UNSATISFIABLE;
        for (Object v : values) {
            if (types.isEmpty() || types.stream().anyMatch(t -> hasType(v, t))) {
                encoded.add(JsonTree.encode(v));
                depth = Math.min(depth, JsonTree.depth(v));
            }
        }
        return register(new Node.Literal(ByteTrie.of(encoded), depth));
    }

    private static boolean hasType(Object v, String type) {
        return switch (type) {
            case "object" -> v instanceof Map;
            case "array" -> v instanceof List;
            case "string" -> v instanceof String;
            case "number" -> v instanceof JsonTree.JsonNumber;
            case "integer" -> v instanceof JsonTree.JsonNumber n && n.integral();
            case "boolean" -> v instanceof Boolean;
            case "null" -> v == JsonTree.NULL;
            default -> false;
        };
    }

    private Node object(Map<String, Object> m, String path) {
        Map<String, Object> props = new LinkedHashMap<>();
        if (m.containsKey("properties")) {
            props.putAll(map(m.get("properties"), path + "/properties"));
        }
        Set<String> required = new LinkedHashSet<>();
        if (m.containsKey("required")) {
            for (Object r : list(m.get("required"), path + "/required")) {
                if (!(r instanceof String s)) {
                    throw new IllegalArgumentException("'required' at " + path + " must list strings, got "
                            + describe(r));
                }
                required.add(s);
            }
        }
        Object additionalSchema = m.get("additionalProperties");
        boolean freeKeys = false;
        Node additional;
        if (additionalSchema == null) {
            if (props.isEmpty() && required.isEmpty()) {
                additional = Grammar.ANY;
                freeKeys = true;
            } else {
                // not written: only the declared properties are generated (a valid subset of what is allowed)
                additional = null;
            }
        } else if (Boolean.FALSE.equals(additionalSchema)) {
            additional = null;
        } else {
            additional = compile(additionalSchema, path + "/additionalProperties");
        }
        // a required name without a declared schema takes the additional schema (or any value when not written)
        for (String r : required) {
            if (!props.containsKey(r)) {
                if (Boolean.FALSE.equals(additionalSchema)) {
                    throw new IllegalArgumentException("required property '" + r + "' at " + path
                            + " is forbidden by additionalProperties false");
                }
                props.put(r, additionalSchema == null ? Boolean.TRUE : additionalSchema);
            }
        }
        int n = props.size();
        String[] names = new String[n];
        Node[] values = new Node[n];
        boolean[] req = new boolean[n];
        long[] hashes = new long[n];
        List<byte[]> keys = new ArrayList<>();
        int i = 0;
        for (Map.Entry<String, Object> e : props.entrySet()) {
            names[i] = e.getKey();
            values[i] = compile(e.getValue(), path + "/properties/" + escapePointer(e.getKey()));
            req[i] = required.contains(e.getKey());
            hashes[i] = Frame.Obj.hash(e.getKey().getBytes(StandardCharsets.UTF_8));
            keys.add(JsonTree.encodeString(e.getKey()));
            i++;
        }
        return register(new Node.Obj(names, values, req, ByteTrie.of(keys), additional, freeKeys, hashes));
    }

    private Node array(Map<String, Object> m, String path) {
        List<Node> prefix = new ArrayList<>();
        if (m.containsKey("prefixItems")) {
            List<Object> p = list(m.get("prefixItems"), path + "/prefixItems");
            for (int i = 0; i < p.size(); i++) {
                prefix.add(compile(p.get(i), path + "/prefixItems/" + i));
            }
        }
        Node items;
        Object itemsSchema = m.get("items");
        if (itemsSchema instanceof List) {
            throw new IllegalArgumentException("'items' at " + path
                    + " is an array (the old tuple form); use 'prefixItems'");
        }
        if (itemsSchema == null) {
            items = m.containsKey("prefixItems") ? null : Grammar.ANY;
        } else if (Boolean.FALSE.equals(itemsSchema)) {
            items = null;
        } else {
            items = compile(itemsSchema, path + "/items");
        }
        int min = count(m, "minItems", 0, path);
        int max = count(m, "maxItems", Integer.MAX_VALUE, path);
        return register(new Node.Arr(prefix.toArray(Node[]::new), items, min, max));
    }

    private Node integer(Map<String, Object> m, String path) {
        long min = -INT_LIMIT;
        long max = INT_LIMIT;
        if (m.containsKey("minimum")) {
            min = Math.max(min, bound(number(m, "minimum", path).setScale(0, RoundingMode.CEILING)));
        }
        if (m.containsKey("exclusiveMinimum")) {
            min = Math.max(min, bound(number(m, "exclusiveMinimum", path).setScale(0, RoundingMode.FLOOR)
                    .add(BigDecimal.ONE)));
        }
        if (m.containsKey("maximum")) {
            max = Math.min(max, bound(number(m, "maximum", path).setScale(0, RoundingMode.FLOOR)));
        }
        if (m.containsKey("exclusiveMaximum")) {
            max = Math.min(max, bound(number(m, "exclusiveMaximum", path).setScale(0, RoundingMode.CEILING)
                    .subtract(BigDecimal.ONE)));
        }
        return register(new Node.Num(true, min, max));
    }

    /** Clamps a bound just outside the generated range (18 digits), so out-of-range bounds stay contradictory. */
    private static long bound(BigDecimal v) {
        BigDecimal limit = BigDecimal.valueOf(INT_LIMIT + 1);
        if (v.compareTo(limit) > 0) {
            return INT_LIMIT + 1;
        }
        if (v.compareTo(limit.negate()) < 0) {
            return -INT_LIMIT - 1;
        }
        return v.longValueExact();
    }

    private static BigDecimal number(Map<String, Object> m, String keyword, String path) {
        if (!(m.get(keyword) instanceof JsonTree.JsonNumber n)) {
            throw new IllegalArgumentException("'" + keyword + "' at " + path + " must be a number, got "
                    + describe(m.get(keyword)));
        }
        return n.value();
    }

    private static int count(Map<String, Object> m, String keyword, int absent, String path) {
        Object v = m.get(keyword);
        if (v == null) {
            return absent;
        }
        if (!(v instanceof JsonTree.JsonNumber n) || !n.integral() || n.value().signum() < 0) {
            throw new IllegalArgumentException("'" + keyword + "' at " + path
                    + " must be a non-negative integer, got " + describe(v));
        }
        return n.value().compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) >= 0 ? Integer.MAX_VALUE
                : n.value().intValueExact();
    }

    private Node ref(Object value, String path) {
        if (!(value instanceof String pointer)) {
            throw new IllegalArgumentException("'$ref' at " + path + " must be a string, got " + describe(value));
        }
        if (!pointer.startsWith("#")) {
            throw new IllegalArgumentException("'$ref' at " + path + " is '" + pointer
                    + "'; only local references (starting with #) are supported");
        }
        Node.Ref r = refs.get(pointer);
        if (r == null) {
            resolve(pointer);
            r = register(new Node.Ref(pointer));
            refs.put(pointer, r);
            pendingRefs.add(r);
        }
        return r;
    }

    /** The schema a local JSON pointer names. */
    private Object resolve(String pointer) {
        Object at = document;
        if (pointer.equals("#") || pointer.equals("#/")) {
            return at;
        }
        if (!pointer.startsWith("#/")) {
            throw new IllegalArgumentException("'$ref' '" + pointer
                    + "' is not a JSON pointer (anchors are not supported)");
        }
        for (String raw : pointer.substring(2).split("/", -1)) {
            String part = raw.replace("~1", "/").replace("~0", "~");
            if (at instanceof Map<?, ?> map && map.containsKey(part)) {
                at = map.get(part);
            } else if (at instanceof List<?> list && part.matches("\\d{1,9}") && Integer.parseInt(part) < list.size()) {
                at = list.get(Integer.parseInt(part));
            } else {
                throw new IllegalArgumentException("'$ref' '" + pointer + "' points to nothing (no '" + part + "')");
            }
        }
        return at;
    }

    /**
     * Refuses anyOf/oneOf/$ref cycles that consume nothing (a reference to itself through choices only: the
     * matcher would loop) and chains too long to walk without deep recursion. Iterative depth-first search.
     */
    private void checkChoiceChains() {
        Map<Node, Integer> longest = new IdentityHashMap<>();
        Map<Node, Boolean> onPath = new IdentityHashMap<>();
        for (Node start : nodes) {
            if (longest.containsKey(start)) {
                continue;
            }
            ArrayDeque<Object[]> stack = new ArrayDeque<>();
            stack.push(new Object[] {start, 0});
            onPath.put(start, true);
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                Node node = (Node) top[0];
                List<Node> next = hops(node);
                int i = (Integer) top[1];
                if (i < next.size()) {
                    top[1] = i + 1;
                    Node child = next.get(i);
                    if (Boolean.TRUE.equals(onPath.get(child))) {
                        throw new IllegalArgumentException("the JSON schema refers to itself through anyOf/oneOf/$ref"
                                + " alone" + (child instanceof Node.Ref r ? " (at '" + r.pointer + "')" : "")
                                + "; a recursive reference must sit inside an object or an array");
                    }
                    if (!longest.containsKey(child)) {
                        onPath.put(child, true);
                        stack.push(new Object[] {child, 0});
                    }
                } else {
                    int best = 0;
                    for (Node c : next) {
                        best = Math.max(best, longest.get(c) + 1);
                    }
                    if (best > MAX_CHOICE_CHAIN) {
                        throw new IllegalArgumentException("the JSON schema chains more than " + MAX_CHOICE_CHAIN
                                + " anyOf/oneOf/$ref levels without an object or array in between");
                    }
                    longest.put(node, best);
                    onPath.put(node, false);
                    stack.pop();
                }
            }
        }
    }

    private static List<Node> hops(Node node) {
        if (node instanceof Node.Choice c) {
            return c.options;
        }
        if (node instanceof Node.Ref r) {
            return List.of(r.target);
        }
        return List.of();
    }

    /** Fixpoint of {@link Node#minDepth}: nodes were created children first, so few passes are needed. */
    private void computeMinDepth() {
        boolean changed = true;
        for (int pass = 0; changed && pass < 10_000; pass++) {
            changed = false;
            for (Node node : nodes) {
                int d = minDepthOf(node);
                if (d < node.minDepth) {
                    node.minDepth = d;
                    changed = true;
                }
            }
        }
    }

    private static int minDepthOf(Node node) {
        return switch (node) {
            case Node.Any a -> 0;
            case Node.Str s -> s.minLength <= s.maxLength ? 0 : Node.UNSATISFIABLE;
            case Node.Num n -> n.min <= n.max ? 0 : Node.UNSATISFIABLE;
            case Node.Literal l -> l.trie.isEmpty() ? Node.UNSATISFIABLE : l.depth;
            case Node.Ref r -> r.target.minDepth;
            case Node.Choice c -> {
                int best = Node.UNSATISFIABLE;
                for (Node o : c.options) {
                    best = Math.min(best, o.minDepth);
                }
                yield best;
            }
            case Node.Obj o -> {
                int worst = 0;
                for (int i = 0; i < o.values.length; i++) {
                    if (o.required[i]) {
                        worst = Math.max(worst, o.values[i].minDepth);
                    }
                }
                yield Node.add(worst, 1);
            }
            case Node.Arr a -> {
                if (a.minItems > a.maxItems) {
                    yield Node.UNSATISFIABLE;
                }
                int worst = 0;
                int distinct = Math.min(a.minItems, a.prefix.length + 1);
                for (int i = 0; i < distinct; i++) {
                    Node item = a.item(i);
                    worst = Math.max(worst, item == null ? Node.UNSATISFIABLE : item.minDepth);
                }
                yield Node.add(worst, 1);
            }
        };
    }

    private static List<Object> list(Object v, String path) {
        if (!(v instanceof List<?> l)) {
            throw new IllegalArgumentException(path + " must be an array, got " + describe(v));
        }
        return new ArrayList<>(l);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v, String path) {
        if (!(v instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(path + " must be an object, got " + describe(v));
        }
        return (Map<String, Object>) m;
    }

    private static String escapePointer(String key) {
        return key.replace("~", "~0").replace("/", "~1");
    }

    private static String describe(Object v) {
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        if (v instanceof String s) {
            return "\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\"";
        }
        return String.valueOf(v instanceof JsonTree.JsonNumber n ? n.text() : v);
    }
}
