package dev.bitnet.model;

import dev.bitnet.kernels.TernaryMatrix;

/**
 * One ternary projection: the prepared matrix and an extra factor applied to its output (the
 * {@code .scale} tensors of the {@code bitnet} architecture; 1 elsewhere).
 */
public record BitLinear(TernaryMatrix matrix, float outputScale) {
    public BitLinear {
        if (!Float.isFinite(outputScale)) {
            throw new IllegalArgumentException(matrix.name() + ": output scale is not finite: " + outputScale);
        }
    }

    public int rows() {
        return matrix.rows();
    }

    public int cols() {
        return matrix.cols();
    }
}
