package dev.bitnet.spark;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;

/**
 * The seed of each row: a function of the job's base seed and the row's key (its id, or its prompt when
 * there is no id column), never of where the row lands. A row therefore samples the same text whatever
 * the partitioning, the executor count or a task retry, and the same text as
 * {@code model.generate(prompt, options.toBuilder().seed(RowSeeds.seedFor(base, id)).build())} in a
 * plain program.
 */
public final class RowSeeds {
    private RowSeeds() {
    }

    /**
     * The seed of the row whose key is {@code key}: SHA-256 of the key's text ({@link String#valueOf}, so the
     * integer 7 and the string "7" are the same key), mixed with {@code baseSeed}.
     */
    public static long seedFor(long baseSeed, Object key) {
        Objects.requireNonNull(key, "key");
        byte[] digest = sha256(String.valueOf(key).getBytes(StandardCharsets.UTF_8));
        long h = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            h = (h << 8) | (digest[i] & 0xFF);
        }
        return mix(h ^ mix(baseSeed));
    }

    /** SplitMix64's finaliser: spreads every input bit over the whole word. */
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
