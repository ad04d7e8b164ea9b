package dev.bitnet.langchain4j;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.AudioContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonAnyOfSchema;
import dev.langchain4j.model.chat.request.json.JsonArraySchema;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNullSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonReferenceSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonStringSchema;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mapping of each request field onto bitnet-java, one field at a time. */
class RequestMappingTest {
    private static final String NAME = "model.gguf";
    private static final GenerationOptions DEFAULTS = GenerationOptions.defaults();

    private static GenerationOptions map(ChatRequestParameters p) {
        return RequestMapping.options(p, NAME);
    }

    private static BitNetChatRequestParameters.Builder p() {
        return BitNetChatRequestParameters.builder();
    }

    @Test
    void nothingSetKeepsTheLibraryDefaults() {
        assertThat(map(DefaultChatRequestParameters.EMPTY)).isEqualTo(DEFAULTS);
        assertThat(map(BitNetChatRequestParameters.EMPTY)).isEqualTo(DEFAULTS);
    }

    @Test
    void eachCommonFieldMapsToItsOption() {
        assertThat(map(p().temperature(0.3).build())).isEqualTo(DEFAULTS.toBuilder().temperature(0.3).build());
        assertThat(map(p().topP(0.7).build())).isEqualTo(DEFAULTS.toBuilder().topP(0.7).build());
        assertThat(map(p().topK(5).build())).isEqualTo(DEFAULTS.toBuilder().topK(5).build());
        assertThat(map(p().maxOutputTokens(17).build())).isEqualTo(DEFAULTS.toBuilder().maxTokens(17).build());
        assertThat(map(p().stopSequences("END", "\n\n").build()))
                .isEqualTo(DEFAULTS.toBuilder().stopStrings("END", "\n\n").build());
        assertThat(map(p().frequencyPenalty(0.5).build())).isEqualTo(DEFAULTS.toBuilder().frequencyPenalty(0.5).build());
        assertThat(map(p().presencePenalty(-0.25).build())).isEqualTo(DEFAULTS.toBuilder().presencePenalty(-0.25).build());
    }

    @Test
    void commonFieldsMapFromPlainLangChain4jParametersToo() {
        ChatRequestParameters plain = ChatRequestParameters.builder().temperature(0.1).topK(3).maxOutputTokens(9).build();
        assertThat(map(plain)).isEqualTo(DEFAULTS.toBuilder().temperature(0.1).topK(3).maxTokens(9).build());
    }

    @Test
    void eachBitNetFieldMapsToItsOption() {
        assertThat(map(p().seed(99L).build())).isEqualTo(DEFAULTS.toBuilder().seed(99).build());
        assertThat(map(p().minP(0.2).build())).isEqualTo(DEFAULTS.toBuilder().minP(0.2).build());
        assertThat(map(p().repeatPenalty(1.3).build())).isEqualTo(DEFAULTS.toBuilder().repeatPenalty(1.3).build());
        assertThat(map(p().logitBias(Map.of(7, -2.5, 8, Double.NEGATIVE_INFINITY)).build()))
                .isEqualTo(DEFAULTS.toBuilder().logitBias(7, -2.5).logitBias(8, Double.NEGATIVE_INFINITY).build());
    }

    @Test
    void valuesOutOfRangeAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> map(p().temperature(-1.0).build())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> map(p().topP(1.5).build())).hasMessageContaining("topP");
        assertThatThrownBy(() -> map(p().maxOutputTokens(0).build())).hasMessageContaining("maxTokens");
        assertThatThrownBy(() -> map(p().minP(2.0).build())).hasMessageContaining("minP");
        assertThatThrownBy(() -> map(p().logitBias(Map.of(-1, 1.0)).build())).hasMessageContaining("logitBias");
        assertThatThrownBy(() -> p().logitBias(new java.util.HashMap<>(java.util.Collections.singletonMap(1, null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("logitBias");
    }

    @Test
    void theLoadedModelsNameIsAcceptedAndNoOther() {
        assertThat(map(p().modelName(NAME).build())).isEqualTo(DEFAULTS);
        assertThatThrownBy(() -> map(p().modelName("gpt-4o").build())).isExactlyInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("modelName").hasMessageContaining("not support").hasMessageContaining(NAME);
    }

    @Test
    void toolsAreRefused() {
        ToolSpecification tool = ToolSpecification.builder().name("weather").build();
        assertThatThrownBy(() -> map(p().toolSpecifications(tool).build())).isExactlyInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("tools");
        assertThatThrownBy(() -> map(p().toolChoice(ToolChoice.REQUIRED).build())).hasMessageContaining("ToolChoice.REQUIRED");
        assertThat(map(p().responseFormat(ResponseFormat.TEXT).toolChoice(ToolChoice.AUTO).build())).isEqualTo(DEFAULTS);
    }

    @Test
    void jsonFormatsConstrainGeneration() {
        assertThat(map(p().responseFormat(ResponseFormat.JSON).build()).responseFormat())
                .isEqualTo(dev.bitnet.structured.ResponseFormat.jsonObject());
        JsonObjectSchema person = JsonObjectSchema.builder()
                .addStringProperty("name", "the full name")
                .addIntegerProperty("age")
                .addProperty("kind", JsonEnumSchema.builder().enumValues("cat", "dog").build())
                .addProperty("tags", JsonArraySchema.builder().items(new JsonStringSchema()).build())
                .addProperty("score", new JsonNumberSchema())
                .addProperty("ok", new JsonBooleanSchema())
                .addProperty("nothing", new JsonNullSchema())
                .addProperty("either", JsonAnyOfSchema.builder().anyOf(new JsonIntegerSchema(), new JsonStringSchema()).build())
                .addProperty("next", JsonReferenceSchema.builder().reference("node").build())
                .required("name", "age").additionalProperties(false)
                .definitions(Map.of("node", JsonObjectSchema.builder()
                        .addProperty("child", JsonReferenceSchema.builder().reference("node").build()).build()))
                .build();
        ResponseFormat format = ResponseFormat.builder().type(ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("Person").rootElement(person).build()).build();
        dev.bitnet.structured.ResponseFormat mapped = map(p().responseFormat(format).build()).responseFormat();
        assertThat(mapped.kind()).isEqualTo(dev.bitnet.structured.ResponseFormat.Kind.JSON_SCHEMA);
        assertThat(mapped.schema().orElseThrow()).isEqualTo("{\"type\":\"object\",\"properties\":{"
                + "\"name\":{\"type\":\"string\",\"description\":\"the full name\"},\"age\":{\"type\":\"integer\"},"
                + "\"kind\":{\"enum\":[\"cat\",\"dog\"]},\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
                + "\"score\":{\"type\":\"number\"},\"ok\":{\"type\":\"boolean\"},\"nothing\":{\"type\":\"null\"},"
                + "\"either\":{\"anyOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
                + "\"next\":{\"$ref\":\"#/$defs/node\"}},\"required\":[\"name\",\"age\"],\"additionalProperties\":false,"
                + "\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"child\":{\"$ref\":\"#/$defs/node\"}}}}}");

        ResponseFormat raw = ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(JsonSchema.builder()
                .name("Answer").rootElement(JsonRawSchema.from("{\"type\":\"object\",\"properties\":{\"city\":"
                        + "{\"type\":\"string\"}},\"required\":[\"city\"]}")).build()).build();
        assertThat(map(p().responseFormat(raw).build()).responseFormat().schema().orElseThrow()).contains("\"city\"");
    }

    @Test
    void aSchemaTheCoreCannotEnforceIsRefusedNamingTheKeyword() {
        ResponseFormat format = ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(JsonSchema.builder()
                .name("Code").rootElement(JsonRawSchema.from("{\"type\":\"string\",\"format\":\"email\"}")).build())
                .build();
        assertThatThrownBy(() -> map(p().responseFormat(format).build()))
                .isExactlyInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("'format'")
                .hasMessageContaining("Code");
    }

    @Test
    void overrideWithAndDefaultedByKeepTheBitNetFields() {
        BitNetChatRequestParameters defaults = p().seed(1L).minP(0.1).temperature(0.5).build();
        ChatRequestParameters request = ChatRequestParameters.builder().temperature(0.9).build();
        ChatRequestParameters merged = defaults.overrideWith(request);
        assertThat(merged).isEqualTo(p().seed(1L).minP(0.1).temperature(0.9).build());
        // LangChain4j merges plain defaults with subclass request parameters through defaultedBy
        ChatRequestParameters plainDefaults = ChatRequestParameters.builder().topK(4).temperature(0.2).build();
        ChatRequestParameters withBitNetRequest = plainDefaults.overrideWith(p().repeatPenalty(1.2).temperature(0.7).build());
        assertThat(withBitNetRequest).isEqualTo(p().topK(4).repeatPenalty(1.2).temperature(0.7).build());
    }

    @Test
    void messagesMapRoleByRole() {
        List<ChatMessage> mapped = RequestMapping.messages(List.of(SystemMessage.from("be brief"),
                UserMessage.from(TextContent.from("first"), TextContent.from("second")), AiMessage.from("ok")));
        assertThat(mapped).containsExactly(ChatMessage.system("be brief"), ChatMessage.user("first\nsecond"),
                ChatMessage.assistant("ok"));
    }

    @Test
    void nonTextContentAndToolMessagesAreRefused() {
        assertThatThrownBy(() -> RequestMapping.messages(List.of(UserMessage.from(AudioContent.from("AAAA", "audio/wav")))))
                .isExactlyInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("audio");
        ToolExecutionRequest call = ToolExecutionRequest.builder().id("1").name("weather").arguments("{}").build();
        assertThatThrownBy(() -> RequestMapping.messages(List.of(AiMessage.from(call)))).hasMessageContaining("tool");
        assertThatThrownBy(() -> RequestMapping.messages(List.of(ToolExecutionResultMessage.from(call, "sunny"))))
                .isExactlyInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("tool");
    }

    @Test
    void finishReasons() {
        assertThat(RequestMapping.finishReason(dev.bitnet.FinishReason.STOP_TOKEN)).isEqualTo(dev.langchain4j.model.output.FinishReason.STOP);
        assertThat(RequestMapping.finishReason(dev.bitnet.FinishReason.STOP_STRING)).isEqualTo(dev.langchain4j.model.output.FinishReason.STOP);
        assertThat(RequestMapping.finishReason(dev.bitnet.FinishReason.MAX_TOKENS)).isEqualTo(dev.langchain4j.model.output.FinishReason.LENGTH);
    }
}
