package dev.bitnet.gguf;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Maps a file's pages into the process before their first use. Decode reads every weight on the
 * first token, and taking ~300k page faults one at a time there costs most of a second on a 1.2 GB
 * model; {@code madvise(MADV_POPULATE_READ)} (Linux 5.14+) lets the kernel map them in one call at
 * load. Where that is unavailable (other systems, older kernels, no native access) nothing happens
 * and pages fault in on first use as before.
 */
final class PagePrefetch {
    private static final Logger LOG = LoggerFactory.getLogger(PagePrefetch.class);
    private static final int MADV_POPULATE_READ = 22;
    private static final Optional<MethodHandle> MADVISE = lookup();

    private PagePrefetch() {
    }

    private static Optional<MethodHandle> lookup() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return Optional.empty();
        }
        try {
            Linker linker = Linker.nativeLinker();
            return linker.defaultLookup().find("madvise").map(addr -> linker.downcallHandle(addr,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT)));
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("madvise is not available: {}", e.toString());
            return Optional.empty();
        }
    }

    /** Asks the kernel to map every page of {@code mapping} now; returns whether it did. */
    static boolean populate(MemorySegment mapping) {
        if (MADVISE.isEmpty() || !mapping.isNative() || mapping.byteSize() == 0) {
            return false;
        }
        try {
            int rc = (int) MADVISE.get().invokeExact(mapping, mapping.byteSize(), MADV_POPULATE_READ);
            return rc == 0;
        } catch (Throwable t) {
            LOG.debug("madvise(MADV_POPULATE_READ) failed: {}", t.toString());
            return false;
        }
    }
}
