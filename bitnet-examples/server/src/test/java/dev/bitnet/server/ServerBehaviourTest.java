package dev.bitnet.server;

import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The server's HTTP behaviour, over plain HTTP: errors, limits, cancellation, loading and shutdown. */
class ServerBehaviourTest {
    static Path demo;
    static BitNetServer server;
    static String noStops;

    /** One slot and no queue, so a held stream makes the next request a 429; a long context for long streams. */
    static BitNetModel loadLong() {
        return BitNetModel.load(demo, LoadOptions.builder().contextLength(4096).build());
    }

    /** The engine is the class's: {@code threads} for {@link ThreadedEngineServerTest}, else {@code batch}. */
    @BeforeAll
    static void start(TestInfo info) throws Exception {
        startWith(info.getTestClass().orElseThrow() == ThreadedEngineServerTest.class ? "threads" : "batch");
    }

    static void startWith(String engine) throws Exception {
        demo = DemoModel.extract().orElseThrow();
        server = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0).withCapacity(1, 0)
                .withMaxBodyBytes(64 * 1024).withModelId("demo").withEngine(engine), ServerBehaviourTest::loadLong);
        assertThat(server.awaitReady(Duration.ofMinutes(2))).isTrue();
        assertThat(server.engine().name()).isEqualTo(engine);
        try (BitNetModel m = BitNetModel.load(demo)) {
            noStops = m.tokenizer().stopIds().stream().map(id -> "\"" + id + "\":-100").collect(Collectors.joining(","));
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String longStream() {
        return "{\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}],\"stream\":true,\"seed\":1,"
                + "\"logit_bias\":{" + noStops + "}}";
    }

    static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void malformedJsonIsAnOpenAiShaped400() throws Exception {
        RawHttp.Reply r = RawHttp.post(server, "/v1/chat/completions", "{\"messages\": [");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("\"error\"", "\"type\":\"invalid_request_error\"", "malformed JSON");
        assertThat(RawHttp.post(server, "/v1/chat/completions", "[1,2]").status()).isEqualTo(400);
        assertThat(RawHttp.post(server, "/v1/chat/completions", "").status()).isEqualTo(400);
    }

    @Test
    void wrongTypesAndRangesName400() throws Exception {
        RawHttp.Reply r = RawHttp.post(server, "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("\"param\":\"max_tokens\"");
        r = RawHttp.post(server, "/v1/completions", "{\"prompt\":\"hi\",\"top_p\":1.5}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("\"param\":\"top_p\"");
        r = RawHttp.post(server, "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}}]}]}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("\"param\":\"messages[0].content[0].type\"");
    }

    @Test
    void aPromptLongerThanTheContextIs400() throws Exception {
        RawHttp.Reply r = RawHttp.post(server, "/v1/completions", "{\"prompt\":\"" + "word ".repeat(6000) + "\"}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("context_length_exceeded");
    }

    @Test
    void aBodyOverTheCapIs413() throws Exception {
        RawHttp.Reply r = RawHttp.post(server, "/v1/completions", "{\"prompt\":\"" + "a".repeat(70_000) + "\"}");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.body()).contains("request_too_large");
    }

    @Test
    void unknownRoutesAre404AndWrongMethods405() throws Exception {
        assertThat(RawHttp.get(server, "/v2/nothing").status()).isEqualTo(404);
        assertThat(RawHttp.get(server, "/v1/chat/completions").status()).isEqualTo(405);
        assertThat(RawHttp.get(server, "/v1/models/other").status()).isEqualTo(404);
    }

    @Test
    void theStreamIsServerSentEventsEndingWithDone() throws Exception {
        RawHttp.Reply r = RawHttp.post(server, "/v1/chat/completions", "{\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}],\"stream\":true,\"max_tokens\":8,\"stream_options\":{\"include_usage\":true}}");
        assertThat(r.status()).isEqualTo(200);
        String[] events = r.body().split("\n\n");
        assertThat(events[0]).startsWith("data: {").contains("\"role\":\"assistant\"", "chat.completion.chunk");
        assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
        assertThat(events[events.length - 2]).contains("\"choices\":[]", "\"usage\":{\"prompt_tokens\":");
        assertThat(events[events.length - 3]).contains("\"finish_reason\":\"");
    }

    @Test
    void aClientThatHangsUpCancelsItsGenerationAndFreesTheSlot() throws Exception {
        Metrics metrics = server.metrics();
        long before = cancelled();
        try (Socket socket = RawHttp.open(server, "/v1/chat/completions", longStream())) {
            RawHttp.readUntil(socket, "\"delta\":{\"content\":\""); // a token, not the role chunk
            assertThat(server.engine().activeGenerations()).isEqualTo(1);
            // while it runs, the only slot is taken and there is no queue: the next request is turned away
            RawHttp.Reply busy = RawHttp.post(server, "/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2}");
            assertThat(busy.status()).isEqualTo(429);
            assertThat(busy.body()).contains("rate_limit_error");
        }
        await(() -> server.engine().activeGenerations() == 0, "the generation ends");
        assertThat(cancelled()).isEqualTo(before + 1);
        assertThat(metrics.activeStreams()).isZero();
        assertThat(RawHttp.post(server, "/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2}").status()).isEqualTo(200);
    }

    static long cancelled() {
        return server.metrics().render().lines().filter(l -> l.startsWith("bitnet_cancelled_generations_total "))
                .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(' ') + 1))).findFirst().orElseThrow();
    }

    @Test
    void metricsAreProometheusText() throws Exception {
        RawHttp.post(server, "/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":3}");
        RawHttp.Reply r = RawHttp.get(server, "/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).contains("# TYPE bitnet_requests_total counter",
                "bitnet_requests_total{route=\"/v1/completions\",status=\"200\"}", "bitnet_prompt_tokens_total ",
                "bitnet_generated_tokens_total ", "bitnet_queue_depth 0", "bitnet_active_streams ",
                "bitnet_generated_tokens_per_second ");
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() throws Exception {
        RawHttp.Reply t = RawHttp.post(server, "/tokenize", "{\"content\":\"Hello world\"}");
        assertThat(t.status()).isEqualTo(200);
        assertThat(t.body()).matches("\\{\"tokens\":\\[\\d+(,\\d+)*]}");
        String ids = t.body().substring(t.body().indexOf('[') + 1, t.body().indexOf(']'));
        RawHttp.Reply d = RawHttp.post(server, "/detokenize", "{\"tokens\":[" + ids + "]}");
        assertThat(d.body()).isEqualTo("{\"content\":\"Hello world\"}");
        RawHttp.Reply pieces = RawHttp.post(server, "/tokenize", "{\"content\":\"Hello\",\"with_pieces\":true}");
        assertThat(pieces.body()).contains("\"id\":", "\"piece\":\"");
        RawHttp.Reply bos = RawHttp.post(server, "/tokenize", "{\"content\":\"Hello\",\"add_special\":true}");
        assertThat(bos.body().length()).isGreaterThan(t.body().length() - 10);
        assertThat(RawHttp.post(server, "/detokenize", "{\"tokens\":[-1]}").status()).isEqualTo(400);
    }

    @Test
    void healthIs503WhileLoadingThen200() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (BitNetServer loading = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0), () -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return BitNetModel.load(demo);
        })) {
            RawHttp.Reply r = RawHttp.get(loading, "/health");
            assertThat(r.status()).isEqualTo(503);
            assertThat(r.body()).contains("Loading model");
            assertThat(RawHttp.post(loading, "/v1/completions", "{\"prompt\":\"hi\"}").status()).isEqualTo(503);
            release.countDown();
            assertThat(loading.awaitReady(Duration.ofMinutes(1))).isTrue();
            assertThat(RawHttp.get(loading, "/health").body()).isEqualTo("{\"status\":\"ok\"}");
        }
    }

    @Test
    void closingEndsRunningStreamsCleanly() throws Exception {
        BitNetServer closing = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0),
                ServerBehaviourTest::loadLong);
        assertThat(closing.awaitReady(Duration.ofMinutes(1))).isTrue();
        try (Socket socket = RawHttp.open(closing, "/v1/chat/completions", longStream())) {
            RawHttp.readUntil(socket, "\"delta\":{\"content\":\""); // a token, not the role chunk
            Thread closer = Thread.ofVirtual().start(closing::close);
            String rest = RawHttp.readUntil(socket, "data: [DONE]");
            assertThat(rest).contains("\"finish_reason\":\"stop\"", "data: [DONE]");
            closer.join(Duration.ofSeconds(30));
        }
        assertThat(closing.engine().activeGenerations()).isZero();
    }
}
