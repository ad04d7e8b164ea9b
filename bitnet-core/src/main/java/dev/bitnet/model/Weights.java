package dev.bitnet.model;

import dev.bitnet.kernels.FloatMatrix;

import java.util.List;

/**
 * Every weight of a model, prepared for one kernel.
 *
 * @param embedding  token embedding, {@code vocab x hidden}
 * @param output     LM head, {@code vocab x hidden} (the embedding itself when tied)
 * @param outputNorm final RMSNorm weight
 * @param layers     the transformer blocks, in order
 */
public record Weights(FloatMatrix embedding, FloatMatrix output, float[] outputNorm, List<LayerWeights> layers) {
    public Weights {
        layers = List.copyOf(layers);
    }
}
