package dev.bitnet.server;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ResponseFormat;
import dev.bitnet.structured.ToolCallFormat;
import dev.bitnet.structured.ToolReply;
import org.jetbrains.annotations.Nullable;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Maps the JSON body of a chat or text completion request onto a {@link CompletionRequest} and its
 * {@link GenerationOptions}, field by field, in one place. Every field it knows is checked for type and
 * range and answered with a 400 naming the field; fields that ask for something this server cannot do
 * ({@code n > 1}, images, log-probabilities, legacy {@code functions}, a {@code response_format} or tool
 * parameter schema the core cannot enforce) are refused rather than ignored. {@code response_format} is mapped
 * by {@link ResponseFormatField}, {@code tools} and {@code tool_choice} by {@link ToolsField}; earlier tool calls
 * ({@code tool_calls} of assistant messages) and tool results ({@code tool} messages) become conversation text
 * in the format of {@link ToolCallFormat}. Fields that change nothing about the output ({@code user},
 * {@code store}, {@code metadata} ...) and unknown fields are accepted, as OpenAI clients send many.
 *
 * <p>Values absent from the request keep {@link GenerationOptions#defaults()} (llama.cpp's sampling defaults).
 */
public final class RequestParser {
    /** The most stop strings a request may give. */
    public static final int MAX_STOP_STRINGS = 16;
    /** The most logit_bias entries a request may give. */
    public static final int MAX_LOGIT_BIAS = 1024;

    private final int vocabSize;
    private final int contextLength;

    /**
     * @param vocabSize     the model's vocabulary size (token ids are checked against it)
     * @param contextLength the model's context length (the token limit when the request sets none)
     */
    public RequestParser(int vocabSize, int contextLength) {
        if (vocabSize < 1 || contextLength < 1) {
            throw new IllegalArgumentException("vocabSize and contextLength must be positive, got "
                    + vocabSize + ", " + contextLength);
        }
        this.vocabSize = vocabSize;
        this.contextLength = contextLength;
    }

    /** Parses a {@code /v1/chat/completions} body. @throws ApiException 400 naming the field at fault */
    public CompletionRequest parseChat(byte[] body) {
        Map<String, Object> root = object(JsonTree.parse(body));
        refuseNonEmpty(root, "functions", "functions (legacy function calling) are not supported by this server; "
                + "use tools");
        if (present(root.get("function_call"))) {
            throw ApiException.unsupported("function_call", "function_call (legacy function calling) is not supported "
                    + "by this server; use tool_choice");
        }
        ToolCallFormat tools = ToolsField.parse(root);
        Object logprobs = root.get("logprobs");
        if (present(logprobs) && !Boolean.FALSE.equals(logprobs)) {
            throw ApiException.unsupported("logprobs", "logprobs are not supported by this server");
        }
        if (present(root.get("top_logprobs"))) {
            throw ApiException.unsupported("top_logprobs", "top_logprobs are not supported by this server");
        }
        if (present(root.get("audio")) || isNonTextModalities(root.get("modalities"))) {
            String field = present(root.get("audio")) ? "audio" : "modalities";
            throw ApiException.unsupported(field, field + ": output other than text is not supported by this server");
        }
        List<ChatMessage> messages = messages(root.get("messages"));
        Options o = options(root);
        GenerationOptions options = o.options;
        if (tools != null) {
            if (options.responseFormat().kind() != ResponseFormat.Kind.TEXT) {
                throw ApiException.invalid(ResponseFormatField.FIELD, ResponseFormatField.FIELD + " " + options
                        .responseFormat().kind().name().toLowerCase(Locale.ROOT) + " together with tools is "
                        + "not supported: with tools the reply is already constrained to a tool call or an answer "
                        + "(set tool_choice to none for a JSON reply)");
            }
            messages = tools.withInstructions(messages);
            options = options.toBuilder().responseFormat(tools.responseFormat()).build();
        }
        return new CompletionRequest(CompletionRequest.Kind.CHAT, messages, null, null, options, o.maxTokensGiven,
                o.stream, o.includeUsage, o.model, tools);
    }

    /** Parses a {@code /v1/completions} body. @throws ApiException 400 naming the field at fault */
    public CompletionRequest parseCompletion(byte[] body) {
        Map<String, Object> root = object(JsonTree.parse(body));
        if (Boolean.TRUE.equals(root.get("echo"))) {
            throw ApiException.unsupported("echo", "echo is not supported by this server");
        } else if (present(root.get("echo")) && !(root.get("echo") instanceof Boolean)) {
            throw wrongType("echo", "a boolean", root.get("echo"));
        }
        Object bestOf = root.get("best_of");
        if (present(bestOf) && !(bestOf instanceof Long l && l == 1)) {
            throw ApiException.unsupported("best_of", "best_of other than 1 is not supported by this server");
        }
        if (present(root.get("suffix"))) {
            throw ApiException.unsupported("suffix", "suffix (insertion) is not supported by this server");
        }
        if (present(root.get("logprobs"))) {
            throw ApiException.unsupported("logprobs", "logprobs are not supported by this server");
        }
        Object prompt = root.get("prompt");
        String text = null;
        int[] ids = null;
        if (!present(prompt)) {
            throw ApiException.invalid("prompt", "prompt is required");
        } else if (prompt instanceof String s) {
            text = s;
        } else if (prompt instanceof List<?> list) {
            if (list.isEmpty()) {
                throw ApiException.invalid("prompt", "prompt must not be an empty array");
            }
            if (list.get(0) instanceof String || list.get(0) instanceof List) {
                if (list.size() > 1) {
                    throw ApiException.unsupported("prompt", "several prompts in one request are not supported "
                            + "by this server; send one request per prompt");
                }
                if (list.get(0) instanceof String s) {
                    text = s;
                } else {
                    ids = tokenIds("prompt[0]", list.get(0));
                }
            } else {
                ids = tokenIds("prompt", prompt);
            }
        } else {
            throw wrongType("prompt", "a string, an array of strings or an array of token ids", prompt);
        }
        Options o = options(root);
        return new CompletionRequest(CompletionRequest.Kind.TEXT, List.of(), text, ids, o.options, o.maxTokensGiven,
                o.stream, o.includeUsage, o.model);
    }

    private record Options(GenerationOptions options, boolean maxTokensGiven, boolean stream, boolean includeUsage,
                           @Nullable String model) {
    }

    /** The fields both endpoints share: sampling, limits, stop, streaming. */
    private Options options(Map<String, Object> root) {
        GenerationOptions.Builder b = GenerationOptions.builder();
        String model = optString(root, "model");
        Integer maxTokens = optInt(root, "max_tokens", 1, Integer.MAX_VALUE);
        Integer maxCompletion = optInt(root, "max_completion_tokens", 1, Integer.MAX_VALUE);
        if (maxTokens != null && maxCompletion != null && !maxTokens.equals(maxCompletion)) {
            throw ApiException.invalid("max_tokens", "max_tokens (" + maxTokens + ") and max_completion_tokens ("
                    + maxCompletion + ") disagree; give one of them");
        }
        Integer limit = maxCompletion != null ? maxCompletion : maxTokens;
        b.maxTokens(limit != null ? limit : contextLength);

        Double temperature = optNumber(root, "temperature", 0, 2);
        if (temperature != null) {
            b.temperature(temperature);
        }
        Double topP = optNumber(root, "top_p", 0, 1);
        if (topP != null) {
            if (topP == 0) {
                throw ApiException.invalid("top_p", "top_p must be greater than 0 and at most 1, got 0");
            }
            b.topP(topP);
        }
        Integer topK = optInt(root, "top_k", 0, Integer.MAX_VALUE);
        if (topK != null) {
            b.topK(topK);
        }
        Double minP = optNumber(root, "min_p", 0, 1);
        if (minP != null) {
            b.minP(minP);
        }
        Double repeat = optNumber(root, "repeat_penalty", 0, 10);
        if (repeat != null) {
            if (repeat == 0) {
                throw ApiException.invalid("repeat_penalty", "repeat_penalty must be greater than 0, got 0");
            }
            b.repeatPenalty(repeat);
        }
        Double presence = optNumber(root, "presence_penalty", -2, 2);
        if (presence != null) {
            b.presencePenalty(presence);
        }
        Double frequency = optNumber(root, "frequency_penalty", -2, 2);
        if (frequency != null) {
            b.frequencyPenalty(frequency);
        }
        Object seed = root.get("seed");
        if (present(seed)) {
            if (!(seed instanceof Long s)) {
                throw seed instanceof BigInteger
                        ? ApiException.invalid("seed", "seed must fit in a signed 64-bit integer, got " + seed)
                        : wrongType("seed", "an integer", seed);
            }
            b.seed(s);
        }
        b.logitBias(logitBias(root.get("logit_bias")));
        b.stopStrings(stops(root.get("stop")));
        b.responseFormat(ResponseFormatField.parse(root.get(ResponseFormatField.FIELD)));

        Object n = root.get("n");
        if (present(n)) {
            if (!(n instanceof Long count)) {
                throw wrongType("n", "an integer", n);
            }
            if (count != 1) {
                throw ApiException.unsupported("n", "n other than 1 is not supported by this server (got " + count
                        + "); send one request per choice");
            }
        }
        boolean stream = optBoolean(root, "stream", false);
        boolean includeUsage = false;
        Object streamOptions = root.get("stream_options");
        if (present(streamOptions)) {
            if (!stream) {
                throw ApiException.invalid("stream_options", "stream_options is only allowed when stream is true");
            }
            if (!(streamOptions instanceof Map<?, ?> so)) {
                throw wrongType("stream_options", "an object", streamOptions);
            }
            Object usage = so.get("include_usage");
            if (present(usage)) {
                if (!(usage instanceof Boolean u)) {
                    throw wrongType("stream_options.include_usage", "a boolean", usage);
                }
                includeUsage = u;
            }
        }
        return new Options(b.build(), limit != null, stream, includeUsage, model);
    }

    private static boolean isNonTextModalities(@Nullable Object modalities) {
        if (!present(modalities)) {
            return false;
        }
        if (!(modalities instanceof List<?> list)) {
            throw wrongType("modalities", "an array of strings", modalities);
        }
        return list.stream().anyMatch(m -> !"text".equals(m));
    }

    private static void refuseNonEmpty(Map<String, Object> root, String field, String message) {
        Object v = root.get(field);
        if (present(v) && !(v instanceof List<?> l && l.isEmpty())) {
            throw ApiException.unsupported(field, message);
        }
    }

    private static List<ChatMessage> messages(@Nullable Object value) {
        if (!present(value)) {
            throw ApiException.invalid("messages", "messages is required");
        }
        if (!(value instanceof List<?> list)) {
            throw wrongType("messages", "an array of messages", value);
        }
        if (list.isEmpty()) {
            throw ApiException.invalid("messages", "messages must contain at least one message");
        }
        List<ChatMessage> out = new ArrayList<>(list.size());
        Map<String, String> toolNames = new HashMap<>(); // tool_call id -> function name, for the results that follow
        for (int i = 0; i < list.size(); i++) {
            String where = "messages[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) {
                throw wrongType(where, "an object", list.get(i));
            }
            Object role = m.get("role");
            if (!(role instanceof String r)) {
                throw present(role) ? wrongType(where + ".role", "a string", role)
                        : ApiException.invalid(where + ".role", where + ".role is required");
            }
            out.add(switch (r) {
                case "system", "developer" -> ChatMessage.system(content(where + ".content", m.get("content")));
                case "user" -> ChatMessage.user(content(where + ".content", m.get("content")));
                case "assistant" -> ChatMessage.assistant(assistant(where, m, toolNames));
                case "tool" -> ChatMessage.user(toolResult(where, m, toolNames));
                case "function" -> throw ApiException.unsupported(where + ".role", where + ".role: messages with role "
                        + "'function' (legacy function calling) are not supported by this server; use role tool");
                default -> throw ApiException.invalid(where + ".role", where + ".role must be one of system, "
                        + "developer, user, assistant, tool; got '" + r + "'");
            });
        }
        return out;
    }

    /**
     * An assistant turn's text: its content, then each of its {@code tool_calls} on a line of its own as the JSON
     * the model is asked to write ({@link ToolCallFormat#renderCall}). The content may be null or absent when the
     * turn has calls.
     */
    private static String assistant(String where, Map<?, ?> m, Map<String, String> toolNames) {
        Object calls = m.get("tool_calls");
        if (!present(calls) || calls instanceof List<?> l && l.isEmpty()) {
            return content(where + ".content", m.get("content"));
        }
        if (!(calls instanceof List<?> list)) {
            throw wrongType(where + ".tool_calls", "an array of tool calls", calls);
        }
        String text = present(m.get("content")) ? content(where + ".content", m.get("content")) : null;
        List<ToolReply.Call> rendered = new ArrayList<>(list.size());
        for (int j = 0; j < list.size(); j++) {
            String call = where + ".tool_calls[" + j + "]";
            if (!(list.get(j) instanceof Map<?, ?> c)) {
                throw wrongType(call, "an object", list.get(j));
            }
            Object type = c.get("type");
            if (present(type) && !"function".equals(type)) {
                throw ApiException.unsupported(call + ".type", call + ".type " + (type instanceof String t ? "'" + t + "'"
                        : JsonTree.typeName(type)) + " is not supported by this server; only function calls");
            }
            String id = requiredString(call + ".id", c.get("id"));
            if (!(c.get("function") instanceof Map<?, ?> f)) {
                throw present(c.get("function")) ? wrongType(call + ".function", "an object", c.get("function"))
                        : ApiException.invalid(call + ".function", call + ".function is required");
            }
            String name = requiredString(call + ".function.name", f.get("name"));
            Object arguments = f.get("arguments");
            if (present(arguments) && !(arguments instanceof String)) {
                throw wrongType(call + ".function.arguments", "a string (JSON text)", arguments);
            }
            toolNames.put(id, name);
            rendered.add(new ToolReply.Call(name, arguments instanceof String a ? a : ""));
        }
        return ToolCallFormat.renderTurn(text, rendered);
    }

    /** A {@code tool} message as the user turn that carries a tool's result ({@link ToolCallFormat#renderResult}). */
    private static String toolResult(String where, Map<?, ?> m, Map<String, String> toolNames) {
        String id = requiredString(where + ".tool_call_id", m.get("tool_call_id"));
        String content = content(where + ".content", m.get("content"));
        return ToolCallFormat.renderResult(toolNames.get(id), content, false);
    }

    private static String requiredString(String where, @Nullable Object value) {
        if (value instanceof String s) {
            return s;
        }
        throw present(value) ? wrongType(where, "a string", value) : ApiException.invalid(where, where + " is required");
    }

    /** Message content: a string, or an array of text parts (joined); image, audio and file parts are refused. */
    private static String content(String where, @Nullable Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (!present(value)) {
            throw ApiException.invalid(where, where + " is required");
        }
        if (!(value instanceof List<?> parts)) {
            throw wrongType(where, "a string or an array of content parts", value);
        }
        StringBuilder text = new StringBuilder();
        for (int j = 0; j < parts.size(); j++) {
            String part = where + "[" + j + "]";
            if (!(parts.get(j) instanceof Map<?, ?> p)) {
                throw wrongType(part, "an object", parts.get(j));
            }
            Object type = p.get("type");
            if (!"text".equals(type)) {
                throw ApiException.unsupported(part + ".type", part + ": content parts of type " + type
                        + " are not supported by this server; only text");
            }
            if (!(p.get("text") instanceof String t)) {
                throw wrongType(part + ".text", "a string", p.get("text"));
            }
            text.append(t);
        }
        return text.toString();
    }

    private int[] tokenIds(String field, Object value) {
        if (!(value instanceof List<?> list)) {
            throw wrongType(field, "an array of token ids", value);
        }
        if (list.isEmpty()) {
            throw ApiException.invalid(field, field + " must contain at least one token id");
        }
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            Object v = list.get(i);
            if (!(v instanceof Long l) || l < 0 || l >= vocabSize) {
                throw ApiException.invalid(field, field + "[" + i + "] must be a token id from 0 to "
                        + (vocabSize - 1) + ", got " + v);
            }
            ids[i] = (int) (long) l;
        }
        return ids;
    }

    private Map<Integer, Float> logitBias(@Nullable Object value) {
        if (!present(value)) {
            return Map.of();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw wrongType("logit_bias", "an object mapping token ids to numbers", value);
        }
        if (map.size() > MAX_LOGIT_BIAS) {
            throw ApiException.invalid("logit_bias", "logit_bias has " + map.size() + " entries; at most "
                    + MAX_LOGIT_BIAS);
        }
        Map<Integer, Float> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = (String) e.getKey();
            int id;
            try {
                id = Integer.parseInt(key.trim());
            } catch (NumberFormatException ex) {
                throw ApiException.invalid("logit_bias", "logit_bias keys must be token ids, got '" + key + "'");
            }
            if (id < 0 || id >= vocabSize) {
                throw ApiException.invalid("logit_bias", "logit_bias token id " + id + " is outside the vocabulary "
                        + "(ids 0.." + (vocabSize - 1) + ")");
            }
            Double bias = number("logit_bias." + key, e.getValue());
            if (bias < -100 || bias > 100) {
                throw ApiException.invalid("logit_bias", "logit_bias values must be from -100 to 100, got " + bias
                        + " for token " + id);
            }
            out.put(id, bias.floatValue());
        }
        return out;
    }

    private static List<String> stops(@Nullable Object value) {
        if (!present(value)) {
            return List.of();
        }
        List<?> list = value instanceof String s ? List.of(s) : value instanceof List<?> l ? l : null;
        if (list == null) {
            throw wrongType("stop", "a string or an array of strings", value);
        }
        if (list.size() > MAX_STOP_STRINGS) {
            throw ApiException.invalid("stop", "stop has " + list.size() + " strings; at most " + MAX_STOP_STRINGS);
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw wrongType("stop", "a string or an array of strings", value);
            }
            if (s.isEmpty()) {
                throw ApiException.invalid("stop", "stop strings must not be empty");
            }
            // JSON may escape a lone surrogate (\\ud800); the library refuses such a stop string, so answer 400 here
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                boolean paired = Character.isHighSurrogate(c) ? i + 1 < s.length() && Character.isLowSurrogate(s.charAt(++i))
                        : !Character.isLowSurrogate(c);
                if (!paired) {
                    throw ApiException.invalid("stop", "stop string " + out.size() + " has an unpaired surrogate (\\u"
                            + Integer.toHexString(c) + "); stop strings must be well-formed Unicode");
                }
            }
            out.add(s);
        }
        return out;
    }

    // ---- typed field access ------------------------------------------------------------------------

    private static Map<String, Object> object(Object root) {
        if (!(root instanceof Map<?, ?> map)) {
            throw ApiException.invalid(null, "the request body must be a JSON object, got " + JsonTree.typeName(root));
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) map;
        return typed;
    }

    static boolean present(@Nullable Object v) {
        return v != null && v != JsonTree.NULL;
    }

    private static @Nullable String optString(Map<String, Object> root, String field) {
        Object v = root.get(field);
        if (!present(v)) {
            return null;
        }
        if (!(v instanceof String s)) {
            throw wrongType(field, "a string", v);
        }
        return s;
    }

    private static boolean optBoolean(Map<String, Object> root, String field, boolean fallback) {
        Object v = root.get(field);
        if (!present(v)) {
            return fallback;
        }
        if (!(v instanceof Boolean b)) {
            throw wrongType(field, "a boolean", v);
        }
        return b;
    }

    private static @Nullable Integer optInt(Map<String, Object> root, String field, int min, int max) {
        Object v = root.get(field);
        if (!present(v)) {
            return null;
        }
        if (!(v instanceof Long) && !(v instanceof BigInteger)) {
            throw wrongType(field, "an integer", v);
        }
        if (v instanceof BigInteger || (Long) v < min || (Long) v > max) {
            throw ApiException.invalid(field, field + " must be an integer from " + min
                    + (max == Integer.MAX_VALUE ? " up" : " to " + max) + ", got " + v);
        }
        return (int) (long) (Long) v;
    }

    private static @Nullable Double optNumber(Map<String, Object> root, String field, double min, double max) {
        Object v = root.get(field);
        if (!present(v)) {
            return null;
        }
        double d = number(field, v);
        if (d < min || d > max) {
            throw ApiException.invalid(field, field + " must be a number from " + fmt(min) + " to " + fmt(max)
                    + ", got " + v);
        }
        return d;
    }

    private static double number(String field, @Nullable Object v) {
        if (v instanceof Long l) {
            return l;
        }
        if (v instanceof BigInteger bi) {
            return bi.doubleValue();
        }
        if (v instanceof BigDecimal bd) {
            return bd.doubleValue();
        }
        throw wrongType(field, "a number", v);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static ApiException wrongType(String field, String expected, @Nullable Object got) {
        return ApiException.invalid(field, field + " must be " + expected + ", got " + JsonTree.typeName(got));
    }
}
