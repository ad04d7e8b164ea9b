package dev.bitnet.sampling;

/**
 * Discourages tokens that occur among the last {@code window} accepted tokens, with llama.cpp's rules. For a
 * token seen {@code count > 0} times in the window:
 * <pre>
 *   logit = logit &lt;= 0 ? logit * repeat : logit / repeat
 *   logit -= count * frequency + presence
 * </pre>
 * Tokens not in the window are untouched. The window holds what {@link #accept} was given, oldest first
 * dropped: feed it the prompt tokens too (as llama.cpp does), for example with {@link Sampler#prime(int[])}.
 * Not thread-safe.
 */
public final class RepetitionPenalty implements LogitsProcessor {
    private final int vocabSize;
    private final int window;
    private final float repeat;
    private final float frequency;
    private final float presence;
    private final int[] counts;
    /** The last min(accepted, window) tokens in a ring; grows on demand up to {@code window}. */
    private int[] ring = new int[16];
    private int ringStart;
    private int ringSize;

    /**
     * @param vocabSize the vocabulary size; accepted ids must be below it
     * @param window    how many recent tokens count (0 turns the penalty off)
     * @param repeat    repetition penalty, above 0 (1 = off)
     * @param frequency subtracted per occurrence (0 = off)
     * @param presence  subtracted once for any occurrence (0 = off)
     * @throws IllegalArgumentException for a non-positive vocabulary, negative window, repeat not above 0, or a
     *                                  non-finite value
     */
    public RepetitionPenalty(int vocabSize, int window, float repeat, float frequency, float presence) {
        if (vocabSize <= 0) {
            throw new IllegalArgumentException("vocabSize must be positive, got " + vocabSize);
        }
        if (window < 0) {
            throw new IllegalArgumentException("penalty window must be >= 0, got " + window);
        }
        if (!(repeat > 0) || Float.isInfinite(repeat)) {
            throw new IllegalArgumentException("repeat penalty must be a finite number > 0, got " + repeat);
        }
        if (!Float.isFinite(frequency) || !Float.isFinite(presence)) {
            throw new IllegalArgumentException("frequency and presence penalties must be finite, got " + frequency
                    + " and " + presence);
        }
        this.vocabSize = vocabSize;
        this.window = window;
        this.repeat = repeat;
        this.frequency = frequency;
        this.presence = presence;
        this.counts = new int[vocabSize];
    }

    /** Whether this penalty can change any logit: a window above 0 and some penalty not at its neutral value. */
    public boolean isActive() {
        return window > 0 && (repeat != 1f || frequency != 0f || presence != 0f);
    }

    /** How often a token occurs in the current window. */
    public int count(int tokenId) {
        checkId(tokenId);
        return counts[tokenId];
    }

    @Override
    public void accept(int tokenId) {
        checkId(tokenId);
        if (window == 0) {
            return;
        }
        if (ringSize == window) {
            counts[ring[ringStart]]--;
            ring[ringStart] = tokenId;
            ringStart = (ringStart + 1) % window;
        } else {
            if (ringSize == ring.length) {
                grow();
            }
            ring[(ringStart + ringSize) % ring.length] = tokenId;
            ringSize++;
        }
        counts[tokenId]++;
    }

    @Override
    public void apply(Candidates candidates) {
        if (candidates.vocabSize() != vocabSize) {
            throw new IllegalArgumentException("logits have " + candidates.vocabSize()
                    + " entries but the penalty was built for a vocabulary of " + vocabSize);
        }
        if (ringSize == 0 || !isActive()) {
            return;
        }
        for (int i = 0, n = candidates.size(); i < n; i++) {
            int count = counts[candidates.tokenId(i)];
            if (count > 0) {
                float logit = candidates.logit(i);
                logit = logit <= 0 ? logit * repeat : logit / repeat;
                candidates.setLogit(i, logit - (count * frequency + presence));
            }
        }
    }

    private void grow() {
        int[] bigger = new int[(int) Math.min(window, 2L * ring.length)];
        for (int i = 0; i < ringSize; i++) {
            bigger[i] = ring[(ringStart + i) % ring.length];
        }
        ring = bigger;
        ringStart = 0;
    }

    private void checkId(int tokenId) {
        if (tokenId < 0 || tokenId >= vocabSize) {
            throw new IllegalArgumentException("token id " + tokenId + " is outside the vocabulary (ids 0.."
                    + (vocabSize - 1) + ")");
        }
    }
}
