package dev.bitnet.tokenizer;

/**
 * GPT-2's reversible map between bytes and printable characters, in which byte-level vocabularies
 * spell their tokens: printable Latin-1 bytes stand for themselves, the other 68 bytes (controls,
 * space, DEL, NBSP, soft hyphen, ...) take the characters from U+0100 upwards in byte order, so a
 * space is {@code Ġ} (U+0120) and a newline {@code Ċ} (U+010A).
 */
final class ByteLevel {
    private static final char[] CHAR_OF_BYTE = new char[256];
    /** Byte of each mapped character plus one; 0 where a character stands for no byte. */
    private static final short[] BYTE_OF_CHAR = new short[256 + 68];

    static {
        int shifted = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + shifted++);
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = (short) (b + 1);
        }
    }

    private ByteLevel() {
    }

    /** The character that spells byte {@code b} (0..255). */
    static char charOf(int b) {
        return CHAR_OF_BYTE[b];
    }

    /** The byte that {@code c} spells, or -1 if {@code c} is not a byte-level character. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] - 1 : -1;
    }

    /**
     * The bytes a byte-level token spells, or {@code null} when some character of it is not a
     * byte-level character (special tokens such as {@code <|eot_id|>} are, since all their characters
     * are printable ASCII).
     */
    static byte[] toBytes(String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < out.length; i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return null;
            }
            out[i] = (byte) b;
        }
        return out;
    }

    /** The byte-level spelling of {@code bytes}. */
    static String toText(byte[] bytes, int offset, int length) {
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = CHAR_OF_BYTE[bytes[offset + i] & 0xFF];
        }
        return new String(chars);
    }
}
