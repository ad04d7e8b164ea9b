package dev.bitnet.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletion;
import dev.bitnet.BitNetModel;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code response_format} end to end on the demo model: the official OpenAI client and plain HTTP, streamed and
 * not; every answer that finishes with {@code stop} parses and validates against its schema with an independent
 * validator (networknt), and {@code length} means a truncated value.
 */
class StructuredOutputTest {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    static final String PERSON = """
            {"type":"object","properties":{
              "name":{"type":"string","minLength":1,"maxLength":12},
              "age":{"type":"integer","minimum":0,"maximum":120},
              "pet":{"enum":["cat","dog","none"]},
              "tags":{"type":"array","items":{"type":"string","maxLength":8},"maxItems":3}},
             "required":["name","age","pet"],"additionalProperties":false}""";

    static BitNetServer server;
    static OpenAIClient client;

    enum Mood { HAPPY, SAD, CALM }

    /** The OpenAI client derives a strict schema from this record. */
    record Verdict(Mood mood, boolean sure, int score) {
    }

    @BeforeAll
    static void start() throws Exception {
        var demo = DemoModel.extract().orElseThrow();
        server = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0).withCapacity(2, 8)
                .withModelId("demo"), () -> BitNetModel.load(demo));
        assertThat(server.awaitReady(Duration.ofMinutes(2))).isTrue();
        client = OpenAiClientTest.client(server, "unused");
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    static ChatCompletionCreateParams.Builder chat(long seed, int maxTokens) {
        return ChatCompletionCreateParams.builder().model("demo").addUserMessage("Describe a person as JSON.")
                .seed(seed).maxCompletionTokens(maxTokens);
    }

    static ResponseFormatJsonSchema schemaFormat(String schema) throws Exception {
        Map<String, Object> tree = MAPPER.readValue(schema, Map.class);
        ResponseFormatJsonSchema.JsonSchema.Schema.Builder s = ResponseFormatJsonSchema.JsonSchema.Schema.builder();
        tree.forEach((k, v) -> s.putAdditionalProperty(k, JsonValue.from(v)));
        return ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("person").strict(true).schema(s.build()).build()).build();
    }

    static void assertValid(String schema, String text) throws Exception {
        JsonNode node = MAPPER.readTree(text);
        assertThat(node).as("parses: %s", text).isNotNull();
        Schema s = REGISTRY.getSchema(schema, InputFormat.JSON);
        assertThat(s.validate(node)).as("valid: %s", text).isEmpty();
    }

    @Test
    void jsonSchemaAnswersValidateStreamedAndNot() throws Exception {
        for (long seed = 1; seed <= 4; seed++) {
            ChatCompletion c = client.chat().completions().create(chat(seed, 300)
                    .responseFormat(schemaFormat(PERSON)).build());
            assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            String text = c.choices().getFirst().message().content().orElseThrow();
            assertValid(PERSON, text);

            StringBuilder streamed = new StringBuilder();
            String finish = null;
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat(seed, 300)
                    .responseFormat(schemaFormat(PERSON)).build())) {
                for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) s.stream()::iterator) {
                    for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                        choice.delta().content().ifPresent(streamed::append);
                        if (choice.finishReason().isPresent()) {
                            finish = choice.finishReason().get().asString();
                        }
                    }
                }
            }
            assertThat(finish).isEqualTo("stop");
            assertThat(streamed.toString()).as("seed %d streamed like not streamed", seed).isEqualTo(text);
        }
    }

    @Test
    void theClientsStructuredOutputApiGetsItsRecord() {
        StructuredChatCompletion<Verdict> c = client.chat().completions().create(
                ChatCompletionCreateParams.builder().model("demo").addUserMessage("How do you feel?").seed(3L)
                        .maxCompletionTokens(100).responseFormat(Verdict.class).build());
        Verdict v = c.choices().getFirst().message().content().orElseThrow();
        assertThat(v.mood()).isNotNull();
    }

    @Test
    void jsonObjectOnBothEndpoints() throws Exception {
        ChatCompletion c = client.chat().completions().create(chat(5, 200)
                .responseFormat(ResponseFormatJsonObject.builder().build()).build());
        // any object: the demo model may fill a key or a string until the limit, and then the value is cut off
        String object = c.choices().getFirst().message().content().orElseThrow();
        if (c.choices().getFirst().finishReason() == ChatCompletion.Choice.FinishReason.STOP) {
            assertThat(MAPPER.readTree(object).isObject()).as(object).isTrue();
        } else {
            assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
            assertThat(object).startsWith("{");
            assertThatThrownBy(() -> MAPPER.readTree(object)).as(object).isInstanceOf(Exception.class);
        }
        RawHttp.Reply r = RawHttp.post(server, "/v1/completions", """
                {"prompt":"A JSON object:","max_tokens":300,"seed":2,
                 "response_format":{"type":"json_schema","json_schema":{"name":"p","schema":%s}}}""".formatted(PERSON));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode choice = MAPPER.readTree(r.body()).path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        assertValid(PERSON, choice.path("text").asText());
    }

    @Test
    void lengthMeansATruncatedValue() throws Exception {
        String schema = """
                {"type":"object","properties":{"story":{"type":"string","minLength":40}},"required":["story"]}""";
        RawHttp.Reply r = RawHttp.post(server, "/v1/chat/completions", """
                {"messages":[{"role":"user","content":"Tell a story"}],"max_tokens":5,"seed":1,
                 "response_format":{"type":"json_schema","json_schema":{"name":"s","schema":%s}}}""".formatted(schema));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode choice = MAPPER.readTree(r.body()).path("choices").path(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("length");
        String text = choice.path("message").path("content").asText();
        assertThat(text).startsWith("{");
        assertThatThrownBy(() -> MAPPER.readTree(text)).as("a truncated value does not parse: %s", text)
                .isInstanceOf(Exception.class);
    }

    @Test
    void anUnsupportedKeywordIs400NamingFieldAndKeyword() throws Exception {
        assertThatThrownBy(() -> client.chat().completions().create(chat(1, 10).responseFormat(schemaFormat("""
                {"type":"object","properties":{"code":{"type":"string","pattern":"^[A-Z]+$"}}}""")).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("response_format");
                    assertThat(e.getMessage()).contains("pattern");
                });
        RawHttp.Reply r = RawHttp.post(server, "/v1/completions", """
                {"prompt":"x","response_format":{"type":"json_schema","json_schema":{"name":"f",
                 "schema":{"type":"string","format":"email"}}}}""");
        assertThat(r.status()).isEqualTo(400);
        JsonNode error = MAPPER.readTree(r.body()).path("error");
        assertThat(error.path("param").asText()).isEqualTo("response_format");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("message").asText()).contains("'format'");
    }
}
