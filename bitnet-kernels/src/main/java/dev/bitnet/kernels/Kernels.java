package dev.bitnet.kernels;

import dev.bitnet.kernels.nativ.NativeKernelProvider;
import dev.bitnet.kernels.scalar.ScalarKernel;
import dev.bitnet.kernels.vector.VectorKernelProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Chooses the kernel for this machine: the fastest provider that can run here, unless one is
 * requested by name (argument, or the {@code bitnet.kernel} system property).
 */
public final class Kernels {
    /** System property naming the kernel to use: scalar, vector or native. */
    public static final String KERNEL_PROPERTY = "bitnet.kernel";

    private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
    private static final AtomicBoolean LOGGED = new AtomicBoolean();

    private Kernels() {
    }

    /** Providers from the reference to the fastest; selection prefers the last one that can run here. */
    public static List<KernelProvider> providers() {
        List<KernelProvider> list = new ArrayList<>();
        list.add(new ScalarProvider());
        list.add(new VectorKernelProvider());
        list.add(new NativeKernelProvider());
        return List.copyOf(list);
    }

    /**
     * Creates the kernel to use.
     *
     * @param requested a provider name, or empty to use the {@code bitnet.kernel} property or else the best available
     * @param threads   worker threads (at least 1)
     * @throws IllegalArgumentException for an unknown name, or a requested kernel that cannot run here (with the reason)
     */
    public static TernaryKernel create(Optional<String> requested, int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        Optional<String> wanted = requested.or(() -> Optional.ofNullable(System.getProperty(KERNEL_PROPERTY)))
                .map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty());
        List<KernelProvider> all = providers();
        if (wanted.isPresent()) {
            KernelProvider p = all.stream().filter(k -> k.name().equals(wanted.get())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("unknown kernel '" + wanted.get() + "'; known: "
                            + all.stream().map(KernelProvider::name).toList()));
            Optional<String> why = p.unavailableReason();
            if (why.isPresent()) {
                throw new IllegalArgumentException("kernel '" + p.name() + "' cannot run here: " + why.get());
            }
            TernaryKernel kernel = p.create(threads);
            logChoice(kernel, "requested");
            return kernel;
        }
        StringBuilder skipped = new StringBuilder();
        for (int i = all.size() - 1; i >= 0; i--) {
            KernelProvider p = all.get(i);
            Optional<String> why = p.unavailableReason();
            if (why.isEmpty()) {
                TernaryKernel kernel = p.create(threads);
                logChoice(kernel, skipped.isEmpty() ? "best available" : "best available;" + skipped);
                return kernel;
            }
            skipped.append(' ').append(p.name()).append(": ").append(why.get()).append(';');
        }
        throw new IllegalStateException("no kernel can run here:" + skipped);
    }

    /**
     * Physical cores of this machine (hyper-threads share one core's SIMD units, so they add little to
     * matmul throughput): unique (physical id, core id) pairs in /proc/cpuinfo, else the JVM's processor count.
     */
    public static int physicalCores() {
        int logical = Runtime.getRuntime().availableProcessors();
        Path cpuinfo = Path.of("/proc/cpuinfo");
        try {
            Set<String> cores = new HashSet<>();
            String physical = "0";
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("physical id")) {
                    physical = value;
                } else if (key.equals("core id")) {
                    cores.add(physical + "/" + value);
                }
            }
            return cores.isEmpty() ? logical : Math.max(1, Math.min(cores.size(), logical));
        } catch (IOException | RuntimeException e) {
            return logical;
        }
    }

    private static void logChoice(TernaryKernel kernel, String why) {
        if (LOGGED.compareAndSet(false, true)) {
            LOG.info("Using ternary kernel '{}' with {} thread(s) ({})", kernel.name(), kernel.threads(), why);
        } else {
            LOG.debug("Using ternary kernel '{}' with {} thread(s) ({})", kernel.name(), kernel.threads(), why);
        }
    }

    private static final class ScalarProvider implements KernelProvider {
        @Override
        public String name() {
            return "scalar";
        }

        @Override
        public Optional<String> unavailableReason() {
            return Optional.empty();
        }

        @Override
        public TernaryKernel create(int threads) {
            return new ScalarKernel();
        }
    }
}
