package dev.bitnet.model;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.TernaryKernel;

import java.lang.foreign.Arena;

/**
 * The optional int8 LM head of a model. Decode reads the whole head for every token (for BitNet
 * b1.58 2B-4T an F16 head is 657 MB of the 1.18 GB read per token), so one byte per weight instead
 * of two is the largest single saving; the embedding used for token lookups is left as it is.
 */
public final class HeadQuantizer {
    private HeadQuantizer() {
    }

    /** {@code weights} with its head replaced by a Q8_0 copy in {@code arena} (unchanged if already Q8_0). */
    public static Weights quantizeHead(Weights weights, TernaryKernel kernel, Arena arena) {
        FloatMatrix head = weights.output();
        if (head.format() == FloatFormat.Q8_0 || head.cols() % 32 != 0) {
            return weights;
        }
        FloatMatrix q8 = kernel.prepare(dev.bitnet.kernels.HeadQuantizer.toQ8_0(head, arena, kernel.threads()));
        return new Weights(weights.embedding(), q8, weights.outputNorm(), weights.layers());
    }
}
