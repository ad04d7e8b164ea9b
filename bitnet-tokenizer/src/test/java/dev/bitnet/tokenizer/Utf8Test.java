package dev.bitnet.tokenizer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8Test {
    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    private static String decode(int... values) {
        byte[] b = bytes(values);
        return Utf8.decode(b, 0, b.length);
    }

    @Test
    void decodesWellFormedText() {
        String text = "a\u00E9\u20AC\uD83D\uDE00";
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(Utf8.decode(b, 0, b.length)).isEqualTo(text);
    }

    @Test
    void replacesEachMaximalIllFormedSubpart() {
        // Expected renderings are those of Rust's String::from_utf8_lossy, which Hugging Face decode uses.
        assertThat(decode(0xF0, 0x9F, 0x98)).isEqualTo("\uFFFD");
        assertThat(decode(0xE0, 0x80)).isEqualTo("\uFFFD\uFFFD");
        assertThat(decode(0xED, 0xA0, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(decode(0xF4, 0x90, 0x80, 0x80)).isEqualTo("\uFFFD\uFFFD\uFFFD\uFFFD");
        assertThat(decode(0xC0, 0xAF)).isEqualTo("\uFFFD\uFFFD");
        assertThat(decode(0xF0, 0x9F, 0x98, 0x41)).isEqualTo("\uFFFDA");
        assertThat(decode(0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2)).isEqualTo("\uFFFD\uFFFD\uFFFD");
        assertThat(decode(0xF8, 0x88, 0x80, 0x80, 0x80)).isEqualTo("\uFFFD".repeat(5));
    }

    @Test
    void holdsBackOnlyWellFormedUnfinishedCharacters() {
        assertThat(Utf8.unfinishedTail(bytes(0x41, 0xF0, 0x9F, 0x98), 4)).isEqualTo(3);
        assertThat(Utf8.unfinishedTail(bytes(0x41, 0xF0, 0x9F), 3)).isEqualTo(2);
        assertThat(Utf8.unfinishedTail(bytes(0x41, 0xE2), 2)).isEqualTo(1);
        assertThat(Utf8.unfinishedTail(bytes(0xF0, 0x9F, 0x98, 0x80), 4)).isZero();
        assertThat(Utf8.unfinishedTail(bytes(0xE0, 0x80), 2)).isZero();
        assertThat(Utf8.unfinishedTail(bytes(0xED, 0xA0), 2)).isZero();
        assertThat(Utf8.unfinishedTail(bytes(0xC0), 1)).isZero();
        assertThat(Utf8.unfinishedTail(bytes(0x80, 0x80, 0x80), 3)).isZero();
        assertThat(Utf8.unfinishedTail(bytes(0x41), 1)).isZero();
        assertThat(Utf8.unfinishedTail(bytes(), 0)).isZero();
    }

    @Test
    void encodesSlicesAndReplacesLoneSurrogates() {
        byte[] out = new byte[32];
        String s = "x\u00E9\uD83D\uDE00\uD800y";
        int n = Utf8.encode(s, 1, s.length(), out);
        assertThat(java.util.Arrays.copyOf(out, n))
                .containsExactly(bytes(0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0xEF, 0xBF, 0xBD, 0x79));
    }
}
