package dev.bitnet.tokenizer;

/**
 * The Unicode classes the pre-tokenizer patterns test: {@code \p{L}}, {@code \p{N}} and {@code \s}
 * (the White_Space property). Java's general categories follow the same Unicode version (16.0) as the
 * regex engine inside Hugging Face tokenizers 0.23; every code point was checked against it.
 */
final class CharClass {
    static final byte OTHER = 0;
    static final byte LETTER = 1;
    static final byte NUMBER = 2;
    static final byte SPACE = 3;

    /** Class of every BMP code point; lone surrogates read as OTHER, like the U+FFFD they encode to. */
    private static final byte[] BMP = new byte[0x10000];

    static {
        for (int c = 0; c < BMP.length; c++) {
            BMP[c] = compute(c);
        }
    }

    private CharClass() {
    }

    /** Class of the code point {@code cp}. */
    static int of(int cp) {
        return cp < 0x10000 ? BMP[cp] : compute(cp);
    }

    /**
     * Class of the code point starting at {@code i}; a high surrogate followed by a low one is read as
     * one supplementary code point.
     */
    static int at(String s, int i, int end) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < end) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return compute(Character.toCodePoint(c, d));
            }
        }
        return BMP[c];
    }

    /** Index after the code point starting at {@code i}. */
    static int next(String s, int i, int end) {
        return Character.isHighSurrogate(s.charAt(i)) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))
                ? i + 2 : i + 1;
    }

    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    static boolean isLetterType(int type) {
        return switch (type) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.MODIFIER_LETTER, Character.OTHER_LETTER -> true;
            default -> false;
        };
    }

    static boolean isNumberType(int type) {
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.LETTER_NUMBER
                || type == Character.OTHER_NUMBER;
    }

    private static byte compute(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        int type = Character.getType(cp);
        if (isLetterType(type)) {
            return LETTER;
        }
        return isNumberType(type) ? NUMBER : OTHER;
    }
}
