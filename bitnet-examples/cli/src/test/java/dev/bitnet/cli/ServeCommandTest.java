package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.server.BitNetServer;
import dev.bitnet.server.ServerOptions;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bitnet serve} flag checks and {@code bitnet loadtest} against a server on loopback. */
class ServeCommandTest {
    @Test
    void badServeFlagsAreUsageErrors() {
        CliTest.Result r = CliTest.run("serve", "--parallel", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("parallel");
        assertThat(CliTest.run("serve", "--port", "70000").code()).isEqualTo(2);
        assertThat(CliTest.run("serve", "--engine", "gpu").code()).isEqualTo(2);
        assertThat(CliTest.run("serve", "--bogus", "1").code()).isEqualTo(2);
    }

    @Test
    void loadtestReportsJsonAgainstARunningServer() throws Exception {
        var demo = dev.bitnet.examples.demo.DemoModel.extract().orElseThrow();
        try (BitNetServer server = BitNetServer.start(ServerOptions.defaults().withAddress("127.0.0.1", 0),
                () -> BitNetModel.load(demo))) {
            assertThat(server.awaitReady(Duration.ofMinutes(1))).isTrue();
            CliTest.Result r = CliTest.run("loadtest", "--url", server.baseUrl(), "--clients", "2", "--requests", "4",
                    "--max-tokens", "4", "--json");
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("{\"clients\":2,\"requests\":4,\"errors\":0,");
        }
        assertThat(CliTest.run("loadtest", "--clients", "1", "--requests", "1").code()).isEqualTo(2);
    }
}
