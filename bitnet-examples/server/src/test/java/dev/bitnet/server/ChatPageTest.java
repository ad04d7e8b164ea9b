package dev.bitnet.server;

import dev.bitnet.BitNetModel;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat page at {@code /}: served open even with an API key (the page asks for the key), self-contained
 * (nothing fetched from elsewhere), and writing text only through {@code textContent}. Its behaviour in a
 * browser is tested by {@code src/test/browser/chat-page.test.mjs}, which {@code .ci/run} runs in Chromium.
 */
class ChatPageTest {
    private static BitNetServer server;

    @BeforeAll
    static void start() throws Exception {
        Path demo = DemoModel.extract().orElseThrow();
        server = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0).withApiKey("secret"),
                () -> BitNetModel.load(demo));
        assertThat(server.awaitReady(Duration.ofMinutes(2))).isTrue();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theRootServesThePageWithoutTheApiKey() throws Exception {
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.body()).startsWith("<!doctype html>").contains("/v1/chat/completions", "/v1/models");
        assertThat(get("/index.html").body()).isEqualTo(r.body());
        // everything else still needs the key
        assertThat(get("/v1/models").statusCode()).isEqualTo(401);
    }

    @Test
    void thePageLoadsNothingFromElsewhere() throws Exception {
        HttpResponse<String> r = get("/");
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp ->
                assertThat(csp).contains("default-src 'none'", "connect-src 'self'"));
        assertThat(r.body()).doesNotContain("http://", "https://", "<link", "src=\"");
    }

    @Test
    void thePageNeverInsertsHtml() throws Exception {
        String body = get("/").body();
        assertThat(body).doesNotContain("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(");
        assertThat(body).contains("textContent");
    }

    @Test
    void otherMethodsOnThePageAreRejected() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
    }
}
