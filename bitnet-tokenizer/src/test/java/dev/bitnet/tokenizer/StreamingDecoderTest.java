package dev.bitnet.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class StreamingDecoderTest {
    private final Tokenizer tokenizer = Fixtures.llama3();

    private int byteToken(int b) {
        return tokenizer.tokenId(String.valueOf(ByteLevel.charOf(b))).orElseThrow();
    }

    @Test
    void emitsACharacterOnlyWhenItsLastByteArrives() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertThat(decoder.push(byteToken(0xF0))).isEmpty();
        assertThat(decoder.push(byteToken(0x9F))).isEmpty();
        assertThat(decoder.push(byteToken(0x98))).isEmpty();
        assertThat(decoder.push(byteToken(0x80))).isEqualTo("\uD83D\uDE00");
        assertThat(decoder.flush()).isEmpty();
        // "😀" as the model writes it: 76460 = F0 9F 98, 222 = 80.
        assertThat(decoder.push(76460)).isEmpty();
        assertThat(decoder.push(222)).isEqualTo("\uD83D\uDE00");
        assertThat(decoder.push(9906)).isEqualTo("Hello");
        assertThat(decoder.push(128009)).isEqualTo("<|eot_id|>");
    }

    @Test
    void flushRendersAnUnfinishedCharacterAsReplacement() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertThat(decoder.push(9906)).isEqualTo("Hello");
        assertThat(decoder.push(76460)).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
        assertThat(decoder.flush()).isEmpty();
    }

    @Test
    void invalidBytesAreEmittedAtOnce() {
        StreamingDecoder decoder = tokenizer.newStreamingDecoder();
        assertThat(decoder.push(byteToken(0xED))).isEmpty();
        assertThat(decoder.push(byteToken(0xA0))).isEqualTo("\uFFFD\uFFFD");
    }

    /**
     * For random id sequences (whole tokens, stray byte tokens, specials) and every split point k: the
     * text streamed for ids[0, k) plus flush equals decode(ids[0, k)), and streaming on to the end gives
     * decode(ids).
     */
    @Test
    void concatenatedOutputEqualsDecodeAtEverySplitPoint() {
        Random random = new Random(42L);
        int[] interesting = {0xF0, 0x9F, 0x98, 0x80, 0xE2, 0x82, 0xAC, 0xED, 0xA0, 0xC3, 0xA9, 0xF4, 0x90, 0xBF, 0x41};
        for (int round = 0; round < 400; round++) {
            int[] ids = new int[1 + random.nextInt(24)];
            for (int i = 0; i < ids.length; i++) {
                int r = random.nextInt(10);
                ids[i] = r < 5 ? byteToken(interesting[random.nextInt(interesting.length)])
                        : r < 9 ? random.nextInt(128000) : 128000 + random.nextInt(256);
            }
            String whole = tokenizer.decode(ids);
            for (int k = 0; k <= ids.length; k++) {
                StreamingDecoder decoder = tokenizer.newStreamingDecoder();
                StringBuilder head = new StringBuilder();
                for (int i = 0; i < k; i++) {
                    head.append(decoder.push(ids[i]));
                }
                StringBuilder rest = new StringBuilder();
                for (int i = k; i < ids.length; i++) {
                    rest.append(decoder.push(ids[i]));
                }
                rest.append(decoder.flush());
                assertThat(head + rest.toString()).as("ids %s split at %d", Arrays.toString(ids), k).isEqualTo(whole);

                StreamingDecoder prefix = tokenizer.newStreamingDecoder();
                StringBuilder prefixText = new StringBuilder();
                for (int i = 0; i < k; i++) {
                    prefixText.append(prefix.push(ids[i]));
                }
                assertThat(prefixText.toString()).isEqualTo(head.toString());
                prefixText.append(prefix.flush());
                assertThat(prefixText.toString()).isEqualTo(tokenizer.decode(Arrays.copyOf(ids, k)));
            }
        }
    }
}
