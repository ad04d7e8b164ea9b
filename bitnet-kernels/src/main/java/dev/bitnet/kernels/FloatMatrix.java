package dev.bitnet.kernels;

/**
 * A float (or block-quantized) matrix prepared by one kernel, for the token embedding and the LM
 * head. Immutable and safe to share between threads.
 */
public interface FloatMatrix {
    String name();

    int rows();

    int cols();

    FloatFormat format();

    /** Writes row {@code row} as floats into {@code dst[dstOffset .. dstOffset + cols)}. */
    void row(int row, float[] dst, int dstOffset);
}
