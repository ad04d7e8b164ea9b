package dev.bitnet.kernels.nativ;

import dev.bitnet.kernels.KernelProvider;
import dev.bitnet.kernels.TernaryKernel;

import java.util.Optional;

/**
 * Provides {@link NativeKernel} on the best native build this CPU runs (or the one named by
 * {@value NativeLibrary#ISA_PROPERTY}); unavailable, with the reason, where there is none.
 */
public final class NativeKernelProvider implements KernelProvider {
    @Override
    public String name() {
        return "native";
    }

    @Override
    public Optional<String> unavailableReason() {
        try {
            NativeLibrary.best();
            return Optional.empty();
        } catch (NativeLibrary.UnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    @Override
    public TernaryKernel create(int threads) {
        try {
            return new NativeKernel(NativeLibrary.best(), threads);
        } catch (NativeLibrary.UnavailableException e) {
            throw new IllegalStateException("native kernel cannot run here: " + e.getMessage(), e);
        }
    }
}
