package dev.bitnet.langchain4j;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.bitnet.LoadOptions;
import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's AiServices example, run on the demo model (which writes English-looking text, not answers). */
class AiServicesExampleTest {

    interface Assistant {
        @SystemMessage("You are a concise assistant.")
        String chat(String userMessage);
    }

    interface StreamingAssistant {
        TokenStream chat(String userMessage);
    }

    enum Species { CAT, DOG, BIRD }

    /**
     * What the structured-output service returns: LangChain4j derives a JSON schema from it, in which a field is
     * optional unless marked required. No free-text field: the demo model writes stories, and fills an unbounded
     * string until the token limit (a real model closes it; the constraint only guarantees the shape).
     */
    record Pet(@JsonProperty(required = true) Species species, @JsonProperty(required = true) int age,
               boolean friendly) {
    }

    interface PetExtractor {
        @SystemMessage("Extract the pet described by the user.")
        Pet extract(String description);
    }

    @Test
    void aiServiceReturningARecordGetsSchemaConstrainedJson() {
        try (BitNetChatModel model = BitNetChatModel.builder()
                .modelPath(TestModels.demoPath())
                .temperature(0.7).seed(42L).maxTokens(200)
                .build()) {
            assertThat(model.supportedCapabilities()).contains(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
            PetExtractor extractor = AiServices.create(PetExtractor.class, model);
            for (String description : new String[] {"A grey cat called Tom, three years old.", "A noisy old dog."}) {
                Pet pet = extractor.extract(description);
                assertThat(pet).as(description).isNotNull();
                assertThat(pet.species()).isNotNull();
            }
        }
    }

    @Test
    void aiServiceOverTheBlockingModel() {
        try (BitNetChatModel model = BitNetChatModel.builder()
                .modelPath(TestModels.demoPath())
                .temperature(0.7).seed(42L).maxTokens(20)
                .build()) {
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(model)
                    .chatMemory(MessageWindowChatMemory.withMaxMessages(10))
                    .build();
            String first = assistant.chat("Tell me about the river.");
            String second = assistant.chat("And the old house?");
            assertThat(first).isNotBlank();
            assertThat(second).isNotBlank();
        }
    }

    @Test
    void aiServiceOverTheStreamingModel() throws Exception {
        try (BitNetStreamingChatModel model = BitNetStreamingChatModel.builder()
                .modelPath(TestModels.demoPath()).seed(42L).maxTokens(20).build()) {
            StreamingAssistant assistant = AiServices.create(StreamingAssistant.class, model);
            StringBuilder streamed = new StringBuilder();
            CompletableFuture<String> done = new CompletableFuture<>();
            assistant.chat("Tell me about the river.")
                    .onPartialResponse(streamed::append)
                    .onCompleteResponse(r -> done.complete(r.aiMessage().text()))
                    .onError(done::completeExceptionally)
                    .start();
            assertThat(done.get(60, TimeUnit.SECONDS)).isEqualTo(streamed.toString()).isNotEmpty();
        }
    }

    enum City { PARIS, BERLIN, TOKYO }

    /** A tool for the service below; records what it was asked. */
    static final class WeatherTools {
        final List<City> asked = new CopyOnWriteArrayList<>();

        @Tool("The weather in a city now")
        String weather(@P("the city") City city) {
            asked.add(city);
            return "sunny, 21 C";
        }
    }

    /**
     * A tool-using service: the demo model knows nothing of tools, so the request transformer makes the first turn
     * call one (REQUIRED) and the turn after the result answer (NONE), a pattern for small models that also makes
     * this test independent of the model's choices. The constraint guarantees the call itself.
     */
    @Test
    void aiServiceWithToolsCallsThemThroughTheConstrainedFormat() {
        try (BitNetChatModel model = BitNetChatModel.builder()
                .modelPath(TestModels.demoPath())
                .loadOptions(LoadOptions.builder().contextLength(2048).build()) // room for the tools' system prompt
                .toolCalling(true)
                .temperature(0.7).seed(4L).maxTokens(60)
                .build()) {
            WeatherTools tools = new WeatherTools();
            List<ChatRequest> requests = new CopyOnWriteArrayList<>();
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(model)
                    .tools(tools)
                    .chatRequestTransformer(request -> {
                        boolean afterResult = request.messages().getLast() instanceof ToolExecutionResultMessage;
                        ChatRequest r = request.toBuilder().parameters(request.parameters().overrideWith(
                                ChatRequestParameters.builder()
                                        .toolChoice(afterResult ? ToolChoice.NONE : ToolChoice.REQUIRED).build()))
                                .build();
                        requests.add(r);
                        return r;
                    })
                    .build();
            String answer = assistant.chat("What is the weather in Paris?");
            assertThat(tools.asked).hasSize(1).doesNotContainNull();
            assertThat(answer).isNotBlank().doesNotStartWith("{");
            assertThat(requests).hasSize(2);
            assertThat(requests.getFirst().toolSpecifications()).extracting(ToolSpecification::name).containsExactly("weather");
        }
    }
}
