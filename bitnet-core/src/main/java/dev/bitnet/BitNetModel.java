package dev.bitnet;

import dev.bitnet.gguf.GgufFile;
import dev.bitnet.kernels.Kernels;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.model.GgufModelLoader;
import dev.bitnet.model.ModelConfig;
import dev.bitnet.model.SequenceState;
import dev.bitnet.model.Transformer;
import dev.bitnet.model.Weights;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Objects;

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
    private final ModelConfig config;
    private final TernaryKernel kernel;
    private final Arena arena;
    private final Transformer transformer;
    private final LoadOptions options;
    private final int contextLength;
    private final double loadMillis;
    private volatile boolean closed;

    private BitNetModel(Path path, GgufFile file, ModelConfig config, TernaryKernel kernel, Arena arena,
                        Transformer transformer, LoadOptions options, double loadMillis) {
        this.path = path;
        this.file = file;
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
     * Loads a GGUF model: maps the file, checks it, and prepares the weights for the chosen kernel.
     *
     * @throws ModelFormatException      if the file is corrupt, truncated or inconsistent
     * @throws UnsupportedModelException if it is valid but not a model this library runs
     */
    public static BitNetModel load(Path path, LoadOptions options) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        long start = System.nanoTime();
        GgufFile file = GgufFile.open(path);
        TernaryKernel kernel = null;
        Arena arena = Arena.ofShared();
        try {
            ModelConfig config = GgufModelLoader.readConfig(file);
            int threads = options.threads().orElse(defaultThreads());
            kernel = Kernels.create(options.kernel(), threads);
            Weights weights = GgufModelLoader.loadWeights(file, config, kernel, arena);
            Transformer transformer = new Transformer(config, weights, kernel);
            double ms = (System.nanoTime() - start) / 1e6;
            LOG.info("Loaded {} ({}, {} layers, hidden {}, vocab {}) in {} ms with kernel {}", path.getFileName(),
                    config.architecture().ggufName(), config.layers(), config.hiddenSize(), config.vocabSize(),
                    String.format("%.1f", ms), kernel.name());
            return new BitNetModel(path, file, config, kernel, arena, transformer, options, ms);
        } catch (RuntimeException | Error e) {
            if (kernel != null) {
                kernel.close();
            }
            arena.close();
            file.close();
            throw e;
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

    /** The underlying GGUF file (metadata and tensor table). */
    public GgufFile file() {
        return file;
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
        kernel.close();
        arena.close();
        file.close();
    }
}
