package dev.bitnet.springai;

import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tool calling through {@code ChatClient.tools(...)} with {@code toolCalling(true)}: the demo model knows nothing
 * of tools, so these tests pin down what holds whatever it chooses: a call always names the tool with arguments
 * Spring AI can bind, the tool runs through Spring AI's tool-calling manager, and the request ends with an answer.
 */
class ToolCallingTest {
    /** The demo model with room for the tools' system prompt (its 256 trained positions are too few). */
    private static final BitNetModel DEMO = BitNetModel.load(TestModels.demoPath(),
            LoadOptions.builder().contextLength(2048).build());

    @AfterAll
    static void close() {
        DEMO.close();
    }

    enum City { PARIS, BERLIN, TOKYO }

    /** A tool that records its calls; an enum argument, since the demo model fills free strings to the limit. */
    static final class WeatherTools {
        final List<City> asked = new CopyOnWriteArrayList<>();

        @Tool(description = "The weather in a city now")
        String weather(@ToolParam(description = "the city") City city) {
            asked.add(city);
            return "sunny, 21 C";
        }
    }

    private static BitNetChatModel model(long seed) {
        return BitNetChatModel.builder().model(DEMO).toolCalling(true)
                .options(BitNetChatOptions.builder().seed(seed).temperature(0.7).maxTokens(60).build()).build();
    }

    @Test
    void theModelCallsToolsThroughChatClientAndThenAnswers() {
        int called = 0;
        for (long seed = 1; seed <= 6; seed++) {
            WeatherTools tools = new WeatherTools();
            ChatResponse response = ChatClient.create(model(seed)).prompt("What is the weather in Paris?")
                    .tools(tools).call().chatResponse();
            assertThat(response).isNotNull();
            // the request ends with an answer, never with a call left open
            assertThat(response.getResult().getOutput().hasToolCalls()).isFalse();
            assertThat(response.getResult().getOutput().getText()).as("seed %d", seed).isNotNull();
            assertThat(tools.asked).hasSizeLessThanOrEqualTo(BitNetChatModel.MAX_TOOL_ROUNDS).doesNotContainNull();
            if (!tools.asked.isEmpty()) {
                called++;
                // every round is counted
                assertThat(response.getMetadata().getUsage().getPromptTokens()).isGreaterThan(300);
            }
        }
        assertThat(called).as("seeds whose replies called the tool").isPositive();
    }

    @Test
    void streamingWithToolsGivesTheWholeAnswerAsOneElement() {
        WeatherTools tools = new WeatherTools();
        List<ChatResponse> elements = new ArrayList<>(ChatClient.create(model(4)).prompt("What is the weather in Paris?")
                .tools(tools).stream().chatResponse().collectList().block());
        assertThat(elements).hasSize(1);
        assertThat(elements.getFirst().getResult().getOutput().hasToolCalls()).isFalse();
    }

    @Test
    void toolsAreRefusedWhileToolCallingIsOff() {
        try (BitNetChatModel plain = BitNetChatModel.builder().model(DEMO).build()) {
            assertThatThrownBy(() -> ChatClient.create(plain).prompt("What is the weather in Paris?")
                    .tools(new WeatherTools()).call().content())
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("toolCalling(true)");
        }
    }

    @Test
    void theToolsSchemaIsTheOneSpringAiGeneratesForTheMethod() {
        var callbacks = org.springframework.ai.support.ToolCallbacks.from(new WeatherTools());
        BitNetChatOptions options = BitNetChatOptions.builder().toolCallbacks(callbacks).build();
        var format = OptionsMapping.toolFormat(options);
        JsonNode schema = JsonMapper.builder().build().readTree(format.responseFormat().schema().orElseThrow());
        assertThat(schema.at("/anyOf/0/properties/tool/const").asText()).isEqualTo("weather");
        // the parameter's name is Spring AI's (arg0 without -parameters), its enum the Java enum's constants
        String parameter = schema.at("/$defs/tool_0/required/0").asText();
        assertThat(schema.at("/$defs/tool_0/properties/" + parameter + "/enum")).as(schema.toString()).hasSize(3);
    }
}
