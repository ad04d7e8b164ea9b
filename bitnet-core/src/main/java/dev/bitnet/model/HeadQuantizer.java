package dev.bitnet.model;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.FloatMatrixSource;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.format.FloatCodec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Re-quantizes the LM head to Q8_0 at load. Decode reads the whole head for every token (for BitNet
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
        int rows = head.rows();
        int cols = head.cols();
        long rowBytes = FloatFormat.Q8_0.rowBytes(cols);
        MemorySegment data = arena.allocate(rows * rowBytes, 64);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            head.row(r, row, 0);
            FloatCodec.encodeQ8_0(row, 0, cols, data, r * rowBytes);
        }
        FloatMatrix q8 = kernel.prepare(new FloatMatrixSource(head.name() + " (Q8_0)", rows, cols, FloatFormat.Q8_0, data));
        return new Weights(weights.embedding(), q8, weights.outputNorm(), weights.layers());
    }
}
