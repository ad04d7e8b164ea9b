package dev.bitnet.hub;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HubReferenceTest {
    @Test
    void parsesFileCheckpointAndRevision() {
        assertThat(HubReference.parse("hf://microsoft/bitnet-b1.58-2B-4T-gguf/ggml-model-i2_s.gguf"))
                .isEqualTo(new HubReference("microsoft/bitnet-b1.58-2B-4T-gguf", "main", "ggml-model-i2_s.gguf"));
        assertThat(HubReference.parse("hf://microsoft/bitnet-b1.58-2B-4T")).isEqualTo(new HubReference("microsoft/bitnet-b1.58-2B-4T", "main", null));
        assertThat(HubReference.parse("hf://org/repo/")).isEqualTo(new HubReference("org/repo", "main", null));
        assertThat(HubReference.parse("hf://org/repo@v1.0/sub/dir/model.gguf"))
                .isEqualTo(new HubReference("org/repo", "v1.0", "sub/dir/model.gguf"));
        assertThat(HubReference.parse("hf://org/repo@refs%2Fpr%2F3").revision()).isEqualTo("refs/pr/3");
        assertThat(HubReference.parse("HF://org/repo").repo()).isEqualTo("org/repo");
    }

    @Test
    void printsBackToTheSameText() {
        for (String s : new String[] {"hf://org/repo", "hf://org/repo@dev/a/b.gguf", "hf://org/repo@refs%2Fpr%2F3/x"}) {
            assertThat(HubReference.parse(s)).hasToString(s);
        }
    }

    @Test
    void commitRevisionIsPinned() {
        assertThat(HubReference.parse("hf://org/repo@0123456789abcdef0123456789abcdef01234567/x").pinnedToCommit()).isTrue();
        assertThat(HubReference.parse("hf://org/repo@main/x").pinnedToCommit()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"hf://org", "hf://org/", "hf:///repo", "hf://org/repo@/x", "hf://org/re po", "hf://o--x/repo",
            "hf://org/repo/../../etc/passwd", "hf://org/repo/a//b", "hf://org/repo/./a", "hf://org/repo/a\\b",
            "hf://org/repo/a\u0000b", "hf://org/repo@../../x/file", "hf://../repo/x", "hf://org/../x", "/local/path"})
    void rejectsMalformedOrEscapingReferences(String text) {
        assertThatThrownBy(() -> HubReference.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void recognizesTheScheme() {
        assertThat(HubReference.isHubReference("hf://a/b")).isTrue();
        assertThat(HubReference.isHubReference("models/x.gguf")).isFalse();
        assertThat(HubReference.isHubReference("hf:/a/b")).isFalse();
    }
}
