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

    /** A buffer for {@code rows x vocab} logits, grown on demand (only used when every position's logits are wanted). */
    float[] logits(int rows, int vocab) {
        if (logits.length < rows * vocab) {
            logits = new float[rows * vocab];
        }
        return logits;
    }

    @Override
    public void close() {
        hiddenAct.close();
        if (queryAct != hiddenAct) {
            queryAct.close();
        }
        ffnAct.close();
    }
}
