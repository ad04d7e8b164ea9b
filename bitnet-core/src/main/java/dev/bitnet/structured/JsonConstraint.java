package dev.bitnet.structured;

import dev.bitnet.sampling.Sampler;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Collection;
import java.util.Objects;

/**
 * The state of one constrained generation: which tokens may come next so that the text stays a prefix of a
 * value the {@link ResponseFormat} allows, and the end-of-generation tokens only once the value is complete.
 *
 * <p>Per step: {@link #apply(float[])} (or {@link #allowedTokens(BitSet)}) before the sampler, then
 * {@link #accept(int)} with the token chosen. The built-in generation loop does this for you when
 * {@link dev.bitnet.GenerationOptions#responseFormat()} is set; a custom loop uses it directly:
 * <pre>{@code
 * JsonConstraint json = ResponseFormat.jsonSchema(schema).newConstraint(TokenVocabulary.of(tokenizer), tokenizer.stopIds());
 * float[] logits = session.append(promptIds);
 * while (true) {
 *     json.apply(logits);                  // forbidden tokens get -Infinity
 *     int id = sampler.sample(logits);
 *     if (json.isEndToken(id)) break;      // only allowed once the value is complete
 *     json.accept(id);
 *     sampler.accept(id);
 *     logits = session.append(id);
 * }
 * }</pre>
 * or wraps a sampler with {@link #constrain(Sampler)}. Computing the mask costs well under a millisecond for
 * most states of a 128256-token vocabulary (see the README's figures). Not thread-safe: one per generation.
 */
public final class JsonConstraint {
    private final TokenVocabulary vocabulary;
    private final int[] endIds;
    private final Sink sink = new Sink();
    private final long[] mask;
    private final int maskBits;
    private Frame[] threads;
    private boolean ended;
    /** Whether {@link #mask} holds the mask of the current state. */
    private boolean maskValid;
    private Frame[][] walkStack = new Frame[1][];
    private long[] stringState = new long[1];
    /**
     * Masks of the string-ending tokens for recent string contexts. Inside one string the context (the frame
     * after the string, the UTF-8 state, whether the string may close, the length budget up to the longest
     * token) repeats from token to token, so the walk over the quoted tokens runs once per string, not per step.
     */
    private final Frame[] cachedParent = new Frame[4];
    private final int[] cachedCode = new int[4];
    private final long[][] cachedMask = new long[4][];
    private int cacheNext;

    JsonConstraint(Grammar grammar, TokenVocabulary vocabulary, Collection<Integer> endIds) {
        this.vocabulary = Objects.requireNonNull(vocabulary, "vocabulary");
        this.endIds = endIds.stream().mapToInt(Integer::intValue).filter(id -> id >= 0).sorted().distinct().toArray();
        int bits = vocabulary.size();
        for (int id : this.endIds) {
            bits = Math.max(bits, id + 1);
        }
        this.maskBits = bits;
        this.mask = new long[TokenVocabulary.words(bits)];
        this.threads = new Frame[] {grammar.start()};
    }

    /** The vocabulary this constraint masks. */
    public TokenVocabulary vocabulary() {
        return vocabulary;
    }

    /** Whether {@code tokenId} is one of the end-of-generation ids this constraint was given. */
    public boolean isEndToken(int tokenId) {
        return Arrays.binarySearch(endIds, tokenId) >= 0;
    }

    /** Whether the text so far is a complete value (so an end token is allowed now). */
    public boolean isComplete() {
        for (Frame t : threads) {
            if (t.accepting()) {
                return true;
            }
        }
        return false;
    }

    /** Whether the generation is over: an end token was accepted. */
    public boolean isEnded() {
        return ended;
    }

    /**
     * Sets in {@code out} exactly the token ids allowed next (clearing the others): tokens whose bytes keep the
     * text a valid prefix, and the end ids once the value is complete. Never empty before the end.
     */
    public void allowedTokens(BitSet out) {
        computeMask();
        out.clear();
        for (int w = 0; w < mask.length; w++) {
            long bits = mask[w];
            while (bits != 0) {
                out.set(w * 64 + Long.numberOfTrailingZeros(bits));
                bits &= bits - 1;
            }
        }
    }

    /** Whether {@code tokenId} is allowed next. */
    public boolean isAllowed(int tokenId) {
        computeMask();
        return tokenId >= 0 && tokenId < maskBits && (mask[tokenId >>> 6] & (1L << tokenId)) != 0;
    }

    /**
     * Sets the logit of every token that is not allowed next to negative infinity, in place. Ids at or beyond
     * the vocabulary (a model whose output layer is wider than its tokenizer) are never allowed.
     */
    public void apply(float[] logits) {
        computeMask();
        int n = logits.length;
        for (int w = 0; w * 64 < n; w++) {
            long bits = w < mask.length ? mask[w] : 0L;
            if (bits == -1L) {
                continue;
            }
            int base = w * 64;
            int top = Math.min(64, n - base);
            if (bits == 0L) {
                Arrays.fill(logits, base, base + top, Float.NEGATIVE_INFINITY);
                continue;
            }
            for (int j = 0; j < top; j++) {
                if ((bits & (1L << j)) == 0) {
                    logits[base + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    /**
     * Records the token that was chosen.
     *
     * @throws IllegalStateException if the token is not allowed here (the constraint is then unchanged)
     */
    public void accept(int tokenId) {
        if (ended) {
            throw new IllegalStateException("the constrained value has ended; no token may follow");
        }
        if (isEndToken(tokenId)) {
            if (!isComplete()) {
                throw new IllegalStateException("end token " + tokenId + " before the value is complete");
            }
            ended = true;
            maskValid = false;
            return;
        }
        byte[] b = vocabulary.bytes(tokenId);
        Frame[] next = b == null ? null : threads;
        for (int i = 0; next != null && i < b.length; i++) {
            next = Sink.advance(next, b[i] & 0xff, sink);
        }
        if (next == null) {
            throw new IllegalStateException("token " + tokenId + " is not allowed here by the response format");
        }
        threads = next;
        maskValid = false;
    }

    /** Drops the cached mask so the next call computes it again (benchmarks); also the string cache if asked. */
    void forgetMask(boolean stringCache) {
        maskValid = false;
        if (stringCache) {
            java.util.Arrays.fill(cachedParent, null);
        }
    }

    /** Reference check for tests: whether the token's bytes keep some parse alive, found by stepping them all. */
    boolean acceptsByBruteForce(int tokenId) {
        if (ended) {
            return false;
        }
        if (isEndToken(tokenId)) {
            return isComplete();
        }
        byte[] b = vocabulary.bytes(tokenId);
        Frame[] next = b == null ? null : threads;
        Sink own = new Sink();
        for (int i = 0; next != null && i < b.length; i++) {
            next = Sink.advance(next, b[i] & 0xff, own);
        }
        return next != null;
    }

    /**
     * A sampler that masks a copy of the logits with this constraint before {@code sampler} picks, and passes
     * each accepted token to both. {@link Sampler#prime} (the prompt) reaches only {@code sampler}.
     */
    public Sampler constrain(Sampler sampler) {
        return new ConstrainedSampler(this, sampler);
    }

    private void computeMask() {
        if (maskValid) {
            return;
        }
        Arrays.fill(mask, 0L);
        if (!ended) {
            Frame[] inString = null;
            Frame[] other = null;
            int s = 0;
            int o = 0;
            for (Frame t : threads) {
                if (t.plainString() >= 0) {
                    inString = inString == null ? new Frame[threads.length] : inString;
                    inString[s++] = t;
                } else {
                    other = other == null ? new Frame[threads.length] : other;
                    other[o++] = t;
                }
            }
            if (s > 0) {
                // inside strings: tokens without quote/backslash/control bytes come from the precomputed sets,
                // the others are walked
                int[] budget = new int[Utf8Step.STATES];
                Arrays.fill(budget, -1);
                for (int i = 0; i < s; i++) {
                    int u = inString[i].plainString();
                    budget[u] = Math.max(budget[u], inString[i].charBudget());
                }
                for (int u = 0; u < Utf8Step.STATES; u++) {
                    if (budget[u] >= 0) {
                        vocabulary.orPlain(mask, u, budget[u]);
                    }
                }
                walkQuoted(Arrays.copyOf(inString, s));
            }
            if (o > 0) {
                walk(vocabulary.all, Arrays.copyOf(other, o), mask);
            }
            if (isComplete()) {
                for (int id : endIds) {
                    mask[id >>> 6] |= 1L << id;
                }
            }
        }
        maskValid = true;
    }

    /** The quoted tokens the string threads accept, from the cache when the string context repeats. */
    private void walkQuoted(Frame[] strings) {
        if (strings.length != 1 || !(strings[0] instanceof Frame.Text t) || t.extraKey()
                || vocabulary.quoted.maxDepth >= 1023) {
            walk(vocabulary.quoted, strings, mask);
            return;
        }
        // the walk depends on chars only through the distances to minLength and maxLength, and no token is
        // longer than 1023 bytes, so distances are capped there
        int deficit = Math.min(Math.max(0, t.minLength() - t.chars()), 1023);
        int budget = Math.min(t.charBudget(), 1023);
        int code = t.utf8() | deficit << 3 | budget << 13;
        long[] bits = null;
        for (int i = 0; i < cachedParent.length; i++) {
            if (cachedParent[i] == t.parent() && cachedCode[i] == code) {
                bits = cachedMask[i];
                break;
            }
        }
        if (bits == null) {
            bits = new long[mask.length];
            walkString(t, bits);
            int slot = cacheNext++ & (cachedParent.length - 1);
            cachedParent[slot] = t.parent();
            cachedCode[slot] = code;
            cachedMask[slot] = bits;
        }
        for (int i = 0; i < bits.length; i++) {
            mask[i] |= bits[i];
        }
    }

    /**
     * The walk of the quoted tokens from inside one plain string, without allocating while the token stays in
     * the string: the string automaton runs on numbers ({@link Frame.Text#next}) and frames appear only once a
     * token's quote closes the string.
     */
    private void walkString(Frame.Text t, long[] target) {
        TokenTrie trie = vocabulary.quoted;
        int size = trie.maxDepth + 1;
        if (stringState.length < size) {
            stringState = new long[size];
        }
        if (walkStack.length < size) {
            walkStack = new Frame[size][];
        }
        long[] state = stringState;
        Frame[][] frames = walkStack;
        Frame[] closed = {t.parent()};
        state[0] = Frame.Text.pack(t.escape(), t.utf8(), t.chars());
        frames[0] = null;
        int min = t.minLength();
        int max = t.maxLength();
        int n = trie.nodes();
        byte[] label = trie.label;
        int[] depth = trie.depth;
        int[] end = trie.end;
        int[] first = trie.first;
        int[] ids = trie.ids;
        int i = 1;
        while (i < n) {
            int d = depth[i];
            int b = label[i] & 0xff;
            Frame[] above = frames[d - 1];
            if (above == null) {
                long s = state[d - 1];
                long next = Frame.Text.next(Frame.Text.escape(s), Frame.Text.utf8(s), Frame.Text.chars(s), min, max, b);
                if (next == Frame.Text.DEAD) {
                    i = end[i];
                    continue;
                }
                if (next == Frame.Text.CLOSED) {
                    frames[d] = closed;
                } else {
                    frames[d] = null;
                    state[d] = next;
                }
            } else {
                Frame[] next = Sink.advance(above, b, sink);
                if (next == null) {
                    i = end[i];
                    continue;
                }
                frames[d] = next;
            }
            for (int k = first[i], stop = first[i + 1]; k < stop; k++) {
                int id = ids[k];
                target[id >>> 6] |= 1L << id;
            }
            i++;
        }
        Arrays.fill(frames, null);
    }

    /** Marks in {@code target} every token of the trie whose bytes some thread accepts, skipping dead subtrees. */
    private void walk(TokenTrie trie, Frame[] start, long[] target) {
        if (walkStack.length < trie.maxDepth + 1) {
            walkStack = new Frame[trie.maxDepth + 1][];
        }
        Frame[][] stack = walkStack;
        stack[0] = start;
        int n = trie.nodes();
        byte[] label = trie.label;
        int[] depth = trie.depth;
        int[] end = trie.end;
        int[] first = trie.first;
        int[] ids = trie.ids;
        int i = 1;
        while (i < n) {
            int d = depth[i];
            Frame[] next = Sink.advance(stack[d - 1], label[i] & 0xff, sink);
            if (next == null) {
                i = end[i];
                continue;
            }
            stack[d] = next;
            for (int k = first[i], stop = first[i + 1]; k < stop; k++) {
                int id = ids[k];
                target[id >>> 6] |= 1L << id;
            }
            i++;
        }
        Arrays.fill(stack, null);
    }
}
