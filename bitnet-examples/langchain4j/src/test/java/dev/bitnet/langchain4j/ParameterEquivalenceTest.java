package dev.bitnet.langchain4j;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.common.AbstractStreamingChatModelIT;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * For every parameter: the same seed and value give the same reply through LangChain4j (blocking and
 * streaming) as through {@link BitNetModel#chat} with the {@link GenerationOptions} written by hand, and a reply
 * that differs from the one without the parameter, so a dropped parameter cannot pass unnoticed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParameterEquivalenceTest {
    private static final long SEED = 11;
    private static final int MAX_TOKENS = 24;
    private static final List<ChatMessage> MESSAGES = List.of(
            ChatMessage.system("You write short stories."), ChatMessage.user("Tell me about the old house by the river."));
    private static final ChatRequest.Builder REQUEST = ChatRequest.builder().messages(
            SystemMessage.from("You write short stories."), UserMessage.from("Tell me about the old house by the river."));

    private final BitNetModel model = TestModels.demo();
    private BitNetChatModel chatModel;
    private BitNetStreamingChatModel streamingModel;
    private Generation baseline;

    /** One parameter: how LangChain4j sets it, and the options it must amount to. */
    record Case(String name, ChatRequestParameters parameters, UnaryOperator<GenerationOptions.Builder> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    void setUp() {
        chatModel = BitNetChatModel.builder().model(model).build();
        streamingModel = BitNetStreamingChatModel.builder().model(model).build();
        baseline = model.chat(MESSAGES, base().build());
        assertThat(baseline.tokenIds()).hasSizeGreaterThan(4);
    }

    private static GenerationOptions.Builder base() {
        return GenerationOptions.builder().seed(SEED).maxTokens(MAX_TOKENS);
    }

    private static BitNetChatRequestParameters.Builder params() {
        return BitNetChatRequestParameters.builder().seed(SEED).maxOutputTokens(MAX_TOKENS);
    }

    Stream<Case> cases() {
        // a stop sequence that the baseline reply contains, and the first token it generates
        String stop = baseline.text().substring(baseline.text().length() / 2).strip().split("\\s+")[0];
        int firstToken = baseline.tokenIds()[0];
        return Stream.of(
                new Case("temperature", params().temperature(1.4).build(), b -> b.temperature(1.4)),
                new Case("topP", params().topP(0.3).build(), b -> b.topP(0.3)),
                new Case("topK", params().topK(2).build(), b -> b.topK(2)),
                new Case("maxOutputTokens", params().maxOutputTokens(5).build(), b -> b.maxTokens(5)),
                new Case("stopSequences", params().stopSequences(List.of(stop)).build(), b -> b.stopStrings(stop)),
                new Case("frequencyPenalty", params().frequencyPenalty(2.0).build(), b -> b.frequencyPenalty(2.0)),
                new Case("presencePenalty", params().presencePenalty(2.0).build(), b -> b.presencePenalty(2.0)),
                new Case("seed", params().seed(12345L).build(), b -> b.seed(12345L)),
                new Case("minP", params().minP(0.4).build(), b -> b.minP(0.4)),
                new Case("repeatPenalty", params().repeatPenalty(2.0).build(), b -> b.repeatPenalty(2.0)),
                new Case("logitBias", params().logitBias(Map.of(firstToken, Double.NEGATIVE_INFINITY)).build(),
                        b -> b.logitBias(firstToken, Double.NEGATIVE_INFINITY)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameReplyAsTheLibraryAndTheParameterMatters(Case c) {
        Generation direct = model.chat(MESSAGES, c.expected().apply(base()).build());
        ChatRequest request = REQUEST.parameters(c.parameters()).build();

        ChatResponse blocking = chatModel.chat(request);
        ChatResponse streamed = AbstractStreamingChatModelIT.chat(streamingModel, request, h -> { }, 60, true).chatResponse();

        assertThat(blocking.aiMessage().text()).isEqualTo(direct.text());
        assertThat(streamed.aiMessage().text()).isEqualTo(direct.text());
        assertThat(blocking.tokenUsage().outputTokenCount()).isEqualTo(direct.usage().generatedTokens());
        assertThat(blocking.tokenUsage().inputTokenCount()).isEqualTo(direct.usage().promptTokens());
        assertThat(streamed.tokenUsage()).isEqualTo(blocking.tokenUsage());
        assertThat(direct.tokenIds()).as("the parameter changes the reply").isNotEqualTo(baseline.tokenIds());
    }
}
