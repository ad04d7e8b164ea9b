package dev.bitnet.tokenizer;

/** UTF-8 helpers for encoding text slices without allocation and for cutting byte streams at code points. */
final class Utf8 {
    private Utf8() {
    }

    /**
     * Encodes {@code s[start, end)} into {@code dst} (which needs {@code 3 * (end - start)} bytes) and
     * returns the byte count. A surrogate without its partner cannot be encoded and becomes U+FFFD.
     */
    static int encode(String s, int start, int end, byte[] dst) {
        int n = 0;
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                dst[n++] = (byte) c;
            } else if (c < 0x800) {
                dst[n++] = (byte) (0xC0 | (c >> 6));
                dst[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    dst[n++] = (byte) (0xF0 | (cp >> 18));
                    dst[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    dst[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    dst[n++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    dst[n++] = (byte) 0xEF;
                    dst[n++] = (byte) 0xBF;
                    dst[n++] = (byte) 0xBD;
                }
            } else {
                dst[n++] = (byte) (0xE0 | (c >> 12));
                dst[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                dst[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }

    /**
     * Decodes {@code b[offset, offset + length)}, replacing each maximal ill-formed subpart with U+FFFD
     * (the Unicode-recommended practice, which Rust's {@code String::from_utf8_lossy} and so Hugging
     * Face tokenizers follow; Java's own decoder differs, e.g. on encoded surrogates).
     */
    static String decode(byte[] b, int offset, int length) {
        StringBuilder out = new StringBuilder(length);
        int end = offset + length;
        int i = offset;
        while (i < end) {
            int lead = b[i] & 0xFF;
            if (lead < 0x80) {
                out.append((char) lead);
                i++;
                continue;
            }
            int need = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : 1;
            if (lead < 0xC2 || lead > 0xF4) {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int cp = lead & (0x3F >> need);
            int j = i + 1;
            boolean complete = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= end || !allowed(lead, k, b[j] & 0xFF)) {
                    complete = false;
                    break;
                }
                cp = (cp << 6) | (b[j] & 0x3F);
            }
            if (complete) {
                out.appendCodePoint(cp);
            } else {
                out.append('\uFFFD');
            }
            i = j;
        }
        return out.toString();
    }

    /**
     * How many bytes at the end of {@code b[0, len)} begin a well-formed code point that is not
     * finished yet (0 to 3). Those bytes must wait for the next token; everything before them decodes
     * the same now as it will once more bytes arrive.
     */
    static int unfinishedTail(byte[] b, int len) {
        for (int back = 1; back <= 3 && back <= len; back++) {
            int lead = b[len - back] & 0xFF;
            if (lead < 0x80) {
                return 0;
            }
            if (lead >= 0xC0) {
                int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                return back < need && continues(lead, b, len - back + 1, len) ? back : 0;
            }
        }
        return 0;
    }

    /** Whether {@code b[from, to)} are continuation bytes allowed after {@code lead}. */
    private static boolean continues(int lead, byte[] b, int from, int to) {
        if (lead < 0xC2 || lead > 0xF4) {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (!allowed(lead, i - from, b[i] & 0xFF)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether {@code c} may be continuation byte number {@code k} (0-based) after {@code lead}; the
     * first one is narrowed for E0, ED, F0 and F4 to exclude overlong forms, surrogates and code
     * points above U+10FFFF (Unicode table 3-7).
     */
    private static boolean allowed(int lead, int k, int c) {
        int lo = 0x80;
        int hi = 0xBF;
        if (k == 0) {
            switch (lead) {
                case 0xE0 -> lo = 0xA0;
                case 0xED -> hi = 0x9F;
                case 0xF0 -> lo = 0x90;
                case 0xF4 -> hi = 0x8F;
                default -> { }
            }
        }
        return c >= lo && c <= hi;
    }
}
