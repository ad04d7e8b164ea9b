package dev.bitnet.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.bitnet.BitNetModel;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java client against a server on loopback serving the demo model. */
class OpenAiClientTest {
    static final String PROMPT = "Tell me a story about a cat.";
    static Path demo;
    static BitNetServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        demo = DemoModel.extract().orElseThrow();
        server = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0).withCapacity(4, 16)
                .withModelId("demo"), () -> BitNetModel.load(demo));
        assertThat(server.awaitReady(Duration.ofMinutes(2))).isTrue();
        client = client(server, "unused");
    }

    static OpenAIClient client(BitNetServer s, String key) {
        return OpenAIOkHttpClient.builder().baseUrl(s.baseUrl() + "/v1").apiKey(key).maxRetries(0)
                .timeout(Duration.ofSeconds(60)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    static ChatCompletionCreateParams.Builder chat(long seed, int maxTokens) {
        return ChatCompletionCreateParams.builder().model("demo").addUserMessage(PROMPT).seed(seed).temperature(0.9)
                .maxCompletionTokens(maxTokens);
    }

    @Test
    void chatCompletionCarriesTextUsageAndIds() {
        ChatCompletion c = client.chat().completions().create(chat(1, 24).build());
        assertThat(c.id()).startsWith("chatcmpl-");
        assertThat(c.model()).isEqualTo("demo");
        assertThat(c.created()).isPositive();
        assertThat(c.choices()).hasSize(1);
        ChatCompletion.Choice choice = c.choices().get(0);
        assertThat(choice.message().content()).isPresent();
        assertThat(choice.finishReason().asString()).isIn("stop", "length");
        var usage = c.usage().orElseThrow();
        assertThat(usage.promptTokens()).isGreaterThan(5);
        assertThat(usage.completionTokens()).isBetween(1L, 24L);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    }

    @Test
    void theTokenLimitEndsWithLength() {
        ChatCompletion c = client.chat().completions().create(chat(3, 5).logitBias(noStopTokens()).build());
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(5);
    }

    /** A logit_bias forbidding the demo model's stop tokens, so that only the limit can end a generation. */
    static ChatCompletionCreateParams.LogitBias noStopTokens() {
        var b = ChatCompletionCreateParams.LogitBias.builder();
        try (BitNetModel m = BitNetModel.load(demo)) {
            for (int id : m.tokenizer().stopIds()) {
                b.putAdditionalProperty(Integer.toString(id), JsonValue.from(-100));
            }
            m.tokenizer().tokenId("<|eot_id|>").ifPresent(id -> b.putAdditionalProperty(Integer.toString(id), JsonValue.from(-100)));
        }
        return b.build();
    }

    @Test
    void theSameSeedGivesTheSameText() {
        String a = text(client.chat().completions().create(chat(42, 32).build()));
        String b = text(client.chat().completions().create(chat(42, 32).build()));
        String other = text(client.chat().completions().create(chat(43, 32).build()));
        assertThat(a).isEqualTo(b).isNotEmpty();
        assertThat(other).isNotEqualTo(a);
    }

    static String text(ChatCompletion c) {
        return c.choices().get(0).message().content().orElse("");
    }

    @Test
    void streamingSendsRoleDeltasFinishAndUsage() {
        String alone = text(client.chat().completions().create(chat(7, 32).build()));
        List<ChatCompletionChunk> chunks;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat(7, 32)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            chunks = s.stream().toList();
        }
        assertThat(chunks.get(0).choices().get(0).delta().role()).isPresent();
        StringBuilder text = new StringBuilder();
        String finish = null;
        for (ChatCompletionChunk c : chunks) {
            assertThat(c.id()).isEqualTo(chunks.get(0).id());
            for (var choice : c.choices()) {
                choice.delta().content().ifPresent(text::append);
                if (choice.finishReason().isPresent()) {
                    finish = choice.finishReason().get().asString();
                }
            }
        }
        assertThat(text.toString()).isEqualTo(alone);
        assertThat(finish).isIn("stop", "length");
        ChatCompletionChunk last = chunks.get(chunks.size() - 1);
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isBetween(1L, 32L);
    }

    @Test
    void aStopStringEndsTheTextBeforeIt() {
        String full = text(client.chat().completions().create(chat(11, 40).temperature(0.0).build()));
        assertThat(full.length()).isGreaterThan(6);
        String stop = full.substring(full.length() / 2, full.length() / 2 + 2);
        ChatCompletion c = client.chat().completions().create(chat(11, 40).temperature(0.0).stop(stop).build());
        assertThat(text(c)).isEqualTo(full.substring(0, full.indexOf(stop)));
        assertThat(c.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    }

    @Test
    void textCompletions() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("demo")
                .prompt("Once upon a time").maxTokens(12).seed(5).temperature(0.8).build());
        assertThat(c.id()).startsWith("cmpl-");
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().get(0).text()).isNotEmpty();
        assertThat(c.usage().orElseThrow().completionTokens()).isBetween(1L, 12L);
        Completion again = client.completions().create(CompletionCreateParams.builder().model("demo")
                .prompt("Once upon a time").maxTokens(12).seed(5).temperature(0.8).build());
        assertThat(again.choices().get(0).text()).isEqualTo(c.choices().get(0).text());
    }

    @Test
    void modelsListsTheServedModel() {
        List<Model> models = client.models().list().data();
        assertThat(models).extracting(Model::id).containsExactly("demo");
        assertThat(client.models().retrieve("demo").id()).isEqualTo("demo");
    }

    @Test
    void unsupportedFieldsAreRefusedByName() {
        assertThatThrownBy(() -> client.chat().completions().create(chat(1, 4).n(2).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("n"));
        assertThatThrownBy(() -> client.chat().completions().create(chat(1, 4)
                .putAdditionalBodyProperty("functions", JsonValue.from(List.of(Map.of("name", "f")))).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("functions"));
        assertThatThrownBy(() -> client.chat().completions().create(chat(1, 4).temperature(7.0).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("temperature");
                    assertThat(e.type()).contains("invalid_request_error");
                });
    }

    @Test
    void concurrentClientsGetTheTextTheyWouldGetAlone() throws Exception {
        int n = 6;
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            alone.add(text(client.chat().completions().create(chat(100 + i, 24).build())));
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(n)) {
            List<Future<String>> together = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                long seed = 100 + i;
                together.add(pool.submit(() -> text(client.chat().completions().create(chat(seed, 24).build()))));
            }
            for (int i = 0; i < n; i++) {
                assertThat(together.get(i).get()).as("client %d", i).isEqualTo(alone.get(i));
            }
        }
    }

    @Test
    void aWrongOrMissingKeyIs401AndHealthStaysOpen() throws Exception {
        try (BitNetServer keyed = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0)
                .withApiKey("sesame").withModelId("demo"), () -> BitNetModel.load(demo))) {
            assertThat(keyed.awaitReady(Duration.ofMinutes(1))).isTrue();
            OpenAIClient wrong = client(keyed, "open");
            OpenAIClient right = client(keyed, "sesame");
            try {
                assertThatThrownBy(() -> wrong.models().list())
                        .isInstanceOfSatisfying(OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(401));
                assertThat(right.chat().completions().create(chat(1, 4).build()).choices()).hasSize(1);
                assertThat(RawHttp.get(keyed, "/health").status()).isEqualTo(200);
                assertThat(RawHttp.get(keyed, "/metrics").status()).isEqualTo(401);
            } finally {
                wrong.close();
                right.close();
            }
        }
    }
}
