package dev.bitnet.kernels;

/**
 * A ternary matrix prepared by one kernel ({@link TernaryKernel#prepare}); only that kernel can use
 * it. Immutable and safe to share between threads.
 */
public interface TernaryMatrix {
    String name();

    /** Output features. */
    int rows();

    /** Input features. */
    int cols();

    /** The per-tensor weight scale {@code s_w}: effective weight = ternary value * s_w. */
    float scale();

    /** Bytes this preparation holds beyond the source (0 when it runs on the mapped file). */
    long ownedBytes();
}
