package dev.bitnet.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import dev.bitnet.chat.ChatMessage;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Tool calling through the constrained JSON format ({@code toolCalling(true)}): the demo model knows nothing of
 * tools, so these tests pin down what the constraint guarantees whatever the model: every reply names a declared
 * tool with arguments valid against its schema (or, under AUTO, is an answer), and the conversation carries calls
 * and results back to the model.
 */
class ToolCallingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final ToolSpecification WEATHER = ToolSpecification.builder()
            .name("weather")
            .description("The weather in a city now.")
            .parameters(JsonObjectSchema.builder()
                    // an enum, not a free string: the demo model would fill a string until the token limit
                    .addEnumProperty("city", List.of("Paris", "Berlin", "Tokyo"))
                    .addEnumProperty("unit", List.of("celsius", "fahrenheit"))
                    .required("city")
                    .build())
            .build();
    private static final ToolSpecification ADD = ToolSpecification.builder()
            .name("add")
            .description("Adds two whole numbers.")
            .parameters(JsonObjectSchema.builder()
                    .addIntegerProperty("a")
                    .addIntegerProperty("b")
                    .required("a", "b")
                    .build())
            .build();
    private static final ToolSpecification NOW = ToolSpecification.builder()
            .name("now")
            .description("The current time.")
            .build();
    private static final List<ToolSpecification> TOOLS = List.of(WEATHER, ADD, NOW);

    /**
     * The demo model with room for the tools' system prompt: its 256 trained positions are too few, and positions
     * beyond them only make its (already meaningless) choices worse, which the constraint does not care about.
     */
    private static final BitNetModel DEMO = BitNetModel.load(TestModels.demoPath(),
            LoadOptions.builder().contextLength(2048).build());

    private final BitNetChatModel model = BitNetChatModel.builder().model(DEMO).toolCalling(true).build();

    @AfterAll
    static void close() {
        DEMO.close();
    }

    private static ChatRequest ask(String question, ToolChoice choice, long seed) {
        return ChatRequest.builder()
                .messages(UserMessage.from(question))
                .parameters(BitNetChatRequestParameters.builder()
                        .toolSpecifications(TOOLS).toolChoice(choice).seed(seed).maxOutputTokens(120).build())
                .build();
    }

    /** Checks a call against the tool it names, as an independent reading of the schemas above. */
    private static void assertValidCall(ToolExecutionRequest call) throws Exception {
        assertThat(call.id()).startsWith("call_");
        JsonNode args = JSON.readTree(call.arguments());
        assertThat(args.isObject()).as(call.arguments()).isTrue();
        switch (call.name()) {
            case "weather" -> {
                assertThat(args.get("city").asText()).as(call.arguments()).isIn("Paris", "Berlin", "Tokyo");
                if (args.has("unit")) {
                    assertThat(args.get("unit").asText()).isIn("celsius", "fahrenheit");
                }
                assertThat(Set.copyOf(iterable(args))).isSubsetOf("city", "unit");
            }
            case "add" -> {
                assertThat(args.get("a").isIntegralNumber()).as(call.arguments()).isTrue();
                assertThat(args.get("b").isIntegralNumber()).as(call.arguments()).isTrue();
                assertThat(Set.copyOf(iterable(args))).containsExactlyInAnyOrder("a", "b");
            }
            case "now" -> assertThat(args.isEmpty()).as(call.arguments()).isTrue();
            default -> throw new AssertionError("a tool nobody declared: " + call.name());
        }
    }

    private static List<String> iterable(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void requiredAlwaysGivesOneValidCallOfADeclaredTool() throws Exception {
        Set<String> named = new java.util.HashSet<>();
        for (long seed = 1; seed <= 8; seed++) {
            ChatResponse r = model.chat(ask("What is the weather in Paris?", ToolChoice.REQUIRED, seed));
            AiMessage m = r.aiMessage();
            assertThat(m.hasToolExecutionRequests()).as("seed %d: %s", seed, m).isTrue();
            assertThat(m.toolExecutionRequests()).hasSize(1);
            assertValidCall(m.toolExecutionRequests().getFirst());
            assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
            named.add(m.toolExecutionRequests().getFirst().name());
        }
        assertThat(named).isNotEmpty();
    }

    @Test
    void autoGivesAValidCallOrAPlainAnswer() throws Exception {
        int finished = 0;
        for (long seed = 1; seed <= 8; seed++) {
            ChatResponse r = model.chat(ask("Hello, how are you?", ToolChoice.AUTO, seed));
            AiMessage m = r.aiMessage();
            if (m.hasToolExecutionRequests()) {
                assertValidCall(m.toolExecutionRequests().getFirst());
                assertThat(r.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
                finished++;
            } else if (r.finishReason() == FinishReason.STOP) {
                // the answer's text, unwrapped from {"answer": ...}
                assertThat(m.text()).as("seed %d", seed).isNotNull().doesNotStartWith("{");
                finished++;
            } else {
                // an answer still being written at the token limit: the raw JSON so far
                assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
                assertThat(m.text()).startsWith("{");
            }
        }
        assertThat(finished).as("replies that ended before the token limit").isPositive();
    }

    @Test
    void aReplyCutOffByTheTokenLimitIsItsRawTextWithFinishLength() {
        ChatRequest tight = ChatRequest.builder()
                .messages(UserMessage.from("What is the weather in Paris?"))
                .parameters(BitNetChatRequestParameters.builder()
                        .toolSpecifications(TOOLS).toolChoice(ToolChoice.REQUIRED).seed(1L).maxOutputTokens(3).build())
                .build();
        ChatResponse r = model.chat(tight);
        assertThat(r.finishReason()).isEqualTo(FinishReason.LENGTH);
        assertThat(r.aiMessage().hasToolExecutionRequests()).isFalse();
        assertThat(r.aiMessage().text()).startsWith("{");
    }

    @Test
    void anAnswerCutOffMidStringGivesItsTextSoFar() {
        assertThat(ToolCalling.parse(" { \"answer\" :\n \"Hi\\nthere \\u00e9, \\\"you\\\" and").text())
                .isEqualTo("Hi\nthere \u00e9, \"you\" and");
        assertThat(ToolCalling.parse("{\"answer\": \"cut in an escape \\").text()).isEqualTo("cut in an escape ");
        assertThat(ToolCalling.parse("{\"answer\": \"cut in a code \\u00").text()).isEqualTo("cut in a code ");
        assertThat(ToolCalling.parse("{\"answer\": \"done\"").text()).isEqualTo("done");
        // a call cut off stays its raw JSON: half a call is no call
        assertThat(ToolCalling.parse("{\"tool\": \"weather\", \"argu").text()).isEqualTo("{\"tool\": \"weather\", \"argu");
    }

    @Test
    void toolChoiceNoneLeavesTheReplyUnconstrained() {
        ChatRequestParameters none = BitNetChatRequestParameters.builder()
                .toolSpecifications(TOOLS).toolChoice(ToolChoice.NONE).seed(4L).build();
        assertThat(RequestMapping.tools(none, true)).isNull();
        assertThat(RequestMapping.options(none, "demo", null).responseFormat().isConstrained()).isFalse();
    }

    @Test
    void toolsAreRefusedUnlessToolCallingIsOn() {
        try (BitNetChatModel plain = BitNetChatModel.builder().model(DEMO).build()) {
            assertThatThrownBy(() -> plain.chat(ask("What is the weather in Paris?", ToolChoice.AUTO, 1)))
                    .isExactlyInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("toolCalling(true)");
        }
    }

    @Test
    void requiredWithoutToolsAndToolsWithAJsonFormatAreRefused() {
        assertThatThrownBy(() -> RequestMapping.tools(BitNetChatRequestParameters.builder()
                .toolChoice(ToolChoice.REQUIRED).build(), true))
                .isExactlyInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("at least one tool");
        ChatRequestParameters both = BitNetChatRequestParameters.builder()
                .toolSpecifications(TOOLS).responseFormat(ResponseFormat.JSON).build();
        assertThatThrownBy(() -> RequestMapping.options(both, "demo", RequestMapping.tools(both, true)))
                .isExactlyInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("together with tools");
        assertThatThrownBy(() -> new ToolCalling(List.of(ADD, ADD), true))
                .isExactlyInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("'add'");
    }

    @Test
    void theSchemaOffersTheAnswerOnlyWhenTheModelMayChoose() throws Exception {
        JsonNode required = JSON.readTree(new ToolCalling(TOOLS, true).responseFormat().schema().orElseThrow());
        JsonNode auto = JSON.readTree(new ToolCalling(TOOLS, false).responseFormat().schema().orElseThrow());
        assertThat(required.get("anyOf")).hasSize(3);
        assertThat(auto.get("anyOf")).hasSize(4);
        assertThat(auto.get("anyOf").get(3).get("properties").has("answer")).isTrue();
        assertThat(required.get("anyOf").get(1).at("/properties/tool/const").asText()).isEqualTo("add");
        // the tool's parameter schema, from LangChain4j's element tree
        assertThat(required.at("/$defs/tool_1/required")).hasSize(2);
    }

    @Test
    void callsAndResultsGoBackIntoTheConversationAndTheToolsIntoTheSystemPrompt() {
        ToolExecutionRequest call = ToolExecutionRequest.builder().id("call_1").name("weather")
                .arguments("{\"city\":\"Paris\"}").build();
        ToolCalling tools = new ToolCalling(TOOLS, false);
        List<ChatMessage> mapped = RequestMapping.messages(List.of(
                UserMessage.from("Weather in Paris?"),
                AiMessage.from(call),
                ToolExecutionResultMessage.from(call, "sunny, 21 C")), true, tools);
        assertThat(mapped).hasSize(4);
        assertThat(mapped.getFirst().role()).isEqualTo(ChatMessage.Role.SYSTEM);
        assertThat(mapped.getFirst().content()).contains("- weather: The weather in a city now.").contains("- now:")
                .contains("{\"answer\"");
        assertThat(mapped.get(2)).isEqualTo(ChatMessage.assistant("{\"tool\":\"weather\",\"arguments\":{\"city\":\"Paris\"}}"));
        assertThat(mapped.get(3)).isEqualTo(ChatMessage.user("Result of tool weather returned: sunny, 21 C"));

        List<ChatMessage> withSystem = RequestMapping.messages(List.of(SystemMessage.from("Be brief."),
                UserMessage.from("Hi")), true, new ToolCalling(TOOLS, true));
        assertThat(withSystem).hasSize(2);
        assertThat(withSystem.getFirst().content()).startsWith("Be brief.\n\nYou can call tools.")
                .doesNotContain("{\"answer\"");
    }

    @Test
    void aConversationGoesOnAfterAToolResult() throws Exception {
        ChatResponse first = model.chat(ask("What is 2 plus 3?", ToolChoice.REQUIRED, 2));
        ToolExecutionRequest call = first.aiMessage().toolExecutionRequests().getFirst();
        ChatResponse second = model.chat(ChatRequest.builder()
                .messages(UserMessage.from("What is 2 plus 3?"), first.aiMessage(),
                        ToolExecutionResultMessage.from(call, "5"))
                .parameters(BitNetChatRequestParameters.builder()
                        .toolSpecifications(TOOLS).toolChoice(ToolChoice.AUTO).seed(2L).maxOutputTokens(120).build())
                .build());
        AiMessage m = second.aiMessage();
        if (m.hasToolExecutionRequests()) {
            assertValidCall(m.toolExecutionRequests().getFirst());
        } else {
            assertThat(m.text()).isNotNull();
        }
        assertThat(second.tokenUsage().inputTokenCount()).isGreaterThan(first.tokenUsage().inputTokenCount());
    }

    @Test
    void streamingDeliversTheCallWholeAndMatchesTheBlockingModel() throws Exception {
        ChatRequest request = ask("What is the weather in Paris?", ToolChoice.REQUIRED, 5);
        ToolExecutionRequest blocking = model.chat(request).aiMessage().toolExecutionRequests().getFirst();
        List<String> partials = new CopyOnWriteArrayList<>();
        List<CompleteToolCall> calls = new CopyOnWriteArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        try (BitNetStreamingChatModel streaming = BitNetStreamingChatModel.builder().model(DEMO)
                .toolCalling(true).build()) {
            streaming.chat(request, new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                    partials.add(partial.text());
                }

                @Override
                public void onCompleteToolCall(CompleteToolCall call) {
                    calls.add(call);
                }

                @Override
                public void onCompleteResponse(ChatResponse response) {
                    done.complete(response);
                }

                @Override
                public void onError(Throwable error) {
                    done.completeExceptionally(error);
                }
            });
            ChatResponse response = done.get(60, TimeUnit.SECONDS);
            assertThat(partials).isEmpty();
            assertThat(calls).hasSize(1);
            ToolExecutionRequest streamed = calls.getFirst().toolExecutionRequest();
            assertThat(response.aiMessage().toolExecutionRequests()).containsExactly(streamed);
            assertThat(response.finishReason()).isEqualTo(FinishReason.TOOL_EXECUTION);
            assertThat(streamed.name()).isEqualTo(blocking.name());
            assertThat(streamed.arguments()).isEqualTo(blocking.arguments());
        }
    }
}
