package dev.bitnet.kernels.vector;

import dev.bitnet.kernels.KernelProvider;
import dev.bitnet.kernels.TernaryKernel;

import java.util.Optional;

/**
 * Provides {@link VectorKernel} when the JVM has the {@code jdk.incubator.vector} module. This class
 * touches no vector type itself, so that it loads (and reports why not) on a JVM started without
 * {@code --add-modules jdk.incubator.vector}; {@link VectorKernel} is only loaded by {@link #create}.
 */
public final class VectorKernelProvider implements KernelProvider {
    /** The incubator module that holds the Vector API. */
    public static final String MODULE = "jdk.incubator.vector";

    @Override
    public String name() {
        return "vector";
    }

    @Override
    public Optional<String> unavailableReason() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return Optional.of(MODULE + " is not in the boot layer (start the JVM with --add-modules " + MODULE + ")");
        }
        return Optional.empty();
    }

    @Override
    public TernaryKernel create(int threads) {
        unavailableReason().ifPresent(why -> {
            throw new IllegalStateException("vector kernel cannot run here: " + why);
        });
        return new VectorKernel(threads);
    }
}
