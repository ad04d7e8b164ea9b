package dev.bitnet.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Regressions from the outside fuzz campaign (issue 11): every bad file ends in TokenizerFormatException. */
class TokenizerJsonHostileTest {
    @TempDir
    Path dir;

    private Path write(byte[] bytes) throws IOException {
        Path p = dir.resolve("tokenizer.json");
        Files.write(p, bytes);
        return p;
    }

    private Path write(String json) throws IOException {
        return write(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String valid() {
        return TokenizerJsonTest.file(s -> s);
    }

    @Test
    void nestingDeeperThanTheParserLimitIsAFormatError() throws IOException {
        String deep = "{\"x\":" + "[".repeat(1001) + "]".repeat(1001) + "}";
        assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(write(deep)))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining("not valid JSON").hasMessageContaining("nesting");
    }

    @Test
    void everyTruncationIsAFormatError() throws IOException {
        byte[] full = valid().getBytes(StandardCharsets.UTF_8);
        for (int cut = 0; cut < full.length; cut += 97) {
            Path p = write(Arrays.copyOf(full, cut));
            assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(p)).as("cut at %d", cut)
                    .isInstanceOf(TokenizerFormatException.class);
        }
    }

    @Test
    void oddEncodingsAreFormatErrors() throws IOException {
        // UTF-32 byte order marks and lone bytes make Jackson guess an encoding it then cannot decode
        byte[][] cases = {
                {0, 0, (byte) 0xFE, (byte) 0xFF, 0, 0, 0, '{', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF},
                {(byte) 0xFF, (byte) 0xFE, 0, 0, '{', 0, 0, 0, 0, (byte) 0xD8, 0, 0},
                {'{', '"', (byte) 0xC3, '"', ':', '1', '}'},
                {(byte) 0xFE, (byte) 0xFF, 0, '{', (byte) 0xDC, 0},
                {0, '{', 0},
        };
        for (byte[] c : cases) {
            Path p = write(c);
            assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(p)).as(Arrays.toString(c))
                    .isInstanceOf(TokenizerFormatException.class);
        }
    }

    @Test
    void addedTokensElementThatIsNotAnObjectIsNamed() throws IOException {
        String json = valid().replace("\"added_tokens\":[", "\"added_tokens\":[7,");
        assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(write(json)))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining("added_tokens[0]").hasMessageNotContaining("model.vocab");
    }

    @Test
    void trailingContentAfterTheTopLevelObjectIsRejected() throws IOException {
        assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(write(valid() + "garbage")))
                .isInstanceOf(TokenizerFormatException.class);
        assertThatThrownBy(() -> Tokenizer.fromTokenizerJson(write(valid() + "{}")))
                .isInstanceOf(TokenizerFormatException.class)
                .hasMessageContaining("content after the top-level object");
    }

    @Test
    void whitespaceAfterTheTopLevelObjectIsFine() throws IOException {
        Tokenizer.fromTokenizerJson(write(valid() + "\n\n  "));
    }
}
