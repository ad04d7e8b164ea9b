package dev.bitnet.model;

import dev.bitnet.kernels.Int8Activations;

/**
 * Scratch buffers of one session for a chunk of up to {@link #batch} positions, allocated once so
 * that the forward pass allocates nothing per token.
 */
final class Workspace implements AutoCloseable {
    final int batch;
    final float[] x;
    final float[] xb;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] attn;
    final float[] proj;
    final float[] gate;
    final float[] up;
    final float[] ropeCos;
    final float[] ropeSin;
    final Int8Activations hiddenAct;
    final Int8Activations queryAct;
    final Int8Activations ffnAct;

    Workspace(ModelConfig c, int batch) {
        this.batch = batch;
        int h = c.hiddenSize();
        x = new float[batch * h];
        xb = new float[batch * h];
        q = new float[batch * c.queryDim()];
        k = new float[batch * c.kvDim()];
        v = new float[batch * c.kvDim()];
        attn = new float[batch * c.queryDim()];
        proj = new float[batch * h];
        gate = new float[batch * c.ffnSize()];
        up = new float[batch * c.ffnSize()];
        ropeCos = new float[batch * (c.ropeDim() / 2)];
        ropeSin = new float[batch * (c.ropeDim() / 2)];
        hiddenAct = new Int8Activations(batch, h);
        queryAct = c.queryDim() == h ? hiddenAct : new Int8Activations(batch, c.queryDim());
        ffnAct = new Int8Activations(batch, c.ffnSize());
    }

    private float[] logits = new float[0];

    /** The rows of the current pass, grouped by sequence: segment s is the next segmentRows[s] rows. */
    int segments;
    KvCache[] segmentCache = new KvCache[1];
    int[] segmentStart = new int[1];
    int[] segmentRows = new int[1];
    /** Query and output rows of a segment that does not start at row 0 (passes over several sequences only). */
    float[] segmentQ = new float[0];
    float[] segmentAttn = new float[0];

    void clearSegments() {
        segments = 0;
    }

    /** Adds the next {@code rows} rows as positions {@code [start, start + rows)} of the sequence holding {@code cache}. */
    void addSegment(KvCache cache, int start, int rows) {
        if (segments == segmentCache.length) {
            int n = segments * 2;
            segmentCache = java.util.Arrays.copyOf(segmentCache, n);
            segmentStart = java.util.Arrays.copyOf(segmentStart, n);
            segmentRows = java.util.Arrays.copyOf(segmentRows, n);
        }
        segmentCache[segments] = cache;
        segmentStart[segments] = start;
        segmentRows[segments] = rows;
        segments++;
        if (segments == 2 && segmentQ.length == 0) {
            segmentQ = new float[q.length];
            segmentAttn = new float[attn.length];
        }
    }

    /** A buffer for {@code rows x vocab} logits, grown on demand (only used when every position's logits are wanted). */
    float[] logits(int rows, int vocab) {
        if (logits.length < rows * vocab) {
            logits = new float[rows * vocab];
        }
        return logits;
    }

    @Override
    public void close() {
        clearSegments();
        java.util.Arrays.fill(segmentCache, null);
        hiddenAct.close();
        if (queryAct != hiddenAct) {
            queryAct.close();
        }
        ffnAct.close();
    }
}
