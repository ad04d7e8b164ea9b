package dev.bitnet.kernels;

import java.util.Optional;

/** A family of kernels that may or may not run on this machine and JVM. */
public interface KernelProvider {
    /** The name used with {@code -Dbitnet.kernel=NAME} and {@code LoadOptions}: scalar, vector or native. */
    String name();

    /** Why this provider cannot run here, or empty when it can. */
    Optional<String> unavailableReason();

    /** Creates a kernel computing with {@code threads} threads. */
    TernaryKernel create(int threads);
}
