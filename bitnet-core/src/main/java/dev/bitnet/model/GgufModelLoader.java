package dev.bitnet.model;

import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import dev.bitnet.gguf.GgmlType;
import dev.bitnet.gguf.GgufFile;
import dev.bitnet.gguf.GgufMetadata;
import dev.bitnet.gguf.GgufTensor;
import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.FloatMatrixSource;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.TernaryMatrix;
import dev.bitnet.kernels.TernaryMatrixSource;
import dev.bitnet.kernels.format.FloatCodec;
import dev.bitnet.tokenizer.BpeVocabulary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the hyperparameters and weights of a BitNet model from a GGUF file (bitnet-format.md §2)
 * and prepares them for a kernel. Tensor shapes are checked against the hyperparameters; ternary
 * weights stored as floats are ternarized here.
 */
public final class GgufModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(GgufModelLoader.class);

    private final GgufFile file;
    private final GgufMetadata meta;
    private final TernaryKernel kernel;
    private final Arena arena;

    private GgufModelLoader(GgufFile file, TernaryKernel kernel, Arena arena) {
        this.file = file;
        this.meta = file.metadata();
        this.kernel = kernel;
        this.arena = arena;
    }

    /** The hyperparameters of an open GGUF file. */
    public static ModelConfig readConfig(GgufFile file) {
        GgufMetadata meta = file.metadata();
        String archName = meta.getString("general.architecture");
        Architecture arch = Architecture.fromGguf(archName).orElseThrow(() -> new UnsupportedModelException(file.path(), "architecture '" + archName + "' is not supported (supported: bitnet-b1.58, bitnet-25, bitnet, llama)"));
        String p = archName + ".";
        int hidden = meta.getInt(p + "embedding_length");
        int heads = meta.getInt(p + "attention.head_count");
        int kvHeads = meta.findInt(p + "attention.head_count_kv").orElse(heads);
        if (heads <= 0 || hidden <= 0) {
            throw new ModelFormatException(file.path(), -1, "non-positive " + p + "embedding_length / attention.head_count: "
                    + hidden + " / " + heads);
        }
        int headDim = meta.findInt(p + "attention.key_length").orElse(hidden / heads);
        GgufTensor embd = file.tensor("token_embd.weight").orElseThrow(() -> missing(file, "token_embd.weight"));
        int vocab = meta.findInt(p + "vocab_size").orElse((int) Math.min(Integer.MAX_VALUE, dim(embd, 1)));
        Architecture.Activation activation = activation(file, arch, p);
        try {
            return new ModelConfig(
                    arch,
                    activation,
                    meta.findString("general.name").orElse(file.path().getFileName().toString()),
                    vocab,
                    meta.getInt(p + "context_length"),
                    hidden,
                    meta.getInt(p + "feed_forward_length"),
                    meta.getInt(p + "block_count"),
                    heads,
                    kvHeads,
                    headDim,
                    meta.findInt(p + "rope.dimension_count").orElse(headDim),
                    meta.findFloat(p + "rope.freq_base").orElse(10000f),
                    meta.findFloat(p + "attention.layer_norm_rms_epsilon").orElse(1e-5f),
                    file.tensor("output.weight").isEmpty());
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file.path(), -1, "inconsistent hyperparameters: " + e.getMessage());
        }
    }

    /**
     * The FFN activation. bitnet-b1.58 means relu², except that converters have also written 1bitLLM
     * SiLU models under that name; those carry a LLaMA SentencePiece vocabulary (bitnet-format.md §6).
     */
    private static Architecture.Activation activation(GgufFile file, Architecture arch, String prefix) {
        Optional<String> declared = file.metadata().findString(prefix + "hidden_activation");
        if (declared.isPresent()) {
            return switch (declared.get()) {
                case "relu2", "relu_squared" -> Architecture.Activation.RELU_SQUARED;
                case "silu", "swish" -> Architecture.Activation.SILU;
                default -> throw new UnsupportedModelException(file.path(), prefix + "hidden_activation '"
                        + declared.get() + "' is not supported (relu2, silu)");
            };
        }
        if (arch == Architecture.BITNET_B158 && file.metadata().findString("tokenizer.ggml.model").filter("llama"::equals).isPresent()) {
            LOG.warn("{}: arch bitnet-b1.58 with a LLaMA SentencePiece vocabulary: treating it as a 1bitLLM model (SiLU FFN)", file.path());
            return Architecture.Activation.SILU;
        }
        return arch.defaultActivation();
    }

    /**
     * The byte-level BPE vocabulary in {@code tokenizer.ggml.*}, or empty when the file has none or
     * has another kind (SentencePiece {@code llama} vocabularies are not supported yet).
     */
    public static Optional<BpeVocabulary> vocabulary(GgufFile file) {
        GgufMetadata meta = file.metadata();
        Optional<String> model = meta.findString("tokenizer.ggml.model");
        if (model.isEmpty() || !model.get().equals("gpt2") || !meta.contains("tokenizer.ggml.tokens")) {
            if (model.isPresent()) {
                LOG.warn("{}: tokenizer model '{}' is not supported; the model runs on token ids only", file.path(), model.get());
            }
            return Optional.empty();
        }
        int[] stops = meta.findInt("tokenizer.ggml.eot_token_id").stream().toArray();
        return Optional.of(new BpeVocabulary(
                model.get(),
                meta.getStringArray("tokenizer.ggml.tokens"),
                meta.contains("tokenizer.ggml.token_type") ? meta.getIntArray("tokenizer.ggml.token_type") : null,
                meta.contains("tokenizer.ggml.merges") ? meta.getStringArray("tokenizer.ggml.merges") : new String[0],
                meta.findString("tokenizer.ggml.pre").orElse(null),
                meta.findInt("tokenizer.ggml.bos_token_id").orElse(-1),
                meta.findInt("tokenizer.ggml.eos_token_id").orElse(-1),
                meta.findBool("tokenizer.ggml.add_bos_token").orElse(false),
                stops));
    }

    /**
     * Prepares every weight of {@code file} for {@code kernel}. Buffers made while loading (ternarized
     * float weights) are allocated in {@code arena}, which the caller closes with the model.
     */
    public static Weights loadWeights(GgufFile file, ModelConfig config, TernaryKernel kernel, Arena arena) {
        return new GgufModelLoader(file, kernel, arena).weights(config);
    }

    /** Per-layer GGUF tensor names; group 1 is the layer index. */
    private static final Pattern LAYER_TENSOR = Pattern.compile("blk\\.(\\d+)\\.");

    private Weights weights(ModelConfig c) {
        WeightChecks.checkNoExtraLayers(file.path(), c.architecture().ggufName() + ".block_count", c.layers(),
                file.tensors().stream().map(GgufTensor::name).toList(), LAYER_TENSOR);
        int h = c.hiddenSize();
        FloatMatrix embedding = floatMatrix("token_embd.weight", c.vocabSize(), h);
        FloatMatrix output = file.tensor("output.weight").isPresent()
                ? floatMatrix("output.weight", c.vocabSize(), h)
                : embedding;
        List<LayerWeights> layers = new ArrayList<>(c.layers());
        boolean sub = c.architecture().hasSubNorms();
        for (int l = 0; l < c.layers(); l++) {
            String b = "blk." + l + ".";
            layers.add(new LayerWeights(
                    vector(b + "attn_norm.weight", h),
                    linear(b + "attn_q", c.queryDim(), h),
                    linear(b + "attn_k", c.kvDim(), h),
                    linear(b + "attn_v", c.kvDim(), h),
                    sub ? vector(b + "attn_sub_norm.weight", c.queryDim()) : null,
                    linear(b + "attn_output", h, c.queryDim()),
                    vector(b + "ffn_norm.weight", h),
                    linear(b + "ffn_gate", c.ffnSize(), h),
                    linear(b + "ffn_up", c.ffnSize(), h),
                    sub ? vector(b + "ffn_sub_norm.weight", c.ffnSize()) : null,
                    linear(b + "ffn_down", h, c.ffnSize())));
        }
        return new Weights(embedding, output, vector("output_norm.weight", h), layers);
    }

    private GgufTensor tensor(String name) {
        return file.tensor(name).orElseThrow(() -> missing(file, name));
    }

    private static ModelFormatException missing(GgufFile file, String name) {
        return new ModelFormatException(file.path(), -1, "tensor " + name + " is missing");
    }

    private static long dim(GgufTensor t, int i) {
        return i < t.shape().length ? t.shape()[i] : 1;
    }

    private void expectShape(GgufTensor t, long... expected) {
        long[] actual = t.shape();
        // trailing dims of 1 are the same shape
        int n = actual.length;
        while (n > expected.length && actual[n - 1] == 1) {
            n--;
        }
        long[] trimmed = Arrays.copyOf(actual, n);
        if (!Arrays.equals(trimmed, expected)) {
            throw new ModelFormatException(file.path(), t.offset(), "tensor " + t.name() + " has shape "
                    + Arrays.toString(actual) + ", expected " + Arrays.toString(expected) + " from the hyperparameters");
        }
    }

    private FloatMatrix floatMatrix(String name, int rows, int cols) {
        GgufTensor t = tensor(name);
        expectShape(t, cols, rows);
        FloatFormat format = floatFormat(t).orElseThrow(() -> new UnsupportedModelException(file.path(), "tensor "
                + name + " has type " + t.type() + ", which is not supported for embeddings and heads"));
        try {
            return kernel.prepare(new FloatMatrixSource(name, rows, cols, format, file.data(t)));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file.path(), t.offset(), e.getMessage());
        }
    }

    private static Optional<FloatFormat> floatFormat(GgufTensor t) {
        return switch (t.type()) {
            case F32 -> Optional.of(FloatFormat.F32);
            case F16 -> Optional.of(FloatFormat.F16);
            case BF16 -> Optional.of(FloatFormat.BF16);
            case Q8_0 -> Optional.of(FloatFormat.Q8_0);
            case Q4_0 -> Optional.of(FloatFormat.Q4_0);
            case Q6_K -> Optional.of(FloatFormat.Q6_K);
            case Q4_K -> Optional.of(FloatFormat.Q4_K);
            case Q5_K -> Optional.of(FloatFormat.Q5_K);
            default -> Optional.empty();
        };
    }

    private float[] vector(String name, int n) {
        GgufTensor t = tensor(name);
        expectShape(t, n);
        FloatFormat format = floatFormat(t).orElseThrow(() -> new UnsupportedModelException(file.path(), "tensor "
                + name + " has type " + t.type() + ", expected a float type"));
        float[] out = new float[n];
        FloatCodec.decodeRow(format, file.data(t), n, 0, out, 0);
        WeightChecks.checkSmallTensor(file.path(), t.offset(), name, out);
        return out;
    }

    private BitLinear linear(String base, int rows, int cols) {
        String name = base + ".weight";
        GgufTensor t = tensor(name);
        expectShape(t, cols, rows);
        float outputScale = 1f;
        Optional<GgufTensor> scaleTensor = file.tensor(base + ".scale");
        if (scaleTensor.isPresent()) {
            outputScale = vector(base + ".scale", 1)[0];
        }
        MemorySegment data = file.data(t);
        try {
            TernaryMatrixSource source = switch (t.type()) {
                case I2_S -> TernaryMatrixSource.of(name, rows, cols, TernaryLayout.I2_S, data);
                case TQ2_0 -> TernaryMatrixSource.of(name, rows, cols, TernaryLayout.TQ2_0, data);
                case TQ1_0 -> TernaryMatrixSource.of(name, rows, cols, TernaryLayout.TQ1_0, data);
                case F32, F16, BF16 -> ternarize(t, rows, cols, data);
                default -> throw new UnsupportedModelException(file.path(), "tensor " + name + " has type " + t.type()
                        + "; ternary projections must be I2_S, TQ2_0, TQ1_0 or F32/F16/BF16");
            };
            TernaryMatrix matrix = kernel.prepare(source);
            WeightChecks.checkScale(file.path(), t.offset(), name, matrix.scale());
            return new BitLinear(matrix, outputScale);
        } catch (IllegalArgumentException e) {
            // the codecs and the ternarizer report bad data (non-finite floats, mixed block scales) this way
            throw new ModelFormatException(file.path(), t.offset(), e.getMessage(), e);
        }
    }

    private TernaryMatrixSource ternarize(GgufTensor t, int rows, int cols, MemorySegment data) {
        FloatFormat format = floatFormat(t).orElseThrow();
        float[] row = new float[cols];
        Ternarizer.Result r = Ternarizer.ternarize(t.name(), rows, cols,
                (i, dst) -> FloatCodec.decodeRow(format, data, cols, i, dst, 0), row, arena);
        return new TernaryMatrixSource(t.name(), rows, cols, TernaryLayout.INT8, r.values(), r.scale());
    }
}
