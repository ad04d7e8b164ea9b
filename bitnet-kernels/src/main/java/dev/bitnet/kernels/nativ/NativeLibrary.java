package dev.bitnet.kernels.nativ;

import dev.bitnet.kernels.BlockDot;
import dev.bitnet.kernels.FloatFormat;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One native kernel build, extracted from the class path and bound through FFM.
 *
 * <p>The jar carries {@code native/<os>-<arch>/libbitnet-<isa>.so} for every instruction set it was
 * built for, plus {@code libbitnet-cpu.so}, a baseline build that reports the CPU's features. A
 * library is copied (atomically) into {@code <java.io.tmpdir>/bitnet-java-<version>-<hash>/} (or the
 * directory named by {@value #CACHE_PROPERTY}), its bytes are checked against the jar's before every
 * load, and it is loaded only when the CPU and operating system support every instruction the build may
 * use, so an unsupported build is never run. Libraries are loaded once per JVM and never unloaded.
 */
public final class NativeLibrary {
    /** System property naming a directory to extract native libraries into (default: java.io.tmpdir). */
    public static final String CACHE_PROPERTY = "bitnet.native.cache";
    /** System property forcing one build (avx512, avx2, neon) instead of the best one this CPU runs. */
    public static final String ISA_PROPERTY = "bitnet.native.isa";
    /** Must equal {@code BITNET_ABI_VERSION} in bitnet_kernels.h. */
    static final int ABI_VERSION = 2;

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrary.class);
    private static final Map<Isa, Object> LOADED = new EnumMap<>(Isa.class);
    private static CpuFeatures features;

    /** The instruction sets there are builds for, best first within each architecture. */
    public enum Isa {
        AVX512("avx512", "linux-x86_64", CpuFeatures.X86_64_V4_VNNI, "x86-64-v4 with AVX-512 VNNI"),
        AVX2("avx2", "linux-x86_64", CpuFeatures.X86_64_V3, "x86-64-v3 (AVX2, FMA, F16C, BMI2)"),
        NEON("neon", "linux-aarch64", CpuFeatures.ARMV82_DOTPROD, "ARMv8.2 NEON with dotprod");

        private final String id;
        private final String platform;
        private final int required;
        private final String description;

        Isa(String id, String platform, int required, String description) {
            this.id = id;
            this.platform = platform;
            this.required = required;
            this.description = description;
        }

        /** The name used in file names, {@value #ISA_PROPERTY} and kernel names. */
        public String id() {
            return id;
        }

        /** The {@code <os>-<arch>} directory holding this build. */
        public String platform() {
            return platform;
        }

        /** The {@link CpuFeatures} bits this build needs. */
        public int requiredFeatures() {
            return required;
        }

        /** The instruction-set level, for messages. */
        public String description() {
            return description;
        }

        /** The ISA named {@code id}, or empty. */
        public static Optional<Isa> byId(String id) {
            for (Isa isa : values()) {
                if (isa.id.equals(id)) {
                    return Optional.of(isa);
                }
            }
            return Optional.empty();
        }
    }

    /** Why a native library cannot be used here. */
    public static final class UnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        UnavailableException(String message) {
            super(message);
        }

        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Isa isa;
    private final Path path;
    private final MethodHandle pack;
    private final MethodHandle gemm;
    private final MethodHandle gemmLong;
    private final MethodHandle quantize;
    private final MethodHandle head;
    private final MethodHandle headQ;

    private NativeLibrary(Isa isa, Path path, SymbolLookup lookup) {
        this.isa = isa;
        this.path = path;
        Linker linker = Linker.nativeLinker();
        // Calls that return within microseconds skip the thread-state transition; a long prefill
        // tile stays a normal call so that it does not hold up a garbage collection.
        Linker.Option critical = Linker.Option.critical(false);
        ValueLayout.OfInt i32 = ValueLayout.JAVA_INT;
        ValueLayout.OfLong i64 = ValueLayout.JAVA_LONG;
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT;
        AddressLayout ptr = ValueLayout.ADDRESS;
        this.pack = linker.downcallHandle(lookup.findOrThrow("bitnet_act_pack"),
                FunctionDescriptor.ofVoid(ptr, i64, i32, i32, i32, ptr, ptr), critical);
        FunctionDescriptor gemmDescriptor = FunctionDescriptor.ofVoid(ptr, i32, i32, i32, ptr, i32, ptr, ptr, f32, ptr, i64);
        this.gemm = linker.downcallHandle(lookup.findOrThrow("bitnet_i2s_gemm"), gemmDescriptor, critical);
        this.gemmLong = linker.downcallHandle(lookup.findOrThrow("bitnet_i2s_gemm"), gemmDescriptor);
        this.quantize = linker.downcallHandle(lookup.findOrThrow("bitnet_quantize"),
                FunctionDescriptor.ofVoid(ptr, i32, i32, ptr, i64, ptr, ptr), critical);
        this.head = linker.downcallHandle(lookup.findOrThrow("bitnet_head"),
                FunctionDescriptor.ofVoid(i32, ptr, i32, i32, i32, ptr, i32, ptr, i64), critical);
        this.headQ = linker.downcallHandle(lookup.findOrThrow("bitnet_head_q"),
                FunctionDescriptor.ofVoid(i32, ptr, i32, i32, i32, ptr, ptr, ptr, i32, ptr, i64), critical);
    }

    /** The build's instruction set. */
    public Isa isa() {
        return isa;
    }

    /** Where the library was loaded from. */
    public Path path() {
        return path;
    }

    /** The platform directory for this JVM ({@code linux-x86_64}, {@code linux-aarch64}), or empty. */
    public static Optional<String> platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            return Optional.empty();
        }
        return switch (arch) {
            case "amd64", "x86_64" -> Optional.of("linux-x86_64");
            case "aarch64", "arm64" -> Optional.of("linux-aarch64");
            default -> Optional.empty();
        };
    }

    /** This CPU's features (detected once). */
    public static synchronized CpuFeatures cpuFeatures() {
        if (features == null) {
            features = detectFeatures();
        }
        return features;
    }

    private static CpuFeatures detectFeatures() {
        Optional<String> platform = platform();
        if (platform.isPresent()) {
            try {
                Path lib = extract(platform.get(), "libbitnet-cpu.so");
                SymbolLookup lookup = SymbolLookup.libraryLookup(lib, Arena.global());
                MethodHandle detect = Linker.nativeLinker().downcallHandle(lookup.findOrThrow("bitnet_cpu_features"),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT));
                return new CpuFeatures((int) detect.invokeExact(), "cpuid");
            } catch (Throwable e) {
                LOG.debug("CPU detection through libbitnet-cpu.so failed, reading /proc/cpuinfo", e);
            }
        }
        try {
            return CpuFeatures.fromCpuinfo(Path.of("/proc/cpuinfo"));
        } catch (IOException | RuntimeException e) {
            return new CpuFeatures(0, "none (" + e.getMessage() + ")");
        }
    }

    /**
     * The build to use here: the one named by {@value #ISA_PROPERTY} if set, else the best one this CPU
     * runs.
     *
     * @throws UnavailableException saying why none can be used
     */
    public static NativeLibrary best() throws UnavailableException {
        String forced = System.getProperty(ISA_PROPERTY, "").trim().toLowerCase(Locale.ROOT);
        if (!forced.isEmpty()) {
            Isa isa = Isa.byId(forced).orElseThrow(() -> new UnavailableException(
                    ISA_PROPERTY + "=" + forced + " names no native build; known: avx512, avx2, neon"));
            return load(isa);
        }
        String platform = platform().orElseThrow(() -> new UnavailableException("no native kernels for "
                + System.getProperty("os.name") + "/" + System.getProperty("os.arch")));
        StringBuilder why = new StringBuilder();
        for (Isa isa : Isa.values()) {
            if (!isa.platform.equals(platform)) {
                continue;
            }
            try {
                return load(isa);
            } catch (UnavailableException e) {
                why.append(why.isEmpty() ? "" : "; ").append(e.getMessage());
            }
        }
        throw new UnavailableException(why.isEmpty() ? "no native build for " + platform : why.toString());
    }

    /**
     * Loads one build (once per JVM).
     *
     * @throws UnavailableException if this platform has no such build, the CPU lacks its instructions, or
     *                              the library cannot be extracted or loaded
     */
    public static NativeLibrary load(Isa isa) throws UnavailableException {
        synchronized (LOADED) {
            Object cached = LOADED.get(isa);
            if (cached == null) {
                try {
                    cached = doLoad(isa);
                } catch (UnavailableException e) {
                    cached = e;
                }
                LOADED.put(isa, cached);
            }
            if (cached instanceof UnavailableException e) {
                throw new UnavailableException(e.getMessage(), e);
            }
            return (NativeLibrary) cached;
        }
    }

    private static NativeLibrary doLoad(Isa isa) throws UnavailableException {
        String platform = platform().orElse("unsupported platform");
        if (!isa.platform.equals(platform)) {
            throw new UnavailableException(isa.id + " build is for " + isa.platform + ", this JVM runs on " + platform);
        }
        CpuFeatures cpu = cpuFeatures();
        if (!cpu.has(isa.required)) {
            throw new UnavailableException("CPU lacks " + isa.description + " for the " + isa.id + " build (features from "
                    + cpu.source() + ")");
        }
        String file = "libbitnet-" + isa.id + ".so";
        Path path;
        try {
            path = extract(platform, file);
        } catch (IOException | UncheckedIOException e) {
            throw new UnavailableException("cannot extract " + file + ": " + e.getMessage(), e);
        }
        try {
            SymbolLookup lookup = SymbolLookup.libraryLookup(path, Arena.global());
            MethodHandle version = Linker.nativeLinker().downcallHandle(lookup.findOrThrow("bitnet_abi_version"),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT));
            int abi = (int) version.invokeExact();
            if (abi != ABI_VERSION) {
                throw new UnavailableException(file + " has ABI version " + abi + ", expected " + ABI_VERSION);
            }
            LOG.debug("Loaded native kernels {} from {}", isa.id, path);
            return new NativeLibrary(isa, path, lookup);
        } catch (UnavailableException e) {
            throw e;
        } catch (Throwable e) {
            throw new UnavailableException("cannot load " + path + ": " + e, e);
        }
    }

    /**
     * Copies {@code native/<platform>/<file>} from the class path into the cache directory (unless an
     * identical copy is there) and returns its path.
     *
     * @throws IOException if the resource is missing or cannot be written
     */
    static Path extract(String platform, String file) throws IOException {
        String resource = "/native/" + platform + "/" + file;
        byte[] bytes;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException(resource + " is not on the class path (was the jar built without gcc?)");
            }
            bytes = in.readAllBytes();
        }
        String version;
        try (InputStream in = NativeLibrary.class.getResourceAsStream("/native/VERSION")) {
            version = in == null ? "dev" : new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        String hash = sha256(bytes);
        String base = System.getProperty(CACHE_PROPERTY, System.getProperty("java.io.tmpdir"));
        Path dir = Path.of(base, "bitnet-java-" + version.replaceAll("[^A-Za-z0-9._-]", "_") + "-" + hash.substring(0, 16));
        Path target = dir.resolve(file);
        if (Files.isRegularFile(target) && hash.equals(sha256(Files.readAllBytes(target)))) {
            return target;
        }
        createPrivateDirectory(dir);
        Path tmp = Files.createTempFile(dir, file, ".tmp");
        try {
            Files.write(tmp, bytes);
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        if (!hash.equals(sha256(Files.readAllBytes(target)))) {
            throw new IOException(target + " does not hold the bytes of " + resource + " after extraction");
        }
        return target;
    }

    private static void createPrivateDirectory(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir.getParent());
            if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            // another process or thread created it first
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** {@code bitnet_act_pack}. */
    void pack(MemorySegment q, long stride, int batch, int cols, int pcols, MemorySegment dst, MemorySegment sums) {
        NativeArgs.pack(q, stride, batch, cols, pcols, dst, sums);
        try {
            pack.invokeExact(q, stride, batch, cols, pcols, dst, sums);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bitnet_i2s_gemm}; {@code shortCall} picks the critical (no thread transition) binding. */
    void gemm(boolean shortCall, MemorySegment w, int row0, int row1, int pcols, MemorySegment qp, int batch,
              MemorySegment sums, MemorySegment sa, float sw, MemorySegment y, long yStride) {
        NativeArgs.gemm(w, row0, row1, pcols, qp, batch, sums, sa, y, yStride);
        try {
            if (shortCall) {
                gemm.invokeExact(w, row0, row1, pcols, qp, batch, sums, sa, sw, y, yStride);
            } else {
                gemmLong.invokeExact(w, row0, row1, pcols, qp, batch, sums, sa, sw, y, yStride);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bitnet_quantize}. */
    void quantize(MemorySegment x, int rows, int cols, MemorySegment q, long stride, MemorySegment sa, MemorySegment sums) {
        NativeArgs.quantize(x, rows, cols, q, stride, sa, sums);
        try {
            quantize.invokeExact(x, rows, cols, q, stride, sa, sums);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code bitnet_head}. */
    void head(int format, MemorySegment w, int cols, int row0, int row1, MemorySegment x, int batch, MemorySegment y, long yStride) {
        NativeArgs.head(format, w, cols, row0, row1, x, batch, y, yStride);
        try {
            head.invokeExact(format, w, cols, row0, row1, x, batch, y, yStride);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The {@code BITNET_HEAD_*} code of a format {@link #headQ} computes, or -1. */
    static int blockHeadFormat(FloatFormat format) {
        return switch (format) {
            case Q4_0 -> 4;
            case Q6_K -> 5;
            case Q4_K -> 6;
            case Q5_K -> 7;
            default -> -1;
        };
    }

    /**
     * {@code bitnet_head_q}: head rows {@code [row0, row1)} of {@code w} ({@code format}, {@code cols} values a
     * row) against {@code batch} activation rows quantized as {@link BlockDot} does (codes {@code q}, block
     * scales {@code d}, 16-value code sums {@code bsums}), into {@code y[r * yStride + v]}. Every argument is
     * checked here, since the native code trusts them: the format, the sizes of every segment against
     * the shape, the row range against the rows {@code w} holds, and the output's reach.
     *
     * @throws IllegalArgumentException  for an unsupported format, a shape the format cannot hold, a heap
     *                                   segment, or a bad batch or stride
     * @throws IndexOutOfBoundsException when a segment is too small for the call or the row range is outside {@code w}
     */
    void headQ(FloatFormat format, MemorySegment w, int cols, int row0, int row1, MemorySegment q, MemorySegment d,
               MemorySegment bsums, int batch, MemorySegment y, long yStride) {
        int code = blockHeadFormat(Objects.requireNonNull(format, "format"));
        if (code < 0) {
            throw new IllegalArgumentException("bitnet_head_q does not compute " + format + " heads");
        }
        int block = BlockDot.activationBlock(format);
        if (cols <= 0 || cols % block != 0 || cols % format.blockSize() != 0) {
            throw new IllegalArgumentException(format + " head rows need a positive multiple of " + block + " values, got " + cols);
        }
        if (batch <= 0) {
            throw new IllegalArgumentException("batch must be positive, got " + batch);
        }
        for (MemorySegment s : new MemorySegment[] {w, q, d, bsums, y}) {
            if (!Objects.requireNonNull(s, "segment").isNative()) {
                throw new IllegalArgumentException("native kernels read only off-heap memory");
            }
        }
        long rowBytes = format.rowBytes(cols);
        long rows = w.byteSize() / rowBytes;
        if (row0 < 0 || row1 < row0 || row1 > rows) {
            throw new IndexOutOfBoundsException("rows [" + row0 + ", " + row1 + ") outside the " + rows + " rows of the weights");
        }
        if (yStride < row1) {
            throw new IllegalArgumentException("output stride " + yStride + " is shorter than the rows written (" + row1 + ")");
        }
        check("codes", q, (long) batch * cols);
        check("block scales", d, (long) batch * (cols / block) * Float.BYTES);
        check("code sums", bsums, (long) batch * (cols / BlockDot.SUM_BLOCK) * Integer.BYTES);
        long reach;
        try {
            reach = Math.multiplyExact(Math.addExact(Math.multiplyExact(batch - 1L, yStride), (long) row1), (long) Float.BYTES);
        } catch (ArithmeticException e) {
            throw new IndexOutOfBoundsException("output stride " + yStride + " times batch " + batch + " overflows");
        }
        check("output", y, reach);
        try {
            headQ.invokeExact(code, w, cols, row0, row1, q, d, bsums, batch, y, yStride);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static void check(String what, MemorySegment s, long bytes) {
        if (s.byteSize() < bytes) {
            throw new IndexOutOfBoundsException(what + " need " + bytes + " bytes, segment has " + s.byteSize());
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException e) {
            return e;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    @Override
    public String toString() {
        return "NativeLibrary[" + isa.id + ", " + path + "]";
    }
}
