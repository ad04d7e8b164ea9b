package dev.bitnet.springai;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationOptions;
import dev.bitnet.chat.ChatMessage;
import dev.bitnet.springai.autoconfigure.BitNetChatAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A minimal Spring context with the auto-configuration, called through {@link ChatClient}. */
class BitNetChatAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(BitNetChatAutoConfiguration.class));

    /** Every option set through properties, with values that change the demo model's reply. */
    private static String[] everyOption() {
        return new String[]{
                "spring.ai.model.chat=bitnet",
                "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath(),
                "spring.ai.bitnet.chat.threads=1",
                "spring.ai.bitnet.chat.context-length=200",
                "spring.ai.bitnet.chat.options.temperature=0.9",
                "spring.ai.bitnet.chat.options.top-p=0.9",
                "spring.ai.bitnet.chat.options.top-k=30",
                "spring.ai.bitnet.chat.options.max-tokens=40",
                "spring.ai.bitnet.chat.options.stop-sequences[0]=zebra",
                "spring.ai.bitnet.chat.options.frequency-penalty=0.3",
                "spring.ai.bitnet.chat.options.presence-penalty=0.2",
                "spring.ai.bitnet.chat.options.seed=21",
                "spring.ai.bitnet.chat.options.min-p=0.02",
                "spring.ai.bitnet.chat.options.repeat-penalty=1.1",
                "spring.ai.bitnet.chat.options.logit-bias.4094=-Infinity",
                "spring.ai.bitnet.chat.options.logit-bias.4095=-Infinity",
                "spring.ai.bitnet.chat.options.logit-bias.32=1.5",
        };
    }

    private static GenerationOptions expectedGenerationOptions() {
        return GenerationOptions.builder().temperature(0.9).topP(0.9).topK(30).maxTokens(40).stopStrings("zebra")
                .frequencyPenalty(0.3).presencePenalty(0.2).seed(21).minP(0.02).repeatPenalty(1.1)
                .logitBias(4094, Double.NEGATIVE_INFINITY).logitBias(4095, Double.NEGATIVE_INFINITY).logitBias(32, 1.5)
                .build();
    }

    @Test
    void everyPropertyReachesGenerationThroughChatClientPlainAndStreamed() {
        AtomicReference<BitNetModel> loaded = new AtomicReference<>();
        runner.withPropertyValues(everyOption()).run(context -> {
            BitNetChatModel model = context.getBean(BitNetChatModel.class);
            loaded.set(model.model());
            assertThat(context.getBean(ChatModel.class)).isSameAs(model);
            assertThat(model.model().threads()).isEqualTo(1);
            assertThat(model.model().contextLength()).isEqualTo(200);
            assertThat(model.getOptions()).isEqualTo(BitNetChatOptions.builder().temperature(0.9).topP(0.9).topK(30)
                    .maxTokens(40).stopSequences(List.of("zebra")).frequencyPenalty(0.3).presencePenalty(0.2).seed(21L)
                    .minP(0.02).repeatPenalty(1.1)
                    .logitBias(Map.of(4094, Double.NEGATIVE_INFINITY, 4095, Double.NEGATIVE_INFINITY, 32, 1.5)).build());

            // the reply the library gives for exactly these options: equal text means every option arrived
            Generation direct = model.model().chat(List.of(ChatMessage.user("Tell me about the old house.")),
                    expectedGenerationOptions());
            ChatClient client = ChatClient.create(model);

            ChatResponse called = client.prompt("Tell me about the old house.").call().chatResponse();
            assertThat(called.getResult().getOutput().getText()).isEqualTo(direct.text());
            assertThat(called.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
            assertThat(called.getMetadata().getUsage().getPromptTokens()).isEqualTo(direct.usage().promptTokens());
            assertThat(called.getMetadata().getUsage().getCompletionTokens()).isEqualTo(40);
            assertThat(called.getMetadata().getModel()).isEqualTo(model.modelName());
            assertThat(called.getMetadata().getId()).isNotBlank();

            List<String> pieces = client.prompt("Tell me about the old house.").stream().content().collectList().block();
            assertThat(String.join("", pieces)).isEqualTo(direct.text());
            assertThat(pieces.size()).isGreaterThan(1);

            List<ChatResponse> chunks = client.prompt("Tell me about the old house.").stream().chatResponse()
                    .collectList().block();
            ChatResponse last = chunks.getLast();
            assertThat(last.getResult().getMetadata().getFinishReason()).isEqualTo("LENGTH");
            assertThat(last.getMetadata().getUsage().getCompletionTokens()).isEqualTo(40);
            assertThat(chunks).extracting(c -> c.getMetadata().getId()).containsOnly(last.getMetadata().getId());
        });
        // the context closed the bean, and with it the model it loaded
        assertThatThrownBy(() -> loaded.get().newSession()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void requestOptionsOverrideThePropertyDefaults() {
        runner.withPropertyValues(everyOption()).run(context -> {
            BitNetChatModel model = context.getBean(BitNetChatModel.class);
            Generation direct = model.model().chat(List.of(ChatMessage.user("Hello")),
                    expectedGenerationOptions().toBuilder().maxTokens(6).seed(5).build());
            String reply = ChatClient.create(model).prompt("Hello")
                    .options(BitNetChatOptions.builder().maxTokens(6).seed(5L)).call().content();
            assertThat(reply).isEqualTo(direct.text());
        });
    }

    @Test
    void toolCallingIsOffUnlessThePropertySaysSo() {
        runner.withPropertyValues("spring.ai.model.chat=bitnet", "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath())
                .run(context -> assertThat(context.getBean(BitNetChatModel.class).toolCalling()).isFalse());
        runner.withPropertyValues("spring.ai.model.chat=bitnet", "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath(),
                        "spring.ai.bitnet.chat.tool-calling=true", "spring.ai.bitnet.chat.context-length=2048",
                        "spring.ai.bitnet.chat.options.max-tokens=40", "spring.ai.bitnet.chat.options.seed=3")
                .run(context -> {
                    BitNetChatModel model = context.getBean(BitNetChatModel.class);
                    assertThat(model.toolCalling()).isTrue();
                    String answer = ChatClient.create(model).prompt("What is the weather in Paris?")
                            .tools(new ToolCallingTest.WeatherTools()).call().content();
                    assertThat(answer).isNotNull();
                });
    }

    @Test
    void inactiveUnlessBitNetIsTheChosenChatModel() {
        runner.withPropertyValues("spring.ai.bitnet.chat.model-path=" + TestModels.demoPath())
                .run(context -> assertThat(context).doesNotHaveBean(ChatModel.class));
        runner.withPropertyValues("spring.ai.model.chat=openai", "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath())
                .run(context -> assertThat(context).doesNotHaveBean(ChatModel.class));
    }

    @Test
    void anApplicationsOwnChatModelWins() {
        ChatModel own = prompt -> { throw new UnsupportedOperationException("the application's own"); };
        runner.withPropertyValues("spring.ai.model.chat=bitnet", "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath())
                .withBean(ChatModel.class, () -> own)
                .run(context -> assertThat(context.getBean(ChatModel.class)).isSameAs(own));
    }

    @Test
    void aMissingModelPathFailsStartupWithTheProperty() {
        runner.withPropertyValues("spring.ai.model.chat=bitnet").run(context -> assertThat(context).hasFailed()
                .getFailure().rootCause().hasMessageContaining("spring.ai.bitnet.chat.model-path"));
    }

    @Test
    void badDefaultOptionsFailStartupNamingTheOption() {
        runner.withPropertyValues("spring.ai.model.chat=bitnet", "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath(),
                        "spring.ai.bitnet.chat.options.top-p=1.5")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining("topP"));
    }

    @Test
    void theResponseFormatIsAPropertyToo() {
        runner.withPropertyValues("spring.ai.model.chat=bitnet", "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath(),
                        "spring.ai.bitnet.chat.options.response-format=json-object")
                .run(context -> assertThat(context.getBean(BitNetChatModel.class).getOptions().getResponseFormat())
                        .isEqualTo(dev.bitnet.structured.ResponseFormat.Kind.JSON_OBJECT));
        runner.withPropertyValues("spring.ai.model.chat=bitnet", "spring.ai.bitnet.chat.model-path=" + TestModels.demoPath(),
                        "spring.ai.bitnet.chat.options.output-schema={\"type\":\"string\",\"format\":\"email\"}")
                .run(context -> assertThat(context).hasFailed().getFailure()
                        .hasStackTraceContaining("outputSchema").hasStackTraceContaining("'format'"));
    }
}
