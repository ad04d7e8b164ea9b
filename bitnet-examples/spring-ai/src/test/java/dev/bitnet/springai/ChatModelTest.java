package dev.bitnet.springai;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * For every option: the same seed and value give the same reply through Spring AI (call and stream) as through
 * {@link BitNetModel#chat} with hand-written {@link GenerationOptions}, and a reply that differs from the one
 * without the option. Then streaming cancellation and refusals.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatModelTest {
    private static final long SEED = 11;
    private static final int MAX_TOKENS = 24;
    private static final List<ChatMessage> MESSAGES = List.of(
            ChatMessage.system("You write short stories."), ChatMessage.user("Tell me about the old house by the river."));

    private final BitNetModel model = TestModels.demo();
    private final BitNetChatModel chatModel = BitNetChatModel.builder().model(model).build();
    private Generation baseline;

    record Case(String name, BitNetChatOptions options, UnaryOperator<GenerationOptions.Builder> expected) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    void setUp() {
        baseline = model.chat(MESSAGES, base().build());
        assertThat(baseline.tokenIds()).hasSizeGreaterThan(4);
    }

    private static GenerationOptions.Builder base() {
        return GenerationOptions.builder().seed(SEED).maxTokens(MAX_TOKENS);
    }

    private static BitNetChatOptions.Builder opts() {
        return BitNetChatOptions.builder().seed(SEED).maxTokens(MAX_TOKENS);
    }

    private static Prompt prompt(BitNetChatOptions options) {
        return new Prompt(List.of(new SystemMessage("You write short stories."),
                new UserMessage("Tell me about the old house by the river.")), options);
    }

    Stream<Case> cases() {
        String stop = baseline.text().substring(baseline.text().length() / 2).strip().split("\\s+")[0];
        int firstToken = baseline.tokenIds()[0];
        return Stream.of(
                new Case("temperature", opts().temperature(1.4).build(), b -> b.temperature(1.4)),
                new Case("topP", opts().topP(0.3).build(), b -> b.topP(0.3)),
                new Case("topK", opts().topK(2).build(), b -> b.topK(2)),
                new Case("maxTokens", opts().maxTokens(5).build(), b -> b.maxTokens(5)),
                new Case("stopSequences", opts().stopSequences(List.of(stop)).build(), b -> b.stopStrings(stop)),
                new Case("frequencyPenalty", opts().frequencyPenalty(2.0).build(), b -> b.frequencyPenalty(2.0)),
                new Case("presencePenalty", opts().presencePenalty(2.0).build(), b -> b.presencePenalty(2.0)),
                new Case("seed", opts().seed(12345L).build(), b -> b.seed(12345L)),
                new Case("minP", opts().minP(0.4).build(), b -> b.minP(0.4)),
                new Case("repeatPenalty", opts().repeatPenalty(2.0).build(), b -> b.repeatPenalty(2.0)),
                new Case("logitBias", opts().logitBias(Map.of(firstToken, Double.NEGATIVE_INFINITY)).build(),
                        b -> b.logitBias(firstToken, Double.NEGATIVE_INFINITY)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void sameReplyAsTheLibraryAndTheOptionMatters(Case c) {
        Generation direct = model.chat(MESSAGES, c.expected().apply(base()).build());

        ChatResponse called = chatModel.call(prompt(c.options()));
        List<ChatResponse> streamed = chatModel.stream(prompt(c.options())).collectList().block(Duration.ofSeconds(60));

        assertThat(called.getResult().getOutput().getText()).isEqualTo(direct.text());
        assertThat(streamed).extracting(r -> r.getResult().getOutput().getText()).contains("")
                .satisfies(texts -> assertThat(String.join("", texts)).isEqualTo(direct.text()));
        assertThat(called.getMetadata().getUsage().getCompletionTokens()).isEqualTo(direct.usage().generatedTokens());
        assertThat(streamed.getLast().getMetadata().getUsage().getCompletionTokens()).isEqualTo(direct.usage().generatedTokens());
        assertThat(direct.tokenIds()).as("the option changes the reply").isNotEqualTo(baseline.tokenIds());
    }

    @Test
    void cancellingTheFluxStopsGeneration() throws InterruptedException {
        AtomicInteger produced = new AtomicInteger();
        Flux<ChatResponse> replies = chatModel.stream(prompt(opts().maxTokens(200)
                .logitBias(Map.of(TestModels.EOS, Double.NEGATIVE_INFINITY, TestModels.EOT, Double.NEGATIVE_INFINITY)).build()))
                .doOnNext(r -> produced.incrementAndGet());
        StepVerifier.create(replies.take(3)).expectNextCount(3).verifyComplete();
        Thread.sleep(300);
        // nothing runs ahead of the subscriber, and nothing runs after it cancelled
        assertThat(produced.get()).isEqualTo(3);
    }

    /** A fresh session per call: a call never sees the previous one's KV cache. */
    @Test
    void callsAreIndependentInSequenceAndInParallel() {
        BitNetChatOptions options = opts().build();
        String first = chatModel.call(prompt(options)).getResult().getOutput().getText();
        assertThat(chatModel.call(prompt(options)).getResult().getOutput().getText()).isEqualTo(first);
        List<String> parallel = Flux.range(0, 3)
                .flatMap(i -> chatModel.stream(prompt(options)).map(r -> r.getResult().getOutput().getText())
                        .reduce(String::concat))
                .collectList().block(Duration.ofSeconds(60));
        assertThat(parallel).containsExactly(first, first, first);
    }

    @Test
    void aBadRequestFailsTheFluxAndTheCall() {
        BitNetChatOptions bad = BitNetChatOptions.builder().model("gpt-4o").build();
        StepVerifier.create(chatModel.stream(prompt(bad))).expectError(UnsupportedOperationException.class).verify();
        assertThatThrownBy(() -> chatModel.call(prompt(bad))).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void aModelLoadedFromAPathIsClosedWithTheChatModel() {
        BitNetChatModel owned = BitNetChatModel.builder().modelPath(TestModels.demoPath()).build();
        BitNetModel loaded = owned.model();
        owned.close();
        assertThatThrownBy(loaded::newSession).isInstanceOf(IllegalStateException.class);
        BitNetChatModel.builder().model(model).build().close();
        model.newSession().close();
    }
}
