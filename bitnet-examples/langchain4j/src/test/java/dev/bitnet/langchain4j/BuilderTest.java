package dev.bitnet.langchain4j;

import dev.bitnet.BitNetModel;
import dev.bitnet.GenerationOptions;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonRawSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BuilderTest {

    @Test
    void aModelLoadedFromAPathIsOwnedAndClosed() {
        BitNetChatModel chat = BitNetChatModel.builder().modelPath(TestModels.demoPath()).maxTokens(3).build();
        BitNetModel loaded = chat.model();
        assertThat(chat.chat(UserMessage.from("Hi")).tokenUsage().outputTokenCount()).isBetween(1, 3);
        chat.close();
        assertThatThrownBy(loaded::newSession).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void aModelReferenceTakesAPathOrAnHfReference() {
        BitNetChatModel chat = BitNetChatModel.builder().modelReference(TestModels.demoPath().toString()).maxTokens(2).build();
        assertThat(chat.chat(UserMessage.from("Hi")).tokenUsage().outputTokenCount()).isBetween(1, 2);
        chat.close();
        // a malformed hf:// reference is refused before anything is fetched
        assertThatThrownBy(() -> BitNetChatModel.builder().modelReference("hf://only-an-org").build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hf://only-an-org");
        assertThatThrownBy(() -> BitNetChatModel.builder().modelReference("x").model(TestModels.demo()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
    }

    @Test
    void aSharedModelStaysOpen() {
        BitNetModel shared = TestModels.demo();
        BitNetStreamingChatModel streaming = BitNetStreamingChatModel.builder().model(shared).build();
        streaming.close();
        try (var session = shared.newSession()) {
            assertThat(session.position()).isZero();
        }
    }

    @Test
    void explicitSettersWinOverDefaultRequestParameters() {
        BitNetChatModel chat = BitNetChatModel.builder().model(TestModels.demo())
                .defaultRequestParameters(BitNetChatRequestParameters.builder().temperature(0.1).topK(7).minP(0.2).build())
                .temperature(0.6).topP(0.8).maxTokens(12).seed(5L).stopSequences("\n")
                .build();
        assertThat(chat.defaultRequestParameters()).isEqualTo(BitNetChatRequestParameters.builder()
                .temperature(0.6).topK(7).minP(0.2).topP(0.8).maxOutputTokens(12).seed(5L).stopSequences(List.of("\n")).build());
        assertThat(RequestMapping.options(chat.defaultRequestParameters(), chat.modelName())).isEqualTo(GenerationOptions.builder()
                .temperature(0.6).topK(7).minP(0.2).topP(0.8).maxTokens(12).seed(5).stopStrings("\n").build());
    }

    @Test
    void requestParametersWinOverDefaults() {
        BitNetChatModel chat = BitNetChatModel.builder().model(TestModels.demo()).maxTokens(30).seed(1L).build();
        ChatResponse r = chat.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                .messages(UserMessage.from("Hi"))
                .parameters(ChatRequestParameters.builder().maxOutputTokens(2).build()).build());
        assertThat(r.tokenUsage().outputTokenCount()).isLessThanOrEqualTo(2);
    }

    @Test
    void badDefaultsFailAtBuild() {
        assertThatThrownBy(() -> BitNetChatModel.builder().model(TestModels.demo())
                .defaultRequestParameters(ChatRequestParameters.builder().responseFormat(ResponseFormat.builder()
                        .type(ResponseFormatType.JSON).jsonSchema(JsonSchema.builder().name("bad")
                                .rootElement(JsonRawSchema.from("{\"type\":\"string\",\"pattern\":\"x\"}")).build())
                        .build()).build()).build())
                .isExactlyInstanceOf(UnsupportedFeatureException.class);
        assertThatThrownBy(() -> BitNetChatModel.builder().model(TestModels.demo()).temperature(-1.0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("temperature");
        assertThatThrownBy(() -> BitNetChatModel.builder().build()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("modelPath");
        assertThatThrownBy(() -> BitNetChatModel.builder().model(TestModels.demo()).modelPath(TestModels.demoPath()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not both");
    }

    /** A fresh session per call: a call never sees the previous one's KV cache (langchain4j#6025's bug). */
    @Test
    void callsAreIndependentInSequenceAndInParallel() throws Exception {
        BitNetChatModel chat = BitNetChatModel.builder().model(TestModels.demo()).seed(9L).maxTokens(16).build();
        String first = chat.chat("Tell me about the sea.");
        assertThat(chat.chat("Tell me about the sea.")).isEqualTo(first);
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(3)) {
            var replies = pool.invokeAll(java.util.Collections.nCopies(3,
                    (java.util.concurrent.Callable<String>) () -> chat.chat("Tell me about the sea.")));
            for (var reply : replies) {
                assertThat(reply.get()).isEqualTo(first);
            }
        }
    }

    @Test
    void theModelsOwnNameIsAccepted() {
        BitNetChatModel chat = BitNetChatModel.builder().model(TestModels.demo()).maxTokens(2).build();
        ChatResponse r = chat.chat(dev.langchain4j.model.chat.request.ChatRequest.builder()
                .messages(UserMessage.from("Hi"))
                .parameters(ChatRequestParameters.builder().modelName(chat.modelName()).build()).build());
        assertThat(r.modelName()).isEqualTo(chat.modelName());
    }
}
