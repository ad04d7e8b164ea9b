package dev.bitnet.tokenizer;

/**
 * llama.cpp's "default" BPE split, which bitnet.cpp applies to a GGUF without a
 * {@code tokenizer.ggml.pre} key. Four patterns run one after another, each cutting every fragment the
 * previous one left (matches and the text between them both become fragments):
 * <ol>
 * <li>{@code [\p{P}$+<=>^~|]+}: runs of punctuation and those ASCII symbols (not the backtick);</li>
 * <li>the GPT-2 split {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+}
 *     as llama.cpp's hand-written matcher runs it (a look-ahead ends at the fragment's end);</li>
 * <li>{@code \p{N}+}: digit runs;</li>
 * <li>{@code [0-9][0-9][0-9]}: groups of three ASCII digits, from the left.</li>
 * </ol>
 * llama.cpp's Unicode tables predate Unicode 16.0, so the letters, digits and punctuation that 16.0
 * added count as unassigned here.
 */
final class LlamaCppDefaultPreTokenizer implements PreTokenizer {
    private static final byte OTHER = 0;
    private static final byte LETTER = 1;
    private static final byte NUMBER = 2;
    private static final byte SPACE = 3;
    private static final byte PUNCT = 4;

    /**
     * Inclusive ranges, ascending, of the letters, numbers and punctuation new in Unicode 16.0 (found
     * by comparing llama.cpp's tables with Java 25's categories code point by code point).
     */
    private static final int[] UNICODE_16_ADDITIONS = {
        0x1B4E, 0x1B4F, 0x1B7F, 0x1B7F, 0x1C89, 0x1C8A, 0xA7CB, 0xA7CD, 0xA7DA, 0xA7DC,
        0x105C0, 0x105F3, 0x10D40, 0x10D65, 0x10D6E, 0x10D85, 0x10EC2, 0x10EC4,
        0x11380, 0x11389, 0x1138B, 0x1138B, 0x1138E, 0x1138E, 0x11390, 0x113B5, 0x113B7, 0x113B7,
        0x113D1, 0x113D1, 0x113D3, 0x113D5, 0x113D7, 0x113D8, 0x116D0, 0x116E3,
        0x11BC0, 0x11BE1, 0x11BF0, 0x11BF9, 0x13460, 0x143FA, 0x16100, 0x1611D, 0x16130, 0x16139,
        0x16D40, 0x16D79, 0x18CFF, 0x18CFF, 0x1CCF0, 0x1CCF9, 0x1E5D0, 0x1E5ED, 0x1E5F0, 0x1E5FA,
        0x1E5FF, 0x1E5FF,
    };

    @Override
    public void split(String text, int start, int end, IntList ends) {
        int count = 0;
        for (int i = start; i < end; i = CharClass.next(text, i, end)) {
            count++;
        }
        int[] cps = new int[count];
        int[] charEnd = new int[count];
        byte[] cls = new byte[count];
        for (int i = start, k = 0; i < end; k++) {
            int next = CharClass.next(text, i, end);
            char c = text.charAt(i);
            // A lone surrogate is encoded as U+FFFD, so it is classified as one.
            int cp = next == i + 2 ? Character.toCodePoint(c, text.charAt(i + 1))
                    : Character.isSurrogate(c) ? 0xFFFD : c;
            cps[k] = cp;
            charEnd[k] = next;
            cls[k] = classify(cp);
            i = next;
        }
        IntList fragments = new IntList(16);
        fragments.add(count);
        fragments = splitPunctuation(cps, cls, fragments);
        fragments = splitGpt2(cps, cls, fragments);
        fragments = splitNumberRuns(cps, cls, fragments);
        fragments = splitDigitTriples(cps, fragments);
        for (int f = 0; f < fragments.size(); f++) {
            ends.add(charEnd[fragments.get(f) - 1]);
        }
    }

    /** Step 1: runs of {@code [\p{P}$+<=>^~|]} against everything else. */
    private static IntList splitPunctuation(int[] cps, byte[] cls, IntList fragments) {
        IntList out = new IntList(fragments.size() * 2);
        int from = 0;
        for (int f = 0; f < fragments.size(); f++) {
            int to = fragments.get(f);
            for (int i = from; i < to; ) {
                boolean punct = isStepOnePunctuation(cps[i], cls[i]);
                int j = i + 1;
                while (j < to && isStepOnePunctuation(cps[j], cls[j]) == punct) {
                    j++;
                }
                out.add(j);
                i = j;
            }
            from = to;
        }
        return out;
    }

    private static boolean isStepOnePunctuation(int cp, byte cls) {
        if (cp < 0x80) {
            return cp > 0x20 && cp < 0x7F && cp != '`' && !isAsciiLetterOrDigit(cp);
        }
        return cls == PUNCT;
    }

    private static boolean isAsciiLetterOrDigit(int cp) {
        return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z');
    }

    /** Step 2: the GPT-2 split within each fragment. */
    private static IntList splitGpt2(int[] cps, byte[] cls, IntList fragments) {
        IntList out = new IntList(fragments.size() * 2);
        int from = 0;
        for (int f = 0; f < fragments.size(); f++) {
            int to = fragments.get(f);
            int pos = from;
            while (pos < to) {
                pos = gpt2PieceEnd(cps, cls, pos, to);
                out.add(pos);
            }
            from = to;
        }
        return out;
    }

    private static int gpt2PieceEnd(int[] cps, byte[] cls, int pos, int to) {
        int cp = cps[pos];
        if (cp == '\'' && pos + 1 < to) {
            int a = cps[pos + 1];
            if (a == 's' || a == 't' || a == 'm' || a == 'd') {
                return pos + 2;
            }
            if (pos + 2 < to) {
                int b = cps[pos + 2];
                if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) {
                    return pos + 3;
                }
            }
        }
        // ' ?' belongs to a following letter, number or symbol run, but only an ASCII space.
        int runStart = cp == ' ' ? pos + 1 : pos;
        if (runStart < to) {
            byte run = gpt2Kind(cls[runStart]);
            if (run != SPACE) {
                int j = runStart + 1;
                while (j < to && gpt2Kind(cls[j]) == run) {
                    j++;
                }
                return j;
            }
        }
        int spaces = 0;
        while (pos + spaces < to && cls[pos + spaces] == SPACE) {
            spaces++;
        }
        // \s+(?!\S): leave the last space to the piece after it, unless the run ends the fragment.
        return spaces > 1 && pos + spaces < to ? pos + spaces - 1 : pos + spaces;
    }

    /** The GPT-2 pattern sees letters, numbers, whitespace and everything else. */
    private static byte gpt2Kind(byte cls) {
        return cls == PUNCT ? OTHER : cls;
    }

    /** Step 3: {@code \p{N}+} runs against everything else. */
    private static IntList splitNumberRuns(int[] cps, byte[] cls, IntList fragments) {
        IntList out = new IntList(fragments.size() + 8);
        int from = 0;
        for (int f = 0; f < fragments.size(); f++) {
            int to = fragments.get(f);
            for (int i = from; i < to; ) {
                boolean number = cls[i] == NUMBER;
                int j = i + 1;
                while (j < to && (cls[j] == NUMBER) == number) {
                    j++;
                }
                out.add(j);
                i = j;
            }
            from = to;
        }
        return out;
    }

    /** Step 4: cut out every {@code [0-9]{3}} match, scanning left to right. */
    private static IntList splitDigitTriples(int[] cps, IntList fragments) {
        IntList out = new IntList(fragments.size() + 8);
        int from = 0;
        for (int f = 0; f < fragments.size(); f++) {
            int to = fragments.get(f);
            int gapStart = from;
            int i = from;
            while (i + 3 <= to) {
                if (isAsciiDigit(cps[i]) && isAsciiDigit(cps[i + 1]) && isAsciiDigit(cps[i + 2])) {
                    if (i > gapStart) {
                        out.add(i);
                    }
                    i += 3;
                    out.add(i);
                    gapStart = i;
                } else {
                    i++;
                }
            }
            if (gapStart < to) {
                out.add(to);
            }
            from = to;
        }
        return out;
    }

    private static boolean isAsciiDigit(int cp) {
        return cp >= '0' && cp <= '9';
    }

    private static byte classify(int cp) {
        if (CharClass.isWhiteSpace(cp)) {
            return SPACE;
        }
        if (isUnicode16Addition(cp)) {
            return OTHER;
        }
        int type = Character.getType(cp);
        if (CharClass.isLetterType(type)) {
            return LETTER;
        }
        if (CharClass.isNumberType(type)) {
            return NUMBER;
        }
        return switch (type) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION,
                 Character.FINAL_QUOTE_PUNCTUATION, Character.OTHER_PUNCTUATION -> PUNCT;
            default -> OTHER;
        };
    }

    private static boolean isUnicode16Addition(int cp) {
        if (cp < UNICODE_16_ADDITIONS[0]) {
            return false;
        }
        for (int r = 0; r < UNICODE_16_ADDITIONS.length; r += 2) {
            if (cp <= UNICODE_16_ADDITIONS[r + 1]) {
                return cp >= UNICODE_16_ADDITIONS[r];
            }
        }
        return false;
    }
}
