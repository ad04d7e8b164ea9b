package dev.bitnet.structured;

import dev.bitnet.tokenizer.Tokenizer;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a token mask needs to know about a vocabulary, computed once and shared: the bytes of every token, a
 * byte trie of all tokens, a second trie of the tokens that can end or escape a string (those containing a
 * quote, a backslash or a control byte), and for each UTF-8 state the set of the other tokens, which inside a
 * string are accepted whatever else the schema says. With these, a mask step walks only the few prefixes the
 * parse allows, plus about a tenth of the vocabulary inside strings, instead of all 128256 tokens.
 *
 * <p>Immutable and thread-safe. {@link #of(Tokenizer)} caches one instance per tokenizer; building one for the
 * 128256-token LLaMA-3 vocabulary takes a few hundred milliseconds.
 */
public final class TokenVocabulary {
    private static final Map<Tokenizer, TokenVocabulary> CACHE = new WeakHashMap<>();

    private final byte[][] bytes;
    final TokenTrie all;
    final TokenTrie quoted;
    /** Per UTF-8 state: the plain string tokens that are well-formed continuations from it, as bit words. */
    private final long[][] plain;
    /** Characters each token starts (UTF-8 lead bytes), saturated at 127: what it costs against maxLength. */
    private final byte[] starts;
    private final int maxStarts;
    private final Map<Integer, long[]> plainWithin = new ConcurrentHashMap<>();

    private TokenVocabulary(byte[][] bytes) {
        this.bytes = bytes;
        int n = bytes.length;
        boolean[] isQuoted = new boolean[n];
        starts = new byte[n];
        int most = 0;
        for (int id = 0; id < n; id++) {
            byte[] b = bytes[id];
            if (b == null) {
                continue;
            }
            int lead = 0;
            for (byte x : b) {
                int v = x & 0xff;
                if (!Utf8Step.plainStringByte(v)) {
                    isQuoted[id] = true;
                }
                if ((v & 0xC0) != 0x80) {
                    lead++;
                }
            }
            starts[id] = (byte) Math.min(127, lead);
            most = Math.max(most, starts[id]);
        }
        maxStarts = most;
        all = TokenTrie.of(bytes, id -> true);
        quoted = TokenTrie.of(bytes, id -> isQuoted[id]);
        int words = words(n);
        plain = new long[Utf8Step.STATES][words];
        for (int id = 0; id < n; id++) {
            byte[] b = bytes[id];
            if (b == null || b.length == 0 || isQuoted[id]) {
                continue;
            }
            for (int s = 0; s < Utf8Step.STATES; s++) {
                int state = s;
                for (int i = 0; i < b.length && state >= 0; i++) {
                    state = Utf8Step.next(state, b[i] & 0xff);
                }
                if (state >= 0) {
                    plain[s][id >>> 6] |= 1L << id;
                }
            }
        }
    }

    /**
     * The vocabulary of a tokenizer (special tokens are never allowed by a mask, except the end-of-generation
     * ids a constraint is given). Cached per tokenizer instance.
     */
    public static TokenVocabulary of(Tokenizer tokenizer) {
        Objects.requireNonNull(tokenizer, "tokenizer");
        synchronized (CACHE) {
            TokenVocabulary v = CACHE.get(tokenizer);
            if (v == null) {
                byte[][] b = new byte[tokenizer.vocabSize()][];
                for (int id = 0; id < b.length; id++) {
                    try {
                        b[id] = tokenizer.isSpecial(id) ? null : tokenizer.tokenBytes(id);
                    } catch (IllegalArgumentException noToken) {
                        b[id] = null;
                    }
                }
                v = new TokenVocabulary(b);
                CACHE.put(tokenizer, v);
            }
            return v;
        }
    }

    /**
     * A vocabulary given as the bytes of each token id; a null or empty entry is a token a mask never allows
     * (special tokens, unused ids). For custom tokenizers and tests.
     */
    public static TokenVocabulary ofTokenBytes(List<byte[]> tokenBytes) {
        Objects.requireNonNull(tokenBytes, "tokenBytes");
        byte[][] b = new byte[tokenBytes.size()][];
        for (int i = 0; i < b.length; i++) {
            byte[] t = tokenBytes.get(i);
            b[i] = t == null || t.length == 0 ? null : t.clone();
        }
        return new TokenVocabulary(b);
    }

    /** Number of token ids, one more than the largest. */
    public int size() {
        return bytes.length;
    }

    /** The bytes of a token, or null for one a mask never allows. Not a copy: do not modify. */
    byte[] bytes(int id) {
        return id >= 0 && id < bytes.length ? bytes[id] : null;
    }

    /** Ors into {@code mask} the plain string tokens allowed from UTF-8 state {@code utf8} within a budget. */
    void orPlain(long[] mask, int utf8, int charBudget) {
        long[] set = plain[utf8];
        if (charBudget < maxStarts) {
            set = plainWithin.computeIfAbsent(utf8 * 256 + Math.max(0, charBudget), k -> within(utf8, charBudget));
        }
        for (int i = 0; i < set.length; i++) {
            mask[i] |= set[i];
        }
    }

    private long[] within(int utf8, int budget) {
        long[] set = plain[utf8].clone();
        for (int id = 0; id < bytes.length; id++) {
            if (starts[id] > budget) {
                set[id >>> 6] &= ~(1L << id);
            }
        }
        return set;
    }

    static int words(int bits) {
        return (bits + 63) >>> 6;
    }
}
