package dev.bitnet.model;

import org.jetbrains.annotations.Nullable;

/**
 * The weights of one transformer block. Norm weights are plain float arrays (read-only by contract);
 * the sub-norms are null for architectures without them.
 */
public record LayerWeights(
        float[] attnNorm,
        BitLinear q,
        BitLinear k,
        BitLinear v,
        @Nullable float[] attnSubNorm,
        BitLinear o,
        float[] ffnNorm,
        BitLinear gate,
        BitLinear up,
        @Nullable float[] ffnSubNorm,
        BitLinear down) {
}
