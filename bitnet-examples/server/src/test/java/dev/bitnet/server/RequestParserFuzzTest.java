package dev.bitnet.server;

import dev.bitnet.fuzz.FuzzHarness;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RequestParser} on hostile request bodies for both endpoints. The generator knows the request
 * format: messages (roles, string and part-array content), prompt (string, strings, token ids), every
 * sampling and limit field with values of the wrong type or out of range (boundary integers, huge and
 * tiny numbers), stop, logit_bias maps, stream options, response_format with schemas, tools with parameter
 * schemas, tool_choice, assistant tool_calls and tool messages; then a case may be
 * cut, have JSON fragments spliced in, be nested deeply, or have invalid UTF-8 bytes put in. Contract: a
 * parsed request, or an {@link ApiException} with a 4xx status and a message that names the field at fault
 * (or, for an unreadable body, says what is wrong with the body); never another throwable or a hang.
 * A case is {@code chat} or {@code text}, a line break, then the body (invalid bytes written as {@code \xNN}).
 */
class RequestParserFuzzTest {
    static final String TARGET = "request-parser";
    private static final RequestParser PARSER = new RequestParser(1000, 512);
    private static final List<String> NUMBERS = List.of("0", "1", "-1", "2", "0.5", "-0.0", "1e308", "-1e308", "1e999",
            "1E-400", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
            "-9223372036854775809", "18446744073709551616", "99999999999999999999999999999999", "1.0000000000000002",
            "100", "100.0000001", "-100", "3", "999", "1000", "1" + "0".repeat(99), "0." + "0".repeat(98) + "1");
    private static final List<String> SCALARS = List.of("null", "true", "false", "\"\"", "\"x\"", "\"\\u0000\"", "\"\\ud800\"",
            "\"\u00e9\ud83d\ude00\"", "[]", "{}", "[1]", "[\"a\"]", "{\"a\":1}", "\"" + "s".repeat(500) + "\"");
    private static final List<String> FIELDS = List.of("model", "max_tokens", "max_completion_tokens", "temperature", "top_p",
            "top_k", "min_p", "repeat_penalty", "presence_penalty", "frequency_penalty", "seed", "n", "stream",
            "stream_options", "stop", "logit_bias", "response_format", "tools", "functions", "tool_choice", "function_call",
            "logprobs", "top_logprobs", "audio", "modalities", "echo", "best_of", "suffix", "user", "store", "metadata",
            "unknown_field", "");
    private static final List<String> FRAGMENTS = List.of("{", "}", "[", "]", ",", ":", "\"", "null", "1e999", "\"a\":1",
            "\"messages\":[]", "\"prompt\":[[1,2]]", "[".repeat(70), "{\"a\":".repeat(70), "\\", "\u0000", "\"\"\"", "garbage",
            "\"temperature\":1,\"temperature\":2");
    private static final List<String> BAD_UTF8 = List.of("c3", "ff", "eda080", "f4908080", "c080", "e282", "fe", "80");

    private static final String TOOL_CALL = "{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}";

    /** tools arrays: good and bad function tools, with parameter schemas the core takes and ones it refuses. */
    private static Arbitrary<String> tools() {
        Arbitrary<String> name = Arbitraries.of("\"f\"", "\"get_weather\"", "\"a b\"", "\"\"", "7", "null",
                "\"" + "n".repeat(65) + "\"");
        Arbitrary<String> parameters = Arbitraries.of("", ",\"parameters\":{\"type\":\"object\"}", ",\"parameters\":{}",
                ",\"parameters\":[]", ",\"parameters\":{\"type\":\"string\"}",
                ",\"parameters\":{\"type\":\"object\",\"properties\":{\"c\":{\"enum\":[\"x\",\"y\"]}},\"required\":[\"c\"]}",
                ",\"parameters\":{\"type\":\"object\",\"properties\":{\"c\":{\"type\":\"string\",\"pattern\":\"a\"}}}",
                ",\"parameters\":{\"properties\":{\"n\":{\"$ref\":\"#\"}},\"required\":[\"n\"]}",
                ",\"description\":7", ",\"strict\":true");
        Arbitrary<String> tool = Arbitraries.oneOf(
                Combinators.combine(Arbitraries.of("\"function\"", "\"custom\"", "7"), name, parameters)
                        .as((t, n, p) -> "{\"type\":" + t + ",\"function\":{\"name\":" + n + p + "}}"),
                Arbitraries.of("{}", "7", "{\"type\":\"function\"}", "{\"type\":\"function\",\"function\":[]}"));
        return tool.list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]");
    }

    private static Arbitrary<String> scalar() {
        return Arbitraries.oneOf(Arbitraries.of(NUMBERS), Arbitraries.of(SCALARS));
    }

    private static Arbitrary<String> content() {
        Arbitrary<String> part = Arbitraries.oneOf(
                Arbitraries.of("\"text\"", "\"image_url\"", "\"input_audio\"", "7", "null")
                        .flatMap(t -> scalar().map(v -> "{\"type\":" + t + ",\"text\":" + v + "}")),
                scalar());
        return Arbitraries.oneOf(Arbitraries.of("\"hi\"", "\"\"", "\"<|eot_id|>\"", "null"), scalar(),
                part.list().ofMaxSize(3).map(l -> "[" + String.join(",", l) + "]"));
    }

    private static Arbitrary<String> message() {
        Arbitrary<String> role = Arbitraries.of("\"user\"", "\"system\"", "\"developer\"", "\"assistant\"", "\"tool\"",
                "\"function\"", "\"User\"", "\"\"", "7", "null");
        return Arbitraries.oneOf(
                Combinators.combine(role, content(), Arbitraries.of("", ",\"tool_calls\":[]", ",\"tool_calls\":[{}]", ",\"name\":\"n\"",
                                ",\"tool_call_id\":\"c\"", ",\"tool_call_id\":7", ",\"tool_calls\":[" + TOOL_CALL + "]",
                                ",\"tool_calls\":[" + TOOL_CALL.replace("\"{}\"", "{}") + "]",
                                ",\"tool_calls\":[{\"id\":\"c\",\"type\":\"custom\",\"function\":{}}]"))
                        .as((r, c, extra) -> "{\"role\":" + r + ",\"content\":" + c + extra + "}"),
                Arbitraries.of("{\"content\":\"x\"}", "{\"role\":\"user\"}", "7", "[]", "null", "\"user\""));
    }

    private static Arbitrary<String> logitBias() {
        Arbitrary<String> key = Arbitraries.oneOf(Arbitraries.of("0", "999", "1000", "-1", " 5 ", "+5", "x", "", "1e2",
                "2147483648", "99999999999999999999", "\\u0035"), Arbitraries.integers().between(0, 1200).map(String::valueOf));
        Arbitrary<String> entries = Combinators.combine(key, scalar()).as((k, v) -> "\"" + k + "\":" + v).list().ofMaxSize(5)
                .map(l -> "{" + String.join(",", l) + "}");
        return Arbitraries.oneOf(entries, Arbitraries.integers().between(1000, 1100).map(n -> java.util.stream.IntStream.range(0, n)
                .mapToObj(i -> "\"" + i + "\":1").collect(Collectors.joining(",", "{", "}"))));
    }

    private static Arbitrary<String> responseFormat() {
        Arbitrary<String> schema = Arbitraries.of("{\"type\":\"object\"}", "true", "false", "{}", "[]", "7", "null",
                "{\"type\":\"string\",\"maxLength\":3}", "{\"$ref\":\"#/$defs/x\"}", "{\"pattern\":\"a\"}", "{\"allOf\":[]}",
                "{\"$defs\":{\"n\":{\"type\":\"object\",\"properties\":{\"n\":{\"$ref\":\"#/$defs/n\"}},\"required\":[\"n\"]}},\"$ref\":\"#/$defs/n\"}",
                "{\"enum\":[" + "1,".repeat(3000) + "1]}", "{\"items\":".repeat(60) + "{}" + "}".repeat(60));
        Arbitrary<String> jsonSchema = Combinators.combine(schema, Arbitraries.of("", ",\"strict\":true", ",\"strict\":1",
                ",\"name\":7", ",\"description\":\"d\""))
                .as((s, extra) -> "{\"name\":\"n\",\"schema\":" + s + extra + "}");
        return Arbitraries.oneOf(Arbitraries.of("{\"type\":\"text\"}", "{\"type\":\"json_object\"}", "{\"type\":\"xml\"}", "{}",
                        "{\"type\":7}", "\"json\"", "{\"type\":\"json_schema\"}", "{\"type\":\"json_schema\",\"json_schema\":[]}"),
                jsonSchema.map(js -> "{\"type\":\"json_schema\",\"json_schema\":" + js + "}"));
    }

    private static Arbitrary<String> field() {
        Arbitrary<String> value = Arbitraries.frequencyOf(Tuple.of(4, scalar()), Tuple.of(1, logitBias()), Tuple.of(1, responseFormat()),
                Tuple.of(1, Arbitraries.of("[\"a\",\"b\"]", "[\"\"]", "[\"a\",1]", "{\"include_usage\":true}",
                        "{\"include_usage\":1}", "[\"text\"]", "[\"text\",\"audio\"]", "\"none\"", "\"auto\"", "\"required\"",
                        "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}", "{\"type\":\"allowed_tools\"}",
                        "[" + "\"s\",".repeat(20) + "\"s\"]")));
        Arbitrary<String> named = Combinators.combine(Arbitraries.of(FIELDS), value).as((f, v) -> "\"" + f + "\":" + v);
        Arbitrary<String> fixed = Arbitraries.of("\"logit_bias\":", "\"response_format\":", "\"stream\":true,\"stream_options\":",
                        "\"tools\":")
                .flatMap(f -> f.startsWith("\"logit") ? logitBias().map(v -> f + v)
                        : f.startsWith("\"response") ? responseFormat().map(v -> f + v)
                        : f.startsWith("\"tools") ? tools().map(v -> f + v) : scalar().map(v -> f + v));
        return Arbitraries.frequencyOf(Tuple.of(4, named), Tuple.of(1, fixed));
    }

    @Provide
    Arbitrary<String> cases() {
        Arbitrary<String> messages = Arbitraries.oneOf(message().list().ofMaxSize(4).map(l -> "\"messages\":[" + String.join(",", l) + "]"),
                scalar().map(v -> "\"messages\":" + v), Arbitraries.just(""));
        Arbitrary<String> prompt = Arbitraries.oneOf(scalar().map(v -> "\"prompt\":" + v),
                Arbitraries.of("[\"a\"]", "[\"a\",\"b\"]", "[[1,2]]", "[[]]", "[[1],[2]]", "[1,999]", "[1000]", "[-1]", "[1.5]",
                        "[[\"a\"]]", "[null]", "[9223372036854775808]").map(v -> "\"prompt\":" + v), Arbitraries.just(""));
        Arbitrary<String> body = Combinators.combine(Arbitraries.of("chat", "text"), messages, prompt, field().list().ofMaxSize(5))
                .as((kind, m, p, fs) -> {
                    String first = kind.equals("chat") ? m : p;
                    String members = java.util.stream.Stream.concat(java.util.stream.Stream.of(first), fs.stream())
                            .filter(s -> !s.isEmpty()).collect(Collectors.joining(","));
                    return kind + "\n{" + members + "}";
                });
        // mutations on the body text: cut, splice a fragment, nest the whole body, put invalid UTF-8 in
        Arbitrary<Integer> mutation = Arbitraries.frequency(Tuple.of(8, 0), Tuple.of(1, 1), Tuple.of(2, 2), Tuple.of(1, 3), Tuple.of(1, 4));
        return Combinators.combine(body, mutation, Arbitraries.integers().between(0, 10_000), Arbitraries.of(FRAGMENTS),
                        Arbitraries.of(BAD_UTF8), Arbitraries.integers().between(1, 200))
                .as((c, m, at, fragment, bad, depth) -> {
                    int nl = c.indexOf('\n');
                    String head = c.substring(0, nl + 1);
                    String b = c.substring(nl + 1);
                    int i = Math.min(at, b.length());
                    return head + switch (m) {
                        case 1 -> b.substring(0, i);
                        case 2 -> b.substring(0, i) + fragment + b.substring(i);
                        case 3 -> "[".repeat(depth) + b + "]".repeat(depth);
                        case 4 -> b.substring(0, i) + "\\x" + bad.replaceAll("(..)(?!$)", "$1\\\\x") + b.substring(i);
                        default -> b;
                    };
                });
    }

    /** The body bytes of a case: UTF-8, with each {@code \xNN} written as that byte. */
    static byte[] bytes(String body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < body.length(); ) {
            if (body.startsWith("\\x", i) && i + 4 <= body.length() && HexFormat.isHexDigit(body.charAt(i + 2))
                    && HexFormat.isHexDigit(body.charAt(i + 3))) {
                out.write(HexFormat.fromHexDigits(body, i + 2, i + 4));
                i += 4;
            } else {
                int cp = body.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return out.toByteArray();
    }

    @Property(shrinking = ShrinkingMode.OFF)
    void requestsParseOrAre4xxNamingTheField(@ForAll("cases") String descriptor) {
        if (FuzzHarness.hasBudget(TARGET)) {
            run(descriptor);
        }
    }

    /** The saved corpus ({@code src/test/resources/fuzz-corpus/request-parser/}: finds and hand-made edge cases), every build. */
    @TestFactory
    Stream<DynamicTest> savedCorpus() throws Exception {
        Path dir = Path.of(RequestParserFuzzTest.class.getResource("/fuzz-corpus/" + TARGET).toURI());
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.sorted().toList();
            assertThat(files).as("corpus of " + TARGET).isNotEmpty();
            return files.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), 
                    () -> run(Files.readString(p).replaceFirst("\n$", "")))); // a saved case ends with a line break
        }
    }

    static void run(String descriptor) {
        int nl = descriptor.indexOf('\n');
        boolean chat = descriptor.substring(0, nl).strip().equals("chat");
        byte[] body = bytes(descriptor.substring(nl + 1));
        FuzzHarness.check(TARGET, descriptor, SERVER_CONTRACT, () -> {
            CompletionRequest r = chat ? PARSER.parseChat(body) : PARSER.parseCompletion(body);
            if (r.options().maxTokens() < 1 || r.options().logitBias().keySet().stream().anyMatch(id -> id < 0 || id >= 1000)) {
                throw new AssertionError("parsed options out of range: " + r.options());
            }
        });
    }

    /** The server's contract: the call succeeds, or throws an {@link ApiException} with a 4xx status naming the field. */
    private static final FuzzHarness.Contract SERVER_CONTRACT = new FuzzHarness.Contract() {
        @Override
        public String violation(Throwable t) {
            if (!(t instanceof ApiException api)) {
                return "undocumented " + t.getClass().getName() + ": " + t.getMessage();
            }
            if (api.status() < 400 || api.status() > 499) {
                return "status " + api.status() + " for a bad request: " + api.getMessage();
            }
            if (api.getMessage() == null || api.getMessage().isBlank() || !namesTheField(api)) {
                return "message does not name the field " + api.param() + ": " + api.getMessage();
            }
            return null;
        }

        @Override
        public String label(Throwable t) {
            return "status " + ((ApiException) t).status();
        }
    };

    /** Whether an ApiException's message names what is wrong: its field, or the body for an unreadable one. */
    static boolean namesTheField(ApiException e) {
        String message = e.getMessage().toLowerCase(Locale.ROOT);
        if (message.startsWith("malformed json") || message.contains("request body")) {
            return true; // the body as a whole (a duplicate key is named in the message, and is the param)
        }
        if (e.param() == null) {
            return false;
        }
        String top = e.param().split("[.\\[]", 2)[0];
        return !top.isBlank() && message.contains(top.toLowerCase(Locale.ROOT));
    }
}
