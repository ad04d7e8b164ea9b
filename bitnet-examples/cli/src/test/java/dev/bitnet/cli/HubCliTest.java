package dev.bitnet.cli;

import com.sun.net.httpserver.HttpServer;
import dev.bitnet.hub.HubEnvironment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code bitnet download} and {@code --model hf://...} against a one-file hub on loopback. */
class HubCliTest {
    static final String COMMIT = "00112233445566778899aabbccddeeff00112233";

    @TempDir
    Path tmp;
    HttpServer server;
    byte[] gguf;

    @BeforeEach
    void setUp() throws Exception {
        gguf = Files.readAllBytes(CliTest.fixture("tiny-a/gguf/tiny-a-i2_s.gguf"));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(gguf));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            try (ex) {
                if (!ex.getRequestURI().getPath().equals("/org/tiny/resolve/main/tiny-a-i2_s.gguf")
                        && !ex.getRequestURI().getPath().equals("/org/tiny/resolve/" + COMMIT + "/tiny-a-i2_s.gguf")) {
                    ex.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
                    ex.sendResponseHeaders(404, -1);
                    return;
                }
                ex.getResponseHeaders().set("X-Repo-Commit", COMMIT);
                ex.getResponseHeaders().set("ETag", "\"" + sha + "\"");
                if (ex.getRequestMethod().equals("HEAD")) {
                    ex.getResponseHeaders().set("Content-Length", Integer.toString(gguf.length));
                    ex.sendResponseHeaders(200, -1);
                } else {
                    ex.sendResponseHeaders(200, gguf.length);
                    ex.getResponseBody().write(gguf);
                }
            } catch (IOException e) {
                // client went away
            }
        });
        server.start();
        HubEnvironment env = HubEnvironment.of(Map.of("HF_HUB_CACHE", tmp.resolve("hub").toString(),
                "HF_ENDPOINT", "http://127.0.0.1:" + server.getAddress().getPort()), tmp);
        ModelArgument.environment = () -> env;
    }

    @AfterEach
    void tearDown() {
        ModelArgument.environment = HubEnvironment::fromSystem;
        server.stop(0);
    }

    Path snapshot() {
        return tmp.resolve("hub/models--org--tiny/snapshots/" + COMMIT + "/tiny-a-i2_s.gguf");
    }

    @Test
    void downloadPrintsTheLocalPath() throws IOException {
        CliTest.Result r = CliTest.run("download", "hf://org/tiny/tiny-a-i2_s.gguf");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo(snapshot().toString());
        assertThat(Files.readAllBytes(snapshot())).isEqualTo(gguf);
        // not a terminal: no progress bar
        assertThat(r.err()).isEmpty();
    }

    @Test
    void downloadJson() {
        CliTest.Result r = CliTest.run("download", "--json", "hf://org/tiny/tiny-a-i2_s.gguf");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("{\"reference\":\"hf://org/tiny/tiny-a-i2_s.gguf\",\"path\":\"" + snapshot() + "\"}");
    }

    @Test
    void modelFlagAcceptsHubReferences() {
        CliTest.Result info = CliTest.run("info", "--model", "hf://org/tiny/tiny-a-i2_s.gguf");
        assertThat(info.code()).as(info.err()).isZero();
        assertThat(info.out()).contains(snapshot().toString());
        CliTest.Result gen = CliTest.run("generate", "--model", "hf://org/tiny/tiny-a-i2_s.gguf", "--prompt-ids", "508,72,101",
                "--max-tokens", "4", "--temperature", "0", "--json");
        assertThat(gen.code()).as(gen.err()).isZero();
        assertThat(gen.out()).contains("\"finish_reason\"");
    }

    @Test
    void downloadErrors() {
        CliTest.Result none = CliTest.run("download");
        assertThat(none.code()).isEqualTo(2);
        CliTest.Result local = CliTest.run("download", "models/x.gguf");
        assertThat(local.code()).isEqualTo(2);
        assertThat(local.err()).contains("not a Hub reference");
        CliTest.Result bad = CliTest.run("download", "hf://org/tiny/../x");
        assertThat(bad.code()).isEqualTo(2);
        CliTest.Result missing = CliTest.run("download", "hf://org/tiny/nope.gguf");
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.gguf").contains("org/tiny").contains("404");
        // other commands still refuse stray arguments
        CliTest.Result stray = CliTest.run("info", "hf://org/tiny/tiny-a-i2_s.gguf");
        assertThat(stray.code()).isEqualTo(2);
        assertThat(stray.err()).contains("unexpected argument");
    }

    @Test
    void progressLineShowsBytesRateAndEta() {
        // 30 MiB of 100 MiB, 10 MiB of them resumed, 2 s elapsed: 10 MiB/s, 70 MiB left
        String line = ProgressBar.line("model.gguf", 30L << 20, 100L << 20, 10L << 20, 2_000_000_000L);
        assertThat(line).isEqualTo("model.gguf  30% 30.0 MiB / 100.0 MiB  10.0 MiB/s  ETA 0:07");
        assertThat(ProgressBar.line("x", 0, 10, 0, 0)).contains("ETA --:--");
        assertThat(ProgressBar.duration(3725)).isEqualTo("1:02:05");
    }
}
