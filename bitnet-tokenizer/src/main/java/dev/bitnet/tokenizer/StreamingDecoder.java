package dev.bitnet.tokenizer;

import java.util.Arrays;

/**
 * Turns generated token ids into text as they arrive. A token may end in the middle of a UTF-8
 * character (emoji and CJK often span several byte tokens), so the bytes of an unfinished character
 * are held back until the token that completes it; the pieces returned by {@link #push(int)} and
 * {@link #flush()} concatenate to exactly {@link Tokenizer#decode(int[])} of all ids pushed.
 * One instance serves one generation on one thread.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private byte[] pending = new byte[16];
    private int size;

    StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * Adds one token.
     *
     * @param id a token id of the tokenizer
     * @return the text completed by this token (possibly empty)
     * @throws IllegalArgumentException if {@code id} is not a token of the vocabulary
     */
    public String push(int id) {
        byte[] bytes = tokenizer.bytesOf(id);
        if (size + bytes.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + bytes.length));
        }
        System.arraycopy(bytes, 0, pending, size, bytes.length);
        size += bytes.length;
        int ready = size - Utf8.unfinishedTail(pending, size);
        if (ready == 0) {
            return "";
        }
        String text = Utf8.decode(pending, 0, ready);
        System.arraycopy(pending, ready, pending, 0, size - ready);
        size -= ready;
        return text;
    }

    /**
     * Ends the sequence: bytes of a character that never completed come out as U+FFFD, as
     * {@link Tokenizer#decode(int[])} would render them. The decoder is empty afterwards and can be reused.
     *
     * @return the remaining text (usually empty)
     */
    public String flush() {
        String text = Utf8.decode(pending, 0, size);
        size = 0;
        return text;
    }
}
