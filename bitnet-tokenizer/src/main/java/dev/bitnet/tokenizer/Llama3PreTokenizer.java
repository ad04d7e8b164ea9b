package dev.bitnet.tokenizer;

import static dev.bitnet.tokenizer.CharClass.LETTER;
import static dev.bitnet.tokenizer.CharClass.NUMBER;
import static dev.bitnet.tokenizer.CharClass.OTHER;
import static dev.bitnet.tokenizer.CharClass.SPACE;

/**
 * The LLaMA-3 split, as a single forward scan instead of a regex. The pattern it reproduces, whose
 * alternatives are tried in order at each position (the first that matches wins):
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d) | [^\r\n\p{L}\p{N}]?\p{L}+ | \p{N}{1,3} | ' '?[^\s\p{L}\p{N}]+[\r\n]*
 *   | \s*[\r\n]+ | \s+(?!\S) | \s+
 * </pre>
 * Each piece is found by looking at most one code point past a run, so the scan is linear however
 * long a run of spaces, digits or one character is.
 */
final class Llama3PreTokenizer implements PreTokenizer {
    @Override
    public void split(String text, int start, int end, IntList ends) {
        int i = start;
        while (i < end) {
            i = pieceEnd(text, i, end);
            ends.add(i);
        }
    }

    /** End of the piece that starts at {@code i}. */
    static int pieceEnd(String s, int i, int end) {
        char c = s.charAt(i);
        if (c == '\'' && i + 1 < end) {
            int k = contraction(s, i + 1, end);
            if (k > 0) {
                return i + 1 + k;
            }
        }
        int cls = CharClass.at(s, i, end);
        int n = CharClass.next(s, i, end);
        if (cls == LETTER) {
            return letters(s, n, end);
        }
        if (cls != NUMBER && c != '\r' && c != '\n' && n < end && CharClass.at(s, n, end) == LETTER) {
            return letters(s, CharClass.next(s, n, end), end);
        }
        if (cls == NUMBER) {
            int j = n;
            for (int k = 1; k < 3 && j < end && CharClass.at(s, j, end) == NUMBER; k++) {
                j = CharClass.next(s, j, end);
            }
            return j;
        }
        int j = (c == ' ' && n < end && CharClass.at(s, n, end) == OTHER) ? n : i;
        if (CharClass.at(s, j, end) == OTHER) {
            do {
                j = CharClass.next(s, j, end);
            } while (j < end && CharClass.at(s, j, end) == OTHER);
            while (j < end && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        // c is whitespace. All White_Space code points are single chars, so char steps are code point steps.
        int runEnd = i;
        int lastNewline = -1;
        while (runEnd < end && CharClass.at(s, runEnd, end) == SPACE) {
            char w = s.charAt(runEnd);
            if (w == '\r' || w == '\n') {
                lastNewline = runEnd;
            }
            runEnd++;
        }
        if (lastNewline >= 0) {
            return lastNewline + 1;
        }
        if (runEnd == end || runEnd - i == 1) {
            return runEnd;
        }
        return runEnd - 1;
    }

    /** Length of a contraction suffix at {@code i} (after the apostrophe), or 0. */
    private static int contraction(String s, int i, int end) {
        char a = s.charAt(i);
        switch (a) {
            // U+017F LATIN SMALL LETTER LONG S case-folds to 's', and the reference's (?i:) honours that.
            case 's', 'S', '\u017F', 't', 'T', 'm', 'M', 'd', 'D' -> {
                return 1;
            }
            case 'r', 'R', 'v', 'V' -> {
                return i + 1 < end && (s.charAt(i + 1) | 0x20) == 'e' ? 2 : 0;
            }
            case 'l', 'L' -> {
                return i + 1 < end && (s.charAt(i + 1) | 0x20) == 'l' ? 2 : 0;
            }
            default -> {
                return 0;
            }
        }
    }

    private static int letters(String s, int j, int end) {
        while (j < end && CharClass.at(s, j, end) == LETTER) {
            j = CharClass.next(s, j, end);
        }
        return j;
    }
}
