package dev.bitnet;

import dev.bitnet.gguf.GgufFile;
import dev.bitnet.kernels.Kernels;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.model.GgufModelLoader;
import dev.bitnet.model.HfModelLoader;
import dev.bitnet.model.ModelConfig;
import dev.bitnet.model.SequenceState;
import dev.bitnet.model.Transformer;
import dev.bitnet.model.Weights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A loaded BitNet model. Thread-safe and immutable once loaded: any number of {@link Session}s
 * may run on it at once. Close it to unmap the file and stop its compute threads.
 *
 * <pre>{@code
 * try (BitNetModel model = BitNetModel.load(Path.of("ggml-model-i2_s.gguf"))) {
 *     System.out.println(model.generate("The capital of France is").text());
 * }
 * }</pre>
 */
public final class BitNetModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BitNetModel.class);

    private final Path path;
    private final GgufFile file;
    private final List<AutoCloseable> resources;
    private final ModelConfig config;
    private final TernaryKernel kernel;
    private final Arena arena;
    private final Transformer transformer;
    private final LoadOptions options;
    private final int contextLength;
    private final double loadMillis;
    private volatile boolean closed;

    private BitNetModel(Path path, GgufFile file, List<AutoCloseable> resources, ModelConfig config, TernaryKernel kernel,
                        Arena arena, Transformer transformer, LoadOptions options, double loadMillis) {
        this.path = path;
        this.file = file;
        this.resources = List.copyOf(resources);
        this.config = config;
        this.kernel = kernel;
        this.arena = arena;
        this.transformer = transformer;
        this.options = options;
        this.contextLength = options.contextLength().orElse(config.contextLength());
        this.loadMillis = loadMillis;
    }

    /** Loads a GGUF model with default options. */
    public static BitNetModel load(Path path) {
        return load(path, LoadOptions.defaults());
    }

    /**
     * Loads a model: a GGUF file, or a Hugging Face checkpoint (a directory with {@code config.json}
     * and {@code model.safetensors}, or one of those files). Maps the weights, checks them, and
     * prepares them for the chosen kernel.
     *
     * @throws ModelFormatException      if the file is corrupt, truncated or inconsistent
     * @throws UnsupportedModelException if it is valid but not a model this library runs
     * @throws UncheckedIOException      if the file cannot be read
     */
    public static BitNetModel load(Path path, LoadOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        long start = System.nanoTime();
        boolean hf = isHuggingFace(path);
        GgufFile file = hf ? null : GgufFile.open(path);
        TernaryKernel kernel = null;
        Arena arena = Arena.ofShared();
        List<AutoCloseable> resources = new ArrayList<>();
        try {
            ModelConfig config = hf ? HfModelLoader.readConfig(path) : GgufModelLoader.readConfig(file);
            int threads = options.threads().orElse(defaultThreads());
            kernel = Kernels.create(options.kernel(), threads);
            Weights weights = hf
                    ? HfModelLoader.loadWeights(path, config, kernel, arena, resources)
                    : GgufModelLoader.loadWeights(file, config, kernel, arena);
            Transformer transformer = new Transformer(config, weights, kernel);
            double ms = (System.nanoTime() - start) / 1e6;
            LOG.info("Loaded {} ({}, {} layers, hidden {}, vocab {}) in {} ms with kernel {}", path.getFileName(),
                    config.architecture().ggufName(), config.layers(), config.hiddenSize(), config.vocabSize(),
                    String.format(Locale.ROOT, "%.1f", ms), kernel.name());
            return new BitNetModel(path, file, resources, config, kernel, arena, transformer, options, ms);
        } catch (IOException e) {
            release(kernel, arena, file, resources);
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            release(kernel, arena, file, resources);
            throw e;
        }
    }

    private static boolean isHuggingFace(Path path) {
        String name = String.valueOf(path.getFileName()).toLowerCase(Locale.ROOT);
        return Files.isDirectory(path) || name.endsWith(".safetensors") || name.endsWith(".json");
    }

    private static void release(TernaryKernel kernel, Arena arena, GgufFile file, List<AutoCloseable> resources) {
        if (kernel != null) {
            kernel.close();
        }
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", r, e.toString());
            }
        }
        arena.close();
        if (file != null) {
            file.close();
        }
    }

    /** Compute threads used when none are requested: the machine's physical cores. */
    public static int defaultThreads() {
        return Kernels.physicalCores();
    }

    /** Hyperparameters and architecture. */
    public ModelConfig config() {
        return config;
    }

    /** The file this model was loaded from. */
    public Path path() {
        return path;
    }

    /** The kernel running the ternary matmuls, e.g. {@code native-avx512}. */
    public String kernelName() {
        return kernel.name();
    }

    /** Compute threads. */
    public int threads() {
        return kernel.threads();
    }

    /** Context length of new sessions (the model's own unless overridden at load). */
    public int contextLength() {
        return contextLength;
    }

    /** Milliseconds {@link #load} took. */
    public double loadMillis() {
        return loadMillis;
    }

    /** The underlying GGUF file (metadata and tensor table), when the model was loaded from one. */
    public Optional<GgufFile> gguf() {
        return Optional.ofNullable(file);
    }

    /** Starts an empty session with this model's context length. */
    public Session newSession() {
        checkOpen();
        return new Session(this, new SequenceState(transformer, contextLength, options.batchSize()));
    }

    /** Package-private access for the forward pass of sessions and tests. */
    Transformer transformer() {
        return transformer;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("model " + path.getFileName() + " is closed");
        }
    }

    /** Stops compute threads and unmaps the file. Sessions fail afterwards. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        release(kernel, arena, file, resources);
    }
}
