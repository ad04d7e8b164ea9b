package dev.bitnet.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HubEnvironmentTest {
    @TempDir
    Path home;

    @Test
    void cacheRootFollowsHuggingfaceHubPrecedence() {
        assertThat(HubEnvironment.of(Map.of(), home).cacheDir()).isEqualTo(home.resolve(".cache/huggingface/hub"));
        assertThat(HubEnvironment.of(Map.of("XDG_CACHE_HOME", "/x"), home).cacheDir()).isEqualTo(Path.of("/x/huggingface/hub"));
        assertThat(HubEnvironment.of(Map.of("XDG_CACHE_HOME", "/x", "HF_HOME", "/h"), home).cacheDir()).isEqualTo(Path.of("/h/hub"));
        assertThat(HubEnvironment.of(Map.of("HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/old"), home).cacheDir())
                .isEqualTo(Path.of("/old"));
        assertThat(HubEnvironment.of(Map.of("HF_HOME", "/h", "HUGGINGFACE_HUB_CACHE", "/old", "HF_HUB_CACHE", "/c"), home).cacheDir())
                .isEqualTo(Path.of("/c"));
    }

    @Test
    void endpointDefaultsAndLosesItsTrailingSlash() {
        assertThat(HubEnvironment.of(Map.of(), home).endpoint()).hasToString("https://huggingface.co");
        assertThat(HubEnvironment.of(Map.of("HF_ENDPOINT", "https://hf-mirror.example/"), home).endpoint())
                .hasToString("https://hf-mirror.example");
        assertThatThrownBy(() -> HubEnvironment.of(Map.of("HF_ENDPOINT", "file:///etc"), home))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HF_ENDPOINT");
    }

    @Test
    void tokenFromVariableThenTokenPathThenHfHome() throws IOException {
        Path hfHome = home.resolve(".cache/huggingface");
        Files.createDirectories(hfHome);
        assertThat(HubEnvironment.of(Map.of(), home).token()).isEmpty();
        Files.writeString(hfHome.resolve("token"), "  hf_file \n");
        assertThat(HubEnvironment.of(Map.of(), home).token()).contains("hf_file");
        Path other = home.resolve("other-token");
        Files.writeString(other, "hf_path");
        assertThat(HubEnvironment.of(Map.of("HF_TOKEN_PATH", other.toString()), home).token()).contains("hf_path");
        assertThat(HubEnvironment.of(Map.of("HF_TOKEN", "hf_env", "HF_TOKEN_PATH", other.toString()), home).token()).contains("hf_env");
        assertThat(HubEnvironment.of(Map.of("HF_TOKEN", "hf_env"), home).toString()).doesNotContain("hf_env");
    }

    @Test
    void offlineAcceptsHuggingfaceHubTrueValues() {
        for (String v : new String[] {"1", "true", "YES", "on"}) {
            assertThat(HubEnvironment.of(Map.of("HF_HUB_OFFLINE", v), home).offline()).isTrue();
        }
        for (String v : new String[] {"0", "false", "no", ""}) {
            assertThat(HubEnvironment.of(Map.of("HF_HUB_OFFLINE", v), home).offline()).isFalse();
        }
    }

    @Test
    void timeoutsInSeconds() {
        HubEnvironment env = HubEnvironment.of(Map.of("HF_HUB_ETAG_TIMEOUT", "2.5", "HF_HUB_DOWNLOAD_TIMEOUT", "30"), home);
        assertThat(env.metadataTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(env.downloadTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThatThrownBy(() -> HubEnvironment.of(Map.of("HF_HUB_ETAG_TIMEOUT", "-1"), home))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HF_HUB_ETAG_TIMEOUT");
    }
}
