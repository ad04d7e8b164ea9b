package dev.bitnet.structured;

/**
 * The UTF-8 well-formedness automaton (RFC 3629), one byte at a time. State 0 is "between characters"; states
 * 1-7 wait for continuation bytes, some with the narrowed ranges that exclude overlong forms, surrogates and
 * code points above U+10FFFF. Used inside strings, where any Unicode may appear, and to precompute which tokens
 * can continue a string from each state.
 */
final class Utf8Step {
    /** Number of states; state 0 accepts. */
    static final int STATES = 8;

    private Utf8Step() {
    }

    /** The state after byte {@code b} (0..255), or -1 if the byte cannot come here. ASCII is accepted as is. */
    static int next(int state, int b) {
        switch (state) {
            case 0:
                if (b < 0x80) {
                    return 0;
                }
                if (b >= 0xC2 && b <= 0xDF) {
                    return 1;
                }
                if (b == 0xE0) {
                    return 4;
                }
                if (b == 0xED) {
                    return 5;
                }
                if (b >= 0xE1 && b <= 0xEF) {
                    return 2;
                }
                if (b == 0xF0) {
                    return 6;
                }
                if (b >= 0xF1 && b <= 0xF3) {
                    return 3;
                }
                return b == 0xF4 ? 7 : -1;
            case 1:
                return b >= 0x80 && b <= 0xBF ? 0 : -1;
            case 2:
                return b >= 0x80 && b <= 0xBF ? 1 : -1;
            case 3:
                return b >= 0x80 && b <= 0xBF ? 2 : -1;
            case 4:
                return b >= 0xA0 && b <= 0xBF ? 1 : -1;
            case 5:
                return b >= 0x80 && b <= 0x9F ? 1 : -1;
            case 6:
                return b >= 0x90 && b <= 0xBF ? 2 : -1;
            case 7:
                return b >= 0x80 && b <= 0x8F ? 2 : -1;
            default:
                throw new IllegalArgumentException("no UTF-8 state " + state);
        }
    }

    /** Whether a byte can appear unescaped inside a JSON string (every byte but quote, backslash and controls). */
    static boolean plainStringByte(int b) {
        return b >= 0x20 && b != '"' && b != '\\';
    }
}
