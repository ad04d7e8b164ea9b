package dev.bitnet.kernels;

import dev.bitnet.kernels.nativ.NativeKernel;
import dev.bitnet.kernels.nativ.NativeLibrary;
import org.junit.jupiter.api.Named;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Every native build as a kernel under test, each skipped only where this CPU cannot run it. */
final class NativeKernels {
    private NativeKernels() {
    }

    static List<Named<KernelConformanceTest.KernelFactory>> factories() {
        List<Named<KernelConformanceTest.KernelFactory>> list = new ArrayList<>();
        for (NativeLibrary.Isa isa : NativeLibrary.Isa.values()) {
            list.add(Named.of("native-" + isa.id(), new KernelConformanceTest.KernelFactory(
                    () -> unavailable(isa), threads -> open(isa, threads))));
        }
        return list;
    }

    private static Optional<String> unavailable(NativeLibrary.Isa isa) {
        try {
            NativeLibrary.load(isa);
            return Optional.empty();
        } catch (NativeLibrary.UnavailableException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static TernaryKernel open(NativeLibrary.Isa isa, int threads) {
        try {
            return new NativeKernel(NativeLibrary.load(isa), threads);
        } catch (NativeLibrary.UnavailableException e) {
            throw new IllegalStateException(e);
        }
    }
}
