package dev.bitnet.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.openai.client.OpenAIClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code tools} end to end on the demo model, over plain HTTP and the official OpenAI client: every reply under
 * {@code tool_choice: "required"} is exactly one call of a declared tool with arguments valid against its schema
 * (checked by an independent validator), a stream carries the same call as the plain answer, and a conversation
 * that goes on with the call and its result is answered. The demo model's own context (256 tokens) is too small
 * for the tools' system prompt, so the server loads it with 2048.
 */
class ToolCallingTest {
    static final ObjectMapper MAPPER = StructuredOutputTest.MAPPER;
    // enum-typed strings: the demo model would fill a free string until the token limit
    static final String WEATHER_SCHEMA = """
            {"type":"object","properties":{"city":{"type":"string","enum":["Paris","Rome","Oslo"]},
             "unit":{"type":"string","enum":["celsius","fahrenheit"]}},
             "required":["city","unit"],"additionalProperties":false}""";
    static final String TIME_SCHEMA = """
            {"type":"object","properties":{"zone":{"enum":["utc","local"]},"hours":{"type":"integer","minimum":0,"maximum":23}},
             "required":["zone"],"additionalProperties":false}""";
    static final Map<String, String> SCHEMAS = Map.of("get_weather", WEATHER_SCHEMA, "get_time", TIME_SCHEMA);
    static final String TOOLS = """
            "tools":[{"type":"function","function":{"name":"get_weather","description":"The weather in a city now",
             "parameters":%s}},
             {"type":"function","function":{"name":"get_time","description":"The time of day","parameters":%s}}]"""
            .formatted(WEATHER_SCHEMA, TIME_SCHEMA);
    static final String ASK = "{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"}";

    static Path demo;
    static BitNetServer server;
    static OpenAIClient client;

    /** The engine is the class's: {@code threads} for {@link ThreadedEngineToolCallingTest}, else {@code batch}. */
    @BeforeAll
    static void start(TestInfo info) throws Exception {
        String engine = info.getTestClass().orElseThrow() == ThreadedEngineToolCallingTest.class ? "threads" : "batch";
        demo = DemoModel.extract().orElseThrow();
        server = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0).withCapacity(2, 8)
                .withModelId("demo").withEngine(engine),
                () -> BitNetModel.load(demo, LoadOptions.builder().contextLength(2048).build()));
        assertThat(server.awaitReady(Duration.ofMinutes(2))).isTrue();
        assertThat(server.engine().name()).isEqualTo(engine);
        client = OpenAiClientTest.client(server, "unused");
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static String request(long seed, String toolChoice, String extra) {
        return request(seed, toolChoice, 120, extra);
    }

    static String request(long seed, String toolChoice, int maxTokens, String extra) {
        return "{\"messages\":[" + ASK + "]," + TOOLS + ",\"tool_choice\":" + toolChoice + ",\"seed\":" + seed
                + ",\"max_tokens\":" + maxTokens + extra + "}";
    }

    static JsonNode post(String body) throws Exception {
        RawHttp.Reply r = RawHttp.post(server, "/v1/chat/completions", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return MAPPER.readTree(r.body());
    }

    /** Asserts one call of a declared tool with valid arguments; returns the call ({@code id}, {@code function}). */
    static JsonNode assertOneValidCall(JsonNode choice) throws Exception {
        assertThat(choice.path("finish_reason").asText()).as(choice.toString()).isEqualTo("tool_calls");
        JsonNode message = choice.path("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.get("content").isNull()).as(message.toString()).isTrue();
        assertThat(message.path("tool_calls")).hasSize(1);
        JsonNode call = message.path("tool_calls").path(0);
        assertThat(call.path("id").asText()).matches("call_[0-9a-f]{24}");
        assertThat(call.path("type").asText()).isEqualTo("function");
        String name = call.path("function").path("name").asText();
        assertThat(SCHEMAS).containsKey(name);
        String arguments = call.path("function").path("arguments").asText();
        StructuredOutputTest.assertValid(SCHEMAS.get(name), arguments);
        return call;
    }

    @Test
    void requiredGivesExactlyOneValidCallOfADeclaredToolForEverySeed() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            JsonNode c = post(request(seed, "\"required\"", ""));
            assertThat(c.path("choices")).hasSize(1);
            assertOneValidCall(c.path("choices").path(0));
            assertThat(c.path("usage").path("prompt_tokens").asInt()).as("the tools' system prompt costs context")
                    .isGreaterThan(100);
        }
    }

    @Test
    void aNamedFunctionIsTheOneCalled() throws Exception {
        for (long seed = 1; seed <= 2; seed++) {
            JsonNode call = assertOneValidCall(post(request(seed,
                    "{\"type\":\"function\",\"function\":{\"name\":\"get_time\"}}", "")).path("choices").path(0));
            assertThat(call.path("function").path("name").asText()).isEqualTo("get_time");
        }
    }

    @Test
    void autoGivesACallOrAPlainAnswer() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            JsonNode choice = post(request(seed, "\"auto\"", "")).path("choices").path(0);
            if (choice.path("finish_reason").asText().equals("tool_calls")) {
                assertOneValidCall(choice);
            } else {
                // the answer's text, not the JSON wrapper around it
                assertThat(choice.path("finish_reason").asText()).isIn("stop", "length");
                assertThat(choice.path("message").has("tool_calls")).isFalse();
                assertThat(choice.path("message").path("content").isTextual()).isTrue();
                assertThat(choice.path("message").path("content").asText()).doesNotStartWith("{\"answer\"");
            }
        }
    }

    @Test
    void streamingGivesTheSameCallAsNotStreaming() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            JsonNode call = assertOneValidCall(post(request(seed, "\"required\"", "")).path("choices").path(0));
            RawHttp.Reply r = RawHttp.post(server, "/v1/chat/completions", request(seed, "\"required\"",
                    ",\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
            assertThat(r.status()).isEqualTo(200);
            List<String> events = new ArrayList<>();
            for (String line : r.body().split("\n")) {
                if (line.startsWith("data: ")) {
                    events.add(line.substring("data: ".length()));
                }
            }
            assertThat(events).as(r.body()).hasSize(5).last().isEqualTo("[DONE]");
            JsonNode first = MAPPER.readTree(events.get(0)).path("choices").path(0).path("delta");
            assertThat(first.path("role").asText()).isEqualTo("assistant");
            assertThat(first.get("content").isNull()).as("no raw JSON tokens: %s", first).isTrue();
            JsonNode delta = MAPPER.readTree(events.get(1)).path("choices").path(0).path("delta");
            assertThat(delta.has("content")).as(delta.toString()).isFalse();
            assertThat(delta.path("tool_calls")).hasSize(1);
            JsonNode streamed = delta.path("tool_calls").path(0);
            assertThat(streamed.path("index").asInt(-1)).isZero();
            assertThat(streamed.path("id").asText()).startsWith("call_");
            assertThat(streamed.path("type").asText()).isEqualTo("function");
            assertThat(streamed.path("function")).as("seed %d", seed).isEqualTo(call.path("function"));
            JsonNode last = MAPPER.readTree(events.get(2)).path("choices").path(0);
            assertThat(last.path("finish_reason").asText()).isEqualTo("tool_calls");
            assertThat(MAPPER.readTree(events.get(3)).path("usage").path("completion_tokens").asInt()).isPositive();
        }
    }

    @Test
    void aStreamedAnswerUnderAutoIsOneContentChunk() throws Exception {
        // tool_choice none: the reply is free text, streamed token by token as without tools
        RawHttp.Reply free = RawHttp.post(server, "/v1/chat/completions", request(1, "\"none\"", 8,
                ",\"stream\":true"));
        assertThat(free.status()).isEqualTo(200);
        assertThat(free.body()).doesNotContain("tool_calls").contains("\"content\":\"\"");
        for (long seed = 1; seed <= 3; seed++) {
            JsonNode plain = post(request(seed, "\"auto\"", "")).path("choices").path(0);
            if (plain.path("finish_reason").asText().equals("tool_calls")) {
                continue;
            }
            RawHttp.Reply r = RawHttp.post(server, "/v1/chat/completions", request(seed, "\"auto\"", ",\"stream\":true"));
            List<JsonNode> chunks = new ArrayList<>();
            for (String line : r.body().split("\n")) {
                if (line.startsWith("data: {")) {
                    chunks.add(MAPPER.readTree(line.substring("data: ".length())));
                }
            }
            String text = plain.path("message").path("content").asText();
            assertThat(chunks).hasSize(text.isEmpty() ? 2 : 3);
            if (!text.isEmpty()) {
                assertThat(chunks.get(1).path("choices").path(0).path("delta").path("content").asText()).isEqualTo(text);
            }
            assertThat(chunks.getLast().path("choices").path(0).path("finish_reason").asText())
                    .isEqualTo(plain.path("finish_reason").asText());
            return;
        }
    }

    @Test
    void aConversationGoesOnWithTheCallAndItsResult() throws Exception {
        JsonNode call = assertOneValidCall(post(request(2, "\"required\"", "")).path("choices").path(0));
        ObjectNode assistant = MAPPER.createObjectNode().put("role", "assistant").putNull("content");
        ((ArrayNode) assistant.putArray("tool_calls")).add(call);
        ObjectNode result = MAPPER.createObjectNode().put("role", "tool").put("tool_call_id", call.path("id").asText())
                .put("content", "{\"temperature\": 21, \"sky\": \"clear\"}");
        String history = "{\"messages\":[" + ASK + "," + assistant + "," + result + "]," + TOOLS;
        JsonNode answered = post(history + ",\"seed\":3,\"max_tokens\":40}").path("choices").path(0);
        assertThat(answered.path("finish_reason").asText()).isIn("stop", "length", "tool_calls");
        if (!answered.path("finish_reason").asText().equals("tool_calls")) {
            assertThat(answered.path("message").path("content").isTextual()).isTrue();
        }
        JsonNode free = post(history + ",\"tool_choice\":\"none\",\"seed\":3,\"max_tokens\":16}").path("choices").path(0);
        assertThat(free.path("finish_reason").asText()).isIn("stop", "length");
        assertThat(free.path("message").path("content").isTextual()).isTrue();
        assertThat(free.path("message").has("tool_calls")).isFalse();
    }

    enum City { PARIS, ROME, OSLO }

    /** The OpenAI client derives the tool (name {@code GetWeather}) and its strict schema from this record. */
    record GetWeather(City city) {
    }

    @Test
    void theOpenAiClientGetsToolCallsAndGoesOn() {
        ChatCompletionCreateParams.Builder params = ChatCompletionCreateParams.builder().model("demo")
                .addUserMessage("What is the weather in Oslo?").addTool(GetWeather.class)
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).seed(4L).maxCompletionTokens(60);
        ChatCompletion c = client.chat().completions().create(params.build());
        ChatCompletion.Choice choice = c.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        List<ChatCompletionMessageToolCall> calls = choice.message().toolCalls().orElseThrow();
        assertThat(calls).hasSize(1);
        ChatCompletionMessageFunctionToolCall call = calls.getFirst().asFunction();
        assertThat(call.function().name()).isEqualTo("GetWeather");
        assertThat(call.function().arguments(GetWeather.class).city()).isNotNull();
        assertThat(choice.message().content()).isEmpty();

        ChatCompletion next = client.chat().completions().create(params.addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("sunny, 18 C").build())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.NONE).maxCompletionTokens(12).build());
        assertThat(next.choices().getFirst().message().content()).isPresent();
        assertThat(next.choices().getFirst().message().toolCalls().orElse(List.of())).isEmpty();
    }
}
