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

    /**
     * Bytes of weights one decode step streams from memory: every ternary matrix at 2 bits per weight
     * (the I2_S code layout the SIMD kernels read) and the LM head in its format. Norms and the one
     * embedding row are left out (a few kilobytes).
     */
    public long decodeBytes() {
        long ternary = 0;
        for (LayerWeights l : layers) {
            for (BitLinear b : List.of(l.q(), l.k(), l.v(), l.o(), l.gate(), l.up(), l.down())) {
                ternary += (long) b.rows() * b.matrix().cols() / 4;
            }
        }
        return ternary + output.rows() * output.format().rowBytes(output.cols());
    }
}
