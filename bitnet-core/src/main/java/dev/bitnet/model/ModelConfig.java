package dev.bitnet.model;

/**
 * Hyperparameters of a model, as read from its file and checked for consistency.
 *
 * @param architecture   the transformer variant
 * @param activation     FFN activation actually used (the architecture's default unless the file says otherwise)
 * @param name           {@code general.name}, or the file name
 * @param vocabSize      rows of the token embedding
 * @param contextLength  positions the model was trained for
 * @param hiddenSize     d_model
 * @param ffnSize        FFN inner size
 * @param layers         transformer blocks
 * @param heads          query heads
 * @param kvHeads        key/value heads (GQA when fewer than heads)
 * @param headDim        dimensions per head
 * @param ropeDim        leading dimensions of each head that RoPE rotates (usually headDim)
 * @param ropeTheta      RoPE base frequency
 * @param rmsEps         RMSNorm epsilon
 * @param tiedEmbeddings whether the LM head is the token embedding
 */
public record ModelConfig(
        Architecture architecture,
        Architecture.Activation activation,
        String name,
        int vocabSize,
        int contextLength,
        int hiddenSize,
        int ffnSize,
        int layers,
        int heads,
        int kvHeads,
        int headDim,
        int ropeDim,
        float ropeTheta,
        float rmsEps,
        boolean tiedEmbeddings) {

    /** Upper bound on any dimension: far above real models, low enough that products fit comfortably in a long. */
    public static final int MAX_DIM = 1 << 20;
    /** Smallest RMSNorm epsilon accepted: below it a zero hidden state divides by (nearly) zero. */
    public static final float MIN_RMS_EPS = 1e-12f;
    /** Largest RMSNorm epsilon accepted: real models use 1e-6 to 1e-5. */
    public static final float MAX_RMS_EPS = 1f;

    public ModelConfig {
        check("vocab size", vocabSize, 1, 1 << 24);
        check("context length", contextLength, 1, 1 << 24);
        check("hidden size", hiddenSize, 1, MAX_DIM);
        check("FFN size", ffnSize, 1, MAX_DIM);
        check("layers", layers, 1, 4096);
        check("heads", heads, 1, 4096);
        check("KV heads", kvHeads, 1, heads);
        check("head dim", headDim, 2, 4096);
        check("RoPE dims", ropeDim, 0, headDim);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads (" + heads + ") must be a multiple of KV heads (" + kvHeads + ")");
        }
        if (ropeDim % 2 != 0) {
            throw new IllegalArgumentException("RoPE dims must be even, got " + ropeDim);
        }
        // a base below 1 makes the rotation frequencies base^(-2i/d) grow without bound: angles overflow to NaN
        if (!(ropeTheta >= 1) || !Float.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("RoPE base (rope.freq_base / rope_theta) must be finite and at least 1, got " + ropeTheta);
        }
        if (!(rmsEps >= MIN_RMS_EPS && rmsEps <= MAX_RMS_EPS)) {
            throw new IllegalArgumentException("RMSNorm epsilon (layer_norm_rms_epsilon / rms_norm_eps) must be in ["
                    + MIN_RMS_EPS + ", " + MAX_RMS_EPS + "], got " + rmsEps);
        }
    }

    private static void check(String what, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(what + " " + value + " outside [" + min + ", " + max + "]");
        }
    }

    /** Width of all query heads together. */
    public int queryDim() {
        return heads * headDim;
    }

    /** Width of all key (or value) heads together. */
    public int kvDim() {
        return kvHeads * headDim;
    }

    /** Query heads that share one KV head. */
    public int groupSize() {
        return heads / kvHeads;
    }
}
