package dev.bitnet.model;

import dev.bitnet.kernels.Int8Activations;
import dev.bitnet.kernels.BoundedHead;
import dev.bitnet.kernels.TernaryKernel;
import org.jetbrains.annotations.Nullable;


/**
 * The BitNet b1.58 forward pass over a chunk of consecutive positions (bitnet-format.md §1.2):
 *
 * <pre>
 * h = E[token]
 * per block:  x = RMSNorm(h)·attn_norm;  q,k,v = BitLinear(x);  RoPE(q, k);  a = causal GQA attention
 *             a = RMSNorm(a)·attn_sub_norm (if present);  h += BitLinear_o(a)
 *             x = RMSNorm(h)·ffn_norm;  m = act(BitLinear_gate(x)) · BitLinear_up(x)
 *             m = RMSNorm(m)·ffn_sub_norm (if present);  h += BitLinear_down(m)
 * logits = (RMSNorm(h)·output_norm) · Headᵀ
 * </pre>
 *
 * Immutable and shared by all sessions of a model; per-session state lives in {@link KvCache} and
 * {@link Workspace}. Every BitLinear quantizes its input to int8 per position inside the kernel.
 */
public final class Transformer {
    private final ModelConfig config;
    private final Weights weights;
    private final TernaryKernel kernel;
    private final float[] invFreq;
    private final @Nullable BoundedHead boundedHead;

    public Transformer(ModelConfig config, Weights weights, TernaryKernel kernel) {
        this(config, weights, kernel, null);
    }

    /** A transformer whose single-row head calls may use {@code boundedHead} (see {@link HeadUse}). */
    public Transformer(ModelConfig config, Weights weights, TernaryKernel kernel, @Nullable BoundedHead boundedHead) {
        this.boundedHead = boundedHead;
        this.config = config;
        this.weights = weights;
        this.kernel = kernel;
        int pairs = config.ropeDim() / 2;
        this.invFreq = new float[pairs];
        for (int j = 0; j < pairs; j++) {
            // the angle step of pair j, theta^(-2j/d), rounded to float as the reference computes it
            invFreq[j] = (float) (1.0 / Math.pow(config.ropeTheta(), (2.0 * j) / config.ropeDim()));
        }
    }

    public ModelConfig config() {
        return config;
    }

    public Weights weights() {
        return weights;
    }

    public TernaryKernel kernel() {
        return kernel;
    }

    /**
     * Runs {@code count} tokens at positions {@code [start, start + count)}, with {@code count <=
     * ws.batch}, storing their keys and values in {@code cache}. When {@code logits} is non-null,
     * writes the next-token logits of the last {@code logitRows} positions of the chunk to it
     * ({@code logitRows x vocab}, in order).
     */
    void forward(int[] tokens, int tokenOffset, int count, int start, KvCache cache, Workspace ws,
                 float[] logits, int logitRows) {
        forward(tokens, tokenOffset, count, start, cache, ws, logits, logitRows, HeadUse.EXACT);
    }

    /** Like the other {@code forward}, computing a single row of logits as {@code use} allows. */
    void forward(int[] tokens, int tokenOffset, int count, int start, KvCache cache, Workspace ws,
                 float[] logits, int logitRows, HeadUse use) {
        ModelConfig c = config;
        int h = c.hiddenSize();
        ws.clearSegments();
        ws.addSegment(cache, start, count);
        blocks(tokens, tokenOffset, count, ws);
        if (logits != null && logitRows > 0) {
            int first = count - logitRows;
            for (int r = 0; r < logitRows; r++) {
                rmsNorm(ws.x, (first + r) * h, weights.outputNorm(), ws.xb, r * h, h, c.rmsEps());
            }
            if (boundedHead != null && logitRows == 1 && use != HeadUse.EXACT) {
                boundedHead.logits(kernel, ws.xb, logits, use == HeadUse.SAMPLING);
            } else {
                kernel.multiply(weights.output(), ws.xb, logitRows, logits);
            }
        }
    }

    /**
     * Runs the rows of several sequences in one pass: the workspace's segments (set by the caller)
     * say which consecutive rows belong to which sequence, at which positions, with which KV cache.
     * Every projection and the head run once over all rows (each weight read once for all of them);
     * RoPE, the KV write and attention run per segment on its own cache. Everything is computed per
     * row, so each row's result is the one it would get in a pass of its own. Writes the logits of
     * rows {@code logitRows[0..logitCount)} to {@code logits} ({@code logitCount x vocab}, in order).
     */
    void forwardSegments(int[] tokens, int rows, Workspace ws, int[] logitRows, int logitCount, float[] logits) {
        ModelConfig c = config;
        int h = c.hiddenSize();
        blocks(tokens, 0, rows, ws);
        if (logitCount > 0) {
            for (int k = 0; k < logitCount; k++) {
                rmsNorm(ws.x, logitRows[k] * h, weights.outputNorm(), ws.xb, k * h, h, c.rmsEps());
            }
            kernel.multiply(weights.output(), ws.xb, logitCount, logits);
        }
    }

    /** Embeds the rows and runs every block over them; the hidden states end in {@code ws.x}. */
    private void blocks(int[] tokens, int tokenOffset, int count, Workspace ws) {
        ModelConfig c = config;
        int h = c.hiddenSize();
        for (int s = 0; s < ws.segments; s++) {
            ws.segmentCache[s].ensureCapacity(ws.segmentStart[s] + ws.segmentRows[s]);
        }
        computeRope(count, ws);
        for (int r = 0; r < count; r++) {
            weights.embedding().row(tokens[tokenOffset + r], ws.x, r * h);
        }
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights lw = weights.layers().get(l);
            attention(l, lw, count, ws);
            feedForward(lw, count, ws);
        }
    }

    private void attention(int layer, LayerWeights lw, int n, Workspace ws) {
        ModelConfig c = config;
        int h = c.hiddenSize();
        int qd = c.queryDim();
        int kvd = c.kvDim();
        int hd = c.headDim();
        for (int r = 0; r < n; r++) {
            rmsNorm(ws.x, r * h, lw.attnNorm(), ws.xb, r * h, h, c.rmsEps());
        }
        kernel.quantize(ws.xb, 0, n, ws.hiddenAct);
        project(lw.q(), ws.hiddenAct, ws.q, n);
        project(lw.k(), ws.hiddenAct, ws.k, n);
        project(lw.v(), ws.hiddenAct, ws.v, n);

        float scale = (float) (1.0 / Math.sqrt(hd));
        int first = 0;
        for (int s = 0; s < ws.segments; s++) {
            KvCache cache = ws.segmentCache[s];
            int start = ws.segmentStart[s];
            int rows = ws.segmentRows[s];
            float[] keys = cache.keys(layer);
            float[] values = cache.values(layer);
            for (int r = first; r < first + rows; r++) {
                int pos = start + r - first;
                for (int head = 0; head < c.heads(); head++) {
                    rope(ws.q, r * qd + head * hd, ws, r);
                }
                for (int head = 0; head < c.kvHeads(); head++) {
                    rope(ws.k, r * kvd + head * hd, ws, r);
                }
                System.arraycopy(ws.k, r * kvd, keys, pos * kvd, kvd);
                System.arraycopy(ws.v, r * kvd, values, pos * kvd, kvd);
            }
            if (first == 0) {
                kernel.attention(ws.q, keys, values, ws.attn, rows, start, c.heads(), c.kvHeads(), hd, scale);
            } else {
                // the attention kernel takes its query rows from row 0: move this segment's there and back
                System.arraycopy(ws.q, first * qd, ws.segmentQ, 0, rows * qd);
                kernel.attention(ws.segmentQ, keys, values, ws.segmentAttn, rows, start, c.heads(), c.kvHeads(), hd, scale);
                System.arraycopy(ws.segmentAttn, 0, ws.attn, first * qd, rows * qd);
            }
            first += rows;
        }
        if (lw.attnSubNorm() != null) {
            for (int r = 0; r < n; r++) {
                rmsNorm(ws.attn, r * qd, lw.attnSubNorm(), ws.attn, r * qd, qd, c.rmsEps());
            }
        }
        kernel.quantize(ws.attn, 0, n, ws.queryAct);
        project(lw.o(), ws.queryAct, ws.proj, n);
        addInto(ws.x, ws.proj, n * h);
    }

    private void feedForward(LayerWeights lw, int n, Workspace ws) {
        ModelConfig c = config;
        int h = c.hiddenSize();
        int f = c.ffnSize();
        for (int r = 0; r < n; r++) {
            rmsNorm(ws.x, r * h, lw.ffnNorm(), ws.xb, r * h, h, c.rmsEps());
        }
        kernel.quantize(ws.xb, 0, n, ws.hiddenAct);
        project(lw.gate(), ws.hiddenAct, ws.gate, n);
        project(lw.up(), ws.hiddenAct, ws.up, n);
        int total = n * f;
        if (c.activation() == Architecture.Activation.RELU_SQUARED) {
            for (int i = 0; i < total; i++) {
                float g = Math.max(ws.gate[i], 0f);
                ws.gate[i] = g * g * ws.up[i];
            }
        } else {
            for (int i = 0; i < total; i++) {
                float g = ws.gate[i];
                ws.gate[i] = g / (1f + (float) Math.exp(-g)) * ws.up[i];
            }
        }
        if (lw.ffnSubNorm() != null) {
            for (int r = 0; r < n; r++) {
                rmsNorm(ws.gate, r * f, lw.ffnSubNorm(), ws.gate, r * f, f, c.rmsEps());
            }
        }
        kernel.quantize(ws.gate, 0, n, ws.ffnAct);
        project(lw.down(), ws.ffnAct, ws.proj, n);
        addInto(ws.x, ws.proj, n * h);
    }

    private void project(BitLinear linear, Int8Activations act, float[] out, int n) {
        kernel.multiply(linear.matrix(), act, out, 0);
        float s = linear.outputScale();
        if (s != 1f) {
            int total = n * linear.rows();
            for (int i = 0; i < total; i++) {
                out[i] *= s;
            }
        }
    }

    /** Fills each row's cos/sin tables once (from its segment's positions), so every head of every layer reuses them. */
    private void computeRope(int count, Workspace ws) {
        int pairs = invFreq.length;
        int r = 0;
        for (int s = 0; s < ws.segments; s++) {
            int start = ws.segmentStart[s];
            for (int i = 0; i < ws.segmentRows[s] && r < count; i++, r++) {
                for (int j = 0; j < pairs; j++) {
                    float angle = (start + i) * invFreq[j];
                    ws.ropeCos[r * pairs + j] = (float) Math.cos(angle);
                    ws.ropeSin[r * pairs + j] = (float) Math.sin(angle);
                }
            }
        }
    }

    /** Rotates one head of chunk row {@code row} in place. */
    private void rope(float[] v, int off, Workspace ws, int row) {
        int pairs = invFreq.length;
        boolean neox = config.architecture().ropeStyle() == Architecture.RopeStyle.NEOX;
        for (int j = 0; j < pairs; j++) {
            float cos = ws.ropeCos[row * pairs + j];
            float sin = ws.ropeSin[row * pairs + j];
            int a = neox ? off + j : off + 2 * j;
            int b = neox ? off + j + pairs : off + 2 * j + 1;
            float x0 = v[a];
            float x1 = v[b];
            v[a] = x0 * cos - x1 * sin;
            v[b] = x0 * sin + x1 * cos;
        }
    }

    /** {@code out = x / sqrt(mean(x²) + eps) · weight}; {@code out} may alias {@code x}. */
    static void rmsNorm(float[] x, int xOff, float[] weight, float[] out, int outOff, int n, float eps) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i];
            ss += v * v;
        }
        float inv = (float) (1.0 / Math.sqrt(ss / n + eps));
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * weight[i];
        }
    }

    private static void addInto(float[] acc, float[] add, int n) {
        for (int i = 0; i < n; i++) {
            acc[i] += add[i];
        }
    }
}
