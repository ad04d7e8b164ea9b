package dev.bitnet.springai;

import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.structured.ResponseFormat;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.content.Media;
import org.springframework.ai.converter.BeanOutputConverter;
import org.springframework.ai.model.tool.DefaultStructuredOutputChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.util.MimeTypeUtils;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The mapping of each option onto bitnet-java, one field at a time. */
class OptionsMappingTest {
    private static final String NAME = "model.gguf";
    private static final GenerationOptions DEFAULTS = GenerationOptions.defaults();

    private static GenerationOptions map(BitNetChatOptions.Builder b) {
        return OptionsMapping.generationOptions(b.build(), NAME);
    }

    private static BitNetChatOptions.Builder o() {
        return BitNetChatOptions.builder();
    }

    @Test
    void nothingSetKeepsTheLibraryDefaults() {
        assertThat(map(o())).isEqualTo(DEFAULTS);
    }

    @Test
    void eachOptionMapsToItsGenerationOption() {
        assertThat(map(o().temperature(0.3))).isEqualTo(DEFAULTS.toBuilder().temperature(0.3).build());
        assertThat(map(o().topP(0.7))).isEqualTo(DEFAULTS.toBuilder().topP(0.7).build());
        assertThat(map(o().topK(5))).isEqualTo(DEFAULTS.toBuilder().topK(5).build());
        assertThat(map(o().maxTokens(17))).isEqualTo(DEFAULTS.toBuilder().maxTokens(17).build());
        assertThat(map(o().stopSequences(List.of("END", "\n\n")))).isEqualTo(DEFAULTS.toBuilder().stopStrings("END", "\n\n").build());
        assertThat(map(o().frequencyPenalty(0.5))).isEqualTo(DEFAULTS.toBuilder().frequencyPenalty(0.5).build());
        assertThat(map(o().presencePenalty(-0.25))).isEqualTo(DEFAULTS.toBuilder().presencePenalty(-0.25).build());
        assertThat(map(o().seed(99L))).isEqualTo(DEFAULTS.toBuilder().seed(99).build());
        assertThat(map(o().minP(0.2))).isEqualTo(DEFAULTS.toBuilder().minP(0.2).build());
        assertThat(map(o().repeatPenalty(1.3))).isEqualTo(DEFAULTS.toBuilder().repeatPenalty(1.3).build());
        assertThat(map(o().logitBias(Map.of(7, -2.5, 8, Double.NEGATIVE_INFINITY))))
                .isEqualTo(DEFAULTS.toBuilder().logitBias(7, -2.5).logitBias(8, Double.NEGATIVE_INFINITY).build());
    }

    @Test
    void valuesOutOfRangeAreRefusedNamingTheOption() {
        assertThatThrownBy(() -> map(o().temperature(-1.0))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("temperature");
        assertThatThrownBy(() -> map(o().topP(0.0))).hasMessageContaining("topP");
        assertThatThrownBy(() -> map(o().repeatPenalty(0.0))).hasMessageContaining("repeatPenalty");
    }

    @Test
    void theLoadedModelsNameIsAcceptedAndNoOther() {
        assertThat(map(o().model(NAME))).isEqualTo(DEFAULTS);
        assertThatThrownBy(() -> map(o().model("gpt-4o"))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("gpt-4o").hasMessageContaining(NAME);
    }

    @Test
    void requestOptionsOverrideTheDefaultsFieldByField() {
        BitNetChatOptions defaults = o().temperature(0.2).seed(1L).minP(0.1).stopSequences(List.of("A")).build();
        assertThat(OptionsMapping.merge(defaults, null)).isSameAs(defaults);
        assertThat(OptionsMapping.merge(defaults, ChatOptions.builder().temperature(0.9).stopSequences(List.of("B")).build()))
                .isEqualTo(o().temperature(0.9).seed(1L).minP(0.1).stopSequences(List.of("B")).build());
        assertThat(OptionsMapping.merge(defaults, o().seed(2L).logitBias(Map.of(3, 1.0)).build()))
                .isEqualTo(o().temperature(0.2).seed(2L).minP(0.1).stopSequences(List.of("A")).logitBias(Map.of(3, 1.0)).build());
    }

    @Test
    void toolsAreCarriedByTheMergeAndRefusedWhileToolCallingIsOff() {
        var tool = FunctionToolCallback.builder("weather", (Function<String, String>) city -> "sunny")
                .inputType(String.class).build();
        BitNetChatOptions merged = OptionsMapping.merge(o().build(),
                ToolCallingChatOptions.builder().toolCallbacks(tool).toolContext("user", "ann").build());
        assertThat(merged.getToolCallbacks()).containsExactly(tool);
        assertThat(merged.getToolContext()).containsEntry("user", "ann");
        assertThatThrownBy(() -> OptionsMapping.checkTools(merged, false))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("toolCalling(true)");
        OptionsMapping.checkTools(merged, true);
        assertThat(OptionsMapping.toolFormat(merged).tools()).extracting(dev.bitnet.structured.ToolDefinition::name)
                .containsExactly("weather");
    }

    @Test
    void toolCallsAndResponsesAreWrittenIntoTheConversationWhenToolCallingIsOn() {
        AssistantMessage call = AssistantMessage.builder().content("")
                .toolCalls(List.of(new AssistantMessage.ToolCall("1", "function", "weather", "{\"city\": \"Oslo\"}"))).build();
        ToolResponseMessage response = ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse("1", "weather", "sunny"))).build();
        assertThat(OptionsMapping.messages(List.of(UserMessage.builder().text("weather?").build(), call, response), true))
                .containsExactly(ChatMessage.user("weather?"),
                        ChatMessage.assistant("{\"tool\":\"weather\",\"arguments\":{\"city\":\"Oslo\"}}"),
                        ChatMessage.user("Result of tool weather returned: sunny"));
    }

    @Test
    void nativeStructuredOutputConstrainsToTheSchema() {
        String schema = "{\"type\":\"object\",\"properties\":{\"a\":{\"type\":\"integer\"}}}";
        // the schema arrives on any StructuredOutputChatOptions, as ChatClient's native mode sets it
        var structured = new DefaultStructuredOutputChatOptions.Builder<>().outputSchema(schema).temperature(0.3).build();
        BitNetChatOptions merged = OptionsMapping.merge(o().seed(1L).build(), structured);
        assertThat(merged).isEqualTo(o().seed(1L).temperature(0.3).outputSchema(schema).build());
        assertThat(OptionsMapping.generationOptions(merged, NAME))
                .isEqualTo(GenerationOptions.builder().seed(1L).temperature(0.3).responseFormat(ResponseFormat.jsonSchema(schema)).build());

        assertThat(map(o().responseFormat(ResponseFormat.Kind.JSON_OBJECT)).responseFormat()).isEqualTo(ResponseFormat.jsonObject());
        assertThat(map(o().responseFormat(ResponseFormat.Kind.JSON_VALUE)).responseFormat()).isEqualTo(ResponseFormat.jsonValue());
        assertThat(map(o().responseFormat(ResponseFormat.Kind.TEXT))).isEqualTo(DEFAULTS);
        assertThat(map(o().responseFormat(ResponseFormat.Kind.JSON_SCHEMA).outputSchema(schema)).responseFormat())
                .isEqualTo(ResponseFormat.jsonSchema(schema));
        assertThat(OptionsMapping.merge(o().build(), o().responseFormat(ResponseFormat.Kind.JSON_OBJECT).build())
                .getResponseFormat()).isEqualTo(ResponseFormat.Kind.JSON_OBJECT);
    }

    @Test
    void theNumericFormatsOfSpringAisGeneratedSchemasBecomeBounds() {
        record Reading(int count, long total, double mean, float ratio, Integer boxed) {
        }
        String generated = new BeanOutputConverter<>(Reading.class).getJsonSchema();
        assertThat(generated).contains("\"int32\"");
        String resolved = JavaTypeFormats.resolve(generated);
        assertThat(resolved).doesNotContain("\"format\"").contains("\"minimum\":-2147483648,\"maximum\":2147483647");
        assertThat(map(o().outputSchema(generated)).responseFormat()).isEqualTo(ResponseFormat.jsonSchema(resolved));
        // bounds already tighter than int's stay; a string format is left for the core to refuse by name
        assertThat(JavaTypeFormats.resolve("{\"type\":\"integer\",\"format\":\"int32\",\"minimum\":0}"))
                .isEqualTo("{\"type\":\"integer\",\"minimum\":0,\"maximum\":2147483647}");
        assertThatThrownBy(() -> map(o().outputSchema("{\"type\":\"string\",\"format\":\"date\"}")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("'format'");
    }

    @Test
    void aSchemaThatCannotBeEnforcedIsRefusedNamingTheKeyword() {
        assertThatThrownBy(() -> map(o().outputSchema("{\"type\":\"string\",\"pattern\":\"a+\"}")))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("outputSchema")
                .hasMessageContaining("'pattern'");
        assertThatThrownBy(() -> map(o().outputSchema("{\"$ref\":\"#/$defs/x\"}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outputSchema");
        assertThatThrownBy(() -> map(o().responseFormat(ResponseFormat.Kind.JSON_SCHEMA)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outputSchema");
        assertThatThrownBy(() -> map(o().responseFormat(ResponseFormat.Kind.TEXT).outputSchema("{}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("conflicts");
    }

    @Test
    void messagesMapRoleByRole() {
        assertThat(OptionsMapping.messages(List.of(new SystemMessage("be brief"), new UserMessage("hi"), new AssistantMessage("ok"))))
                .containsExactly(ChatMessage.system("be brief"), ChatMessage.user("hi"), ChatMessage.assistant("ok"));
    }

    @Test
    void mediaAndToolMessagesAreRefused() {
        UserMessage withImage = UserMessage.builder().text("what is this?")
                .media(List.of(Media.builder().mimeType(MimeTypeUtils.IMAGE_PNG).data(URI.create("http://example.invalid/x.png")).build()))
                .build();
        assertThatThrownBy(() -> OptionsMapping.messages(List.of(withImage))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("image/png");
        AssistantMessage call = AssistantMessage.builder().content("")
                .toolCalls(List.of(new AssistantMessage.ToolCall("1", "function", "weather", "{}"))).build();
        assertThatThrownBy(() -> OptionsMapping.messages(List.of(call))).hasMessageContaining("tool");
        ToolResponseMessage response = ToolResponseMessage.builder()
                .responses(List.of(new ToolResponseMessage.ToolResponse("1", "weather", "sunny"))).build();
        assertThatThrownBy(() -> OptionsMapping.messages(List.of(response))).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("tool");
    }

    @Test
    void finishReasons() {
        assertThat(OptionsMapping.finishReason(dev.bitnet.FinishReason.STOP_TOKEN)).isEqualTo("STOP");
        assertThat(OptionsMapping.finishReason(dev.bitnet.FinishReason.STOP_STRING)).isEqualTo("STOP");
        assertThat(OptionsMapping.finishReason(dev.bitnet.FinishReason.MAX_TOKENS)).isEqualTo("LENGTH");
    }
}
