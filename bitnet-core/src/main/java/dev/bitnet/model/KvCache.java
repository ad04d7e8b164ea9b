package dev.bitnet.model;

import java.util.Arrays;

/**
 * Keys and values of every layer for the positions a session has seen, in float32. Storage grows
 * in steps as positions are added (a short chat does not pay for the whole context up front) and
 * never past {@code limit} positions.
 */
public final class KvCache {
    private static final int INITIAL_POSITIONS = 256;
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final int layers;
    private final int kvDim;
    private final int limit;
    private final float[][] keys;
    private final float[][] values;
    private int capacity;

    public KvCache(int layers, int kvDim, int limit) {
        this.layers = layers;
        this.kvDim = kvDim;
        this.limit = limit;
        this.keys = new float[layers][];
        this.values = new float[layers][];
        this.capacity = 0;
    }

    /** Makes room for positions {@code [0, positions)}. */
    void ensureCapacity(int positions) {
        if (positions <= capacity) {
            return;
        }
        if (positions > limit) {
            throw new IllegalStateException("KV cache limit " + limit + " exceeded: " + positions);
        }
        int grown = Math.max(capacity, Math.min(INITIAL_POSITIONS, limit));
        while (grown < positions) {
            grown = (int) Math.min((long) grown * 2, limit);
        }
        if ((long) grown * kvDim > MAX_ARRAY) {
            // a context length from the file is not backed by its data; fail clearly, not with a negative size
            throw new IllegalStateException("a KV cache of " + grown + " positions x " + kvDim
                    + " values per layer exceeds a Java array; load the model with a shorter context length");
        }
        for (int l = 0; l < layers; l++) {
            keys[l] = keys[l] == null ? new float[grown * kvDim] : Arrays.copyOf(keys[l], grown * kvDim);
            values[l] = values[l] == null ? new float[grown * kvDim] : Arrays.copyOf(values[l], grown * kvDim);
        }
        capacity = grown;
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

}
