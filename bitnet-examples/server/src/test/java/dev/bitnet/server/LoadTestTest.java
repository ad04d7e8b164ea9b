package dev.bitnet.server;

import dev.bitnet.BitNetModel;
import dev.bitnet.examples.demo.DemoModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class LoadTestTest {
    @Test
    void percentilesAreNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertThat(LoadTest.percentile(v, 50)).isEqualTo(5);
        assertThat(LoadTest.percentile(v, 99)).isEqualTo(10);
        assertThat(LoadTest.percentile(new double[0], 50)).isZero();
    }

    @Test
    void aRunAgainstTheDemoModelCountsEveryRequestAndToken() throws Exception {
        Path demo = DemoModel.extract().orElseThrow();
        try (BitNetServer server = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0)
                .withCapacity(2, 8).withApiKey("k"), () -> BitNetModel.load(demo))) {
            assertThat(server.awaitReady(Duration.ofMinutes(1))).isTrue();
            LoadTest.Result r = new LoadTest(server.baseUrl(), 3, 6, 8, "Hello", "k").run();
            assertThat(r.errors()).as(r.toText()).isZero();
            assertThat(r.requests()).isEqualTo(6);
            assertThat(r.tokens()).isBetween(6L, 48L);
            assertThat(r.latencyP99Ms()).isGreaterThanOrEqualTo(r.latencyP50Ms());
            assertThat(r.toJson()).startsWith("{\"clients\":3,\"requests\":6,\"errors\":0,");
            LoadTest.Result denied = new LoadTest(server.baseUrl(), 1, 2, 8, "Hello", "wrong").run();
            assertThat(denied.errors()).isEqualTo(2);
            assertThat(denied.firstError()).contains("HTTP 401");
        }
    }
}
