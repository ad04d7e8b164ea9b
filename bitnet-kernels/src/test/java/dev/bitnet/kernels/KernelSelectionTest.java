package dev.bitnet.kernels;

import dev.bitnet.kernels.nativ.NativeKernelProvider;
import dev.bitnet.kernels.vector.VectorKernelProvider;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KernelSelectionTest {

    @Test
    void providersRunFromReferenceToFastest() {
        assertThat(Kernels.providers()).extracting(KernelProvider::name).containsExactly("scalar", "vector", "native");
    }

    @Test
    void picksTheFastestAvailableKernelAndHonoursRequests() {
        String expected = new NativeKernelProvider().unavailableReason().isEmpty() ? "native-"
                : new VectorKernelProvider().unavailableReason().isEmpty() ? "vector" : "scalar";
        try (TernaryKernel kernel = Kernels.create(Optional.empty(), 2)) {
            assertThat(kernel.name()).startsWith(expected);
            assertThat(kernel.threads()).isEqualTo(expected.equals("scalar") ? 1 : 2);
        }
        try (TernaryKernel kernel = Kernels.create(Optional.of(" Scalar "), 2)) {
            assertThat(kernel.name()).isEqualTo("scalar");
        }
        assertThatThrownBy(() -> Kernels.create(Optional.of("gpu"), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gpu").hasMessageContaining("native");
    }

    /** The library must work on a JVM started with no flags at all: no Vector API module, no native-access grant. */
    @Test
    void worksOnAJvmWithoutFlags() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(NoFlagsProbe.class.getName());
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("vector: jdk.incubator.vector is not in the boot layer");
        assertThat(out).contains("matches scalar");
        String nativeReason = new NativeKernelProvider().unavailableReason().orElse("available");
        assertThat(out).contains("chosen " + (nativeReason.equals("available") ? "native-" : "scalar"));
        assertThat(out).contains("requesting vector: IllegalArgumentException: kernel 'vector' cannot run here");
    }
}
