package dev.bitnet.fuzz;

import dev.bitnet.structured.JsonConstraint;
import dev.bitnet.structured.ResponseFormat;
import dev.bitnet.structured.TokenVocabulary;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * The JSON-schema compiler behind {@link ResponseFormat#jsonSchema(String)}, then a few constrained steps
 * with {@link JsonConstraint} over a small synthetic byte-level vocabulary. The generator knows the
 * supported subset (type and type lists, properties, required, additionalProperties, enum, const, items,
 * prefixItems, min/maxItems, anyOf/oneOf, min/maxLength, minimum/maximum, $ref/$defs with cycles) and mixes
 * in unsupported keywords, boundary numbers, deep nesting and huge enums; a case may then be cut or have
 * JSON fragments spliced in. Contract: the schema compiles, or IllegalArgumentException with a message
 * (what the javadoc documents for a bad schema); a compiled schema's mask is never empty before the end and
 * every token it allows is accepted. A case is the schema text, then the seed of the token walk.
 */
class JsonSchemaFuzzTest {
    static final String TARGET = "json-schema";
    private static final int STEPS = 24;
    private static final List<byte[]> TOKENS = vocabulary();
    private static final TokenVocabulary VOCAB = TokenVocabulary.ofTokenBytes(TOKENS);
    private static final int END = TOKENS.size() - 1;
    private static final List<String> NUMBERS = List.of("0", "1", "-1", "2", "7", "0.5", "-0.5", "1e308", "-1e308", "1e999",
            "999999999999999999", "1000000000000000000", "-9223372036854775808", "9223372036854775807",
            "18446744073709551616", "4294967296", "2147483647", "1E-400", "3.0", "-0");
    private static final List<String> LITERALS = List.of("\"a\"", "\"\"", "\"\\u0000\"", "\"\\ud800\"", "\"\u00e9\u65e5\ud83d\ude00\"",
            "null", "true", "false", "0", "-1.5", "1e308", "[]", "{}", "[1,\"x\",null]", "{\"k\":[{}]}", "\"" + "x".repeat(300) + "\"");
    private static final List<String> KEYS = List.of("a", "b", "name", "id", "", "\\\"", "\u00e9", "$ref", "type", "a b", "\\u0000");
    private static final List<String> TYPES = List.of("\"string\"", "\"integer\"", "\"number\"", "\"boolean\"", "\"null\"",
            "\"object\"", "\"array\"", "\"strange\"", "7", "[]", "[\"string\",\"null\"]", "[\"integer\",\"string\"]",
            "[\"object\",\"array\",\"boolean\"]", "[\"number\",\"number\"]");
    private static final List<String> UNSUPPORTED = List.of("\"pattern\":\"a+\"", "\"format\":\"email\"", "\"allOf\":[{}]",
            "\"not\":{}", "\"if\":{}", "\"multipleOf\":3", "\"exclusiveMinimum\":0", "\"uniqueItems\":true",
            "\"patternProperties\":{\"a\":{}}", "\"minProperties\":1", "\"contains\":{}", "\"$dynamicRef\":\"#x\"",
            "\"dependentRequired\":{}", "\"unevaluatedProperties\":false", "\"title\":\"t\"", "\"description\":7",
            "\"$schema\":\"https://json-schema.org/draft/2020-12/schema\"", "\"default\":[1]", "\"examples\":{}");
    private static final List<String> FRAGMENTS = List.of("{", "}", "[", "]", ",", ":", "null", "true", "\"", "1e999",
            "\"type\":", "\"$ref\":\"#\"", "\"$ref\":\"#/$defs/x\"", "\"$ref\":\"http://x\"", "\"enum\":[]", "\"anyOf\":[]",
            "\"items\":false", "\"required\":[7]", "\"minLength\":-1", "\"maxItems\":1e20", "\"[\"", "\u0000", "\ud800",
            "[".repeat(130), "{\"items\":".repeat(40), "garbage");

    /** 256 single bytes, JSON-ish multi-byte pieces (some cut inside a character), the end token last. */
    private static List<byte[]> vocabulary() {
        List<byte[]> t = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            t.add(new byte[] {(byte) b});
        }
        for (String s : List.of("{\"", "\":", "\",", "\"}", "}]", "[\"", "\":\"", "true", "false", "null", "12", "-0.5",
                "e+9", "name", "id", "  ", "\n  ", "\\u00", "\\n", "\u00e9", "\u65e5\u672c", "\ud83d\ude00", "abc", "\"a\"",
                "{}", "[]", ", ", ": ", "1000000000")) {
            t.add(s.getBytes(StandardCharsets.UTF_8));
        }
        t.add(new byte[] {(byte) 0xe6, (byte) 0x97});
        t.add(new byte[] {(byte) 0xf0, (byte) 0x9f});
        t.add(null);
        return t;
    }

    private static String obj(List<String> members) {
        return "{" + String.join(",", members) + "}";
    }

    private static Arbitrary<String> kv(String key, Arbitrary<String> value) {
        return value.map(v -> "\"" + key + "\":" + v);
    }

    private static Arbitrary<String> maybe(Arbitrary<String> member) {
        return Arbitraries.oneOf(Arbitraries.just(""), member);
    }

    private static Arbitrary<String> members(List<Arbitrary<String>> parts) {
        return Combinators.combine(parts).as(l -> obj(l.stream().filter(s -> !s.isEmpty()).toList()));
    }

    /** A schema of the supported subset and around it, at most {@code depth} levels of subschemas deep. */
    private Arbitrary<String> schema(int depth) {
        Arbitrary<String> num = Arbitraries.of(NUMBERS);
        Arbitrary<String> literal = Arbitraries.of(LITERALS);
        Arbitrary<String> leaf = Arbitraries.oneOf(
                Arbitraries.of("true", "false", "{}", "{\"type\":\"boolean\"}", "{\"type\":\"null\"}", "7", "[]", "\"x\"",
                        "{\"$ref\":\"#/$defs/missing\"}", "{\"$ref\":\"#\"}", "{\"$ref\":\"#/definitions/a\"}"),
                members(List.of(kv("type", Arbitraries.of(TYPES)), maybe(kv("minLength", num)), maybe(kv("maxLength", num)),
                        maybe(kv("minimum", num)), maybe(kv("maximum", num)), maybe(Arbitraries.of(UNSUPPORTED)))),
                members(List.of(kv("enum", literal.list().ofMaxSize(5).map(l -> "[" + String.join(",", l) + "]")),
                        maybe(kv("type", Arbitraries.of(TYPES))))),
                members(List.of(kv("const", literal), maybe(kv("type", Arbitraries.of(TYPES))))),
                Arbitraries.integers().between(1, 25_000).map(n -> "{\"enum\":[" + java.util.stream.IntStream.range(0, n)
                        .mapToObj(i -> "\"v" + i + "\"").collect(Collectors.joining(",")) + "]}"),
                Arbitraries.integers().between(1, 200).map(n -> "{\"items\":".repeat(n) + "{\"type\":\"integer\"}" + "}".repeat(n)),
                Arbitraries.integers().between(1, 200).map(n -> "{\"anyOf\":[".repeat(n) + "{}" + "]}".repeat(n)));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<String> sub = Arbitraries.lazy(() -> schema(depth - 1));
        Arbitrary<String> key = Arbitraries.of(KEYS);
        Arbitrary<String> properties = Combinators.combine(key, sub).as((k, s) -> "\"" + k + "\":" + s).list().ofMaxSize(4)
                .map(l -> "{" + String.join(",", l) + "}");
        Arbitrary<String> required = Arbitraries.oneOf(key.list().ofMaxSize(4).map(l -> l.stream().map(k -> "\"" + k + "\"")
                .collect(Collectors.joining(",", "[", "]"))), Arbitraries.of("7", "[1]", "\"a\"", "[]"));
        Arbitrary<String> object = members(List.of(maybe(Arbitraries.just("\"type\":\"object\"")), maybe(kv("properties", properties)),
                maybe(kv("required", required)), maybe(kv("additionalProperties", Arbitraries.oneOf(sub, Arbitraries.of("true", "false", "7")))),
                maybe(Arbitraries.of(UNSUPPORTED))));
        Arbitrary<String> list = sub.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]");
        Arbitrary<String> array = members(List.of(maybe(Arbitraries.just("\"type\":\"array\"")), maybe(kv("items", sub)),
                maybe(kv("prefixItems", list)), maybe(kv("minItems", Arbitraries.of(NUMBERS))), maybe(kv("maxItems", Arbitraries.of(NUMBERS)))));
        Arbitrary<String> choice = Combinators.combine(Arbitraries.of("anyOf", "oneOf"), list, maybe(kv("type", Arbitraries.of(TYPES))))
                .as((k, l, t) -> "{\"" + k + "\":" + l + (t.isEmpty() ? "" : "," + t) + "}");
        // $defs with references among them and to the root: cycles with and without a base case
        Arbitrary<String> defs = Combinators.combine(sub, sub, Arbitraries.of(true, false), Arbitraries.of("$defs", "definitions"))
                .as((a, b, requiredCycle, where) -> "{\"" + where + "\":{\"node\":{\"type\":\"object\",\"properties\":{\"v\":" + a
                        + ",\"next\":{\"$ref\":\"#/" + where + "/node\"},\"alt\":{\"$ref\":\"#/" + where + "/b\"}}"
                        + (requiredCycle ? ",\"required\":[\"next\"]" : "") + "},\"b\":" + b + "},\"$ref\":\"#/" + where + "/node\"}");
        return Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(4, object), Tuple.of(3, array), Tuple.of(2, choice), Tuple.of(2, defs));
    }

    @Provide
    Arbitrary<String> cases() {
        Arbitrary<String> base = schema(3);
        // mutations: cut anywhere, splice a fragment anywhere; most cases stay well-formed
        Arbitrary<Integer> mutation = Arbitraries.frequency(Tuple.of(6, 0), Tuple.of(1, 1), Tuple.of(2, 2));
        return Combinators.combine(base, mutation, Arbitraries.integers().between(0, 100_000), Arbitraries.of(FRAGMENTS),
                        Arbitraries.longs())
                .as((s, m, at, fragment, seed) -> {
                    int i = Math.min(at, s.length());
                    String schema = m == 0 ? s : m == 1 ? s.substring(0, i) : s.substring(0, i) + fragment + s.substring(i);
                    return schema + "\n" + seed;
                });
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void schemasCompileOrFailAsDocumented(@ForAll("cases") String descriptor) {
        if (FuzzHarness.hasBudget(TARGET)) {
            run(descriptor);
        }
    }

    /** Runs a case: the schema text, a line break, then the seed of the token walk. */
    static void run(String descriptor) {
        descriptor = descriptor.stripTrailing(); // a saved case ends with a line break
        int nl = descriptor.lastIndexOf('\n');
        String schema = descriptor.substring(0, nl);
        long seed = Long.parseLong(descriptor.substring(nl + 1).strip());
        FuzzHarness.check(TARGET, descriptor, List.of(IllegalArgumentException.class), () -> {
            JsonConstraint c = ResponseFormat.jsonSchema(schema).newConstraint(VOCAB, List.of(END));
            Random r = new Random(seed);
            BitSet allowed = new BitSet();
            for (int step = 0; step < STEPS; step++) {
                c.allowedTokens(allowed);
                if (allowed.isEmpty()) {
                    throw new AssertionError("empty mask before the end, at step " + step);
                }
                // prefer closing tokens now and then so that walks also reach the end
                int pick = allowed.get(END) && r.nextInt(3) == 0 ? END : nth(allowed, r.nextInt(allowed.cardinality()));
                if (c.isEndToken(pick)) {
                    c.accept(pick);
                    if (!c.isEnded()) {
                        throw new AssertionError("an accepted end token did not end the value");
                    }
                    return;
                }
                c.accept(pick); // allowed by the mask: an IllegalStateException here breaks the contract
            }
        });
    }

    private static int nth(BitSet bits, int n) {
        int i = bits.nextSetBit(0);
        for (int k = 0; k < n; k++) {
            i = bits.nextSetBit(i + 1);
        }
        return i;
    }
}
