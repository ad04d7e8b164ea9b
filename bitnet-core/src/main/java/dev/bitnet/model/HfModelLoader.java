package dev.bitnet.model;

import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.kernels.FloatMatrixSource;
import dev.bitnet.kernels.TernaryKernel;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.TernaryMatrix;
import dev.bitnet.kernels.TernaryMatrixSource;
import dev.bitnet.kernels.format.FloatCodec;
import dev.bitnet.safetensors.SafetensorsCheckpoint;
import dev.bitnet.safetensors.SafetensorsDtype;
import dev.bitnet.safetensors.SafetensorsTensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.regex.Pattern;

/**
 * Loads Hugging Face BitNet checkpoints: a directory with {@code config.json} and {@code
 * model.safetensors} (or a sharded {@code model.safetensors.index.json}), as published for
 * {@code microsoft/bitnet-b1.58-2B-4T} (packed), {@code -bf16} (master weights), Falcon3-1.58bit and
 * Llama3-8B-1.58 (llama architecture, packed) and 1bitLLM (fp16 shadow weights).
 *
 * <p>Ternary projections are unpacked (or ternarized) once into one signed byte per weight in the
 * caller's arena and handed to the kernel as {@link TernaryLayout#INT8}; the embedding, LM head and
 * norms are read from the mapped file. For the llama architecture the q/k rows of each head are
 * reordered from Hugging Face's rotate-half layout into the interleaved one that {@link
 * Architecture#LLAMA} (and llama.cpp's GGUF converter) uses, so one forward pass serves both sources.
 */
public final class HfModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(HfModelLoader.class);
    /** The absmean floor of BitNet b1.58's weight quantizer (bitnet-format.md §1.3). */
    private static final float ABSMEAN_FLOOR = 1e-5f;

    private HfModelLoader() {
    }

    /**
     * Reads the hyperparameters from {@code config.json}.
     *
     * @param path the checkpoint directory, or a file inside it (such as its {@code model.safetensors})
     * @throws IOException               when config.json cannot be read
     * @throws ModelFormatException      when it is malformed or inconsistent (the message names the key)
     * @throws UnsupportedModelException when it describes a model bitnet-java does not run
     */
    public static ModelConfig readConfig(Path path) throws IOException {
        return HfConfig.read(directoryOf(path)).model();
    }

    /**
     * Maps the checkpoint's tensors and prepares every weight for {@code kernel}.
     *
     * <p>The mapped checkpoint is added to {@code resources}; the returned weights read from it (the
     * embedding, LM head) and from {@code arena} (the unpacked ternary values), so close both only
     * after the weights are no longer used. When loading fails nothing is added and the checkpoint is
     * closed before the exception propagates.
     *
     * @param path      the checkpoint directory, its {@code model.safetensors}, or its shard index
     * @param config    the hyperparameters, from {@link #readConfig}; tensor shapes are checked against them
     * @param kernel    the kernel that will run the model
     * @param arena     where the unpacked ternary weights are allocated (one byte per weight)
     * @param resources receives the mapped checkpoint, for the caller to close
     * @throws IOException               when a file cannot be read or mapped
     * @throws ModelFormatException      when a tensor is missing, has the wrong dtype or shape, or holds bad
     *                                   values (the message names the file, tensor and offset)
     * @throws UnsupportedModelException when the checkpoint uses a feature bitnet-java does not run
     */
    public static Weights loadWeights(Path path, ModelConfig config, TernaryKernel kernel, Arena arena,
                                      List<AutoCloseable> resources) throws IOException {
        HfConfig.WeightEncoding encoding = HfConfig.read(directoryOf(path)).encoding();
        SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.open(checkpointPath(path));
        try {
            Weights weights = new Loader(checkpoint, config, encoding, kernel, arena).load();
            resources.add(checkpoint);
            return weights;
        } catch (RuntimeException | Error e) {
            checkpoint.close();
            throw e;
        }
    }

    /**
     * What to open as the checkpoint: a shard index ({@code *.index.json}) or a {@code .safetensors}
     * file as given, the directory when given another file of the checkpoint (its {@code config.json},
     * {@code tokenizer.json}, ...).
     */
    private static Path checkpointPath(Path path) {
        String name = String.valueOf(path.getFileName());
        if (Files.isDirectory(path) || name.endsWith(".safetensors") || name.endsWith(".index.json")) {
            return path;
        }
        return directoryOf(path);
    }

    private static Path directoryOf(Path path) {
        if (Files.isDirectory(path)) {
            return path;
        }
        Path parent = path.toAbsolutePath().getParent();
        return parent == null ? path : parent;
    }

    /**
     * The Hugging Face row order of a llama q/k projection mapped to the interleaved order: within each
     * head of {@code headDim} rows, row {@code half·(d/2) + i} moves to {@code 2i + half}. Rotate-half
     * RoPE pairs dimensions {@code (i, i + d/2)}; after the move they sit at {@code (2i, 2i + 1)}, which
     * interleaved RoPE pairs with the same frequency, and q·k is unchanged since q and k move alike.
     */
    static IntUnaryOperator interleaveHeads(int headDim) {
        int half = headDim / 2;
        return row -> {
            int head = row / headDim;
            int within = row % headDim;
            return head * headDim + 2 * (within % half) + within / half;
        };
    }

    /**
     * Unpacks a Hugging Face packed ternary tensor. Byte {@code (p, i)} of the {@code [rows/4, cols]}
     * input holds, in bits {@code 2k..2k+1} (k = 0..3, least significant first), the code {@code c} of
     * weight {@code (k·rows/4 + p, i)}; the value is {@code c - 1}. Code 3 is never written by a packer
     * and reads as 0. Output row {@code r} goes to row {@code rowMap(r)} of {@code dst} ({@code rows x
     * cols} signed bytes).
     *
     * @return how many weights had the unused code 3
     */
    static long unpack(MemorySegment packed, int rows, int cols, IntUnaryOperator rowMap, MemorySegment dst) {
        int planeRows = rows / 4;
        byte[] in = new byte[cols];
        byte[] out = new byte[cols];
        long invalid = 0;
        for (int p = 0; p < planeRows; p++) {
            MemorySegment.copy(packed, ValueLayout.JAVA_BYTE, (long) p * cols, in, 0, cols);
            for (int k = 0; k < 4; k++) {
                int shift = 2 * k;
                for (int i = 0; i < cols; i++) {
                    int code = (in[i] >>> shift) & 3;
                    if (code == 3) {
                        invalid++;
                        code = 1;
                    }
                    out[i] = (byte) (code - 1);
                }
                long row = rowMap.applyAsInt(k * planeRows + p);
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, row * cols, cols);
            }
        }
        return invalid;
    }

    /** Per-layer tensor names; group 1 is the layer index. */
    private static final Pattern LAYER_TENSOR = Pattern.compile("model\\.layers\\.(\\d+)\\.");

    /** Loads one checkpoint; holds what every tensor read needs. */
    private record Loader(SafetensorsCheckpoint checkpoint, ModelConfig config, HfConfig.WeightEncoding encoding,
                          TernaryKernel kernel, Arena arena) {

        Weights load() {
            ModelConfig c = config;
            checkNoBiases();
            WeightChecks.checkNoExtraLayers(checkpoint.path(), HfConfig.FILE + " num_hidden_layers", c.layers(),
                    checkpoint.tensors().stream().map(SafetensorsTensor::name).toList(), LAYER_TENSOR);
            FloatMatrix embedding = floatMatrix("model.embed_tokens.weight", c.vocabSize(), c.hiddenSize());
            FloatMatrix output = c.tiedEmbeddings() ? embedding : floatMatrix("lm_head.weight", c.vocabSize(), c.hiddenSize());
            float[] outputNorm = vector("model.norm.weight", c.hiddenSize());
            boolean subNorms = c.architecture().hasSubNorms();
            IntUnaryOperator qkOrder = c.architecture().ropeStyle() == Architecture.RopeStyle.INTERLEAVED
                    ? interleaveHeads(c.headDim()) : IntUnaryOperator.identity();
            List<LayerWeights> layers = new ArrayList<>(c.layers());
            for (int l = 0; l < c.layers(); l++) {
                String p = "model.layers." + l + ".";
                layers.add(new LayerWeights(
                        vector(p + "input_layernorm.weight", c.hiddenSize()),
                        ternary(p + "self_attn.q_proj", c.queryDim(), c.hiddenSize(), qkOrder),
                        ternary(p + "self_attn.k_proj", c.kvDim(), c.hiddenSize(), qkOrder),
                        ternary(p + "self_attn.v_proj", c.kvDim(), c.hiddenSize(), IntUnaryOperator.identity()),
                        subNorms ? subNorm(c.queryDim(), p + "self_attn.attn_sub_norm.weight", p + "self_attn.inner_attn_ln.weight") : null,
                        ternary(p + "self_attn.o_proj", c.hiddenSize(), c.queryDim(), IntUnaryOperator.identity()),
                        vector(p + "post_attention_layernorm.weight", c.hiddenSize()),
                        ternary(p + "mlp.gate_proj", c.ffnSize(), c.hiddenSize(), IntUnaryOperator.identity()),
                        ternary(p + "mlp.up_proj", c.ffnSize(), c.hiddenSize(), IntUnaryOperator.identity()),
                        subNorms ? subNorm(c.ffnSize(), p + "mlp.ffn_sub_norm.weight", p + "mlp.ffn_layernorm.weight") : null,
                        ternary(p + "mlp.down_proj", c.hiddenSize(), c.ffnSize(), IntUnaryOperator.identity())));
            }
            LOG.debug("Loaded {} ({} layers, {} weights) from {}", c.name(), c.layers(), encoding, checkpoint.path());
            return new Weights(embedding, output, outputNorm, layers);
        }

        /** The forward pass has no bias terms; a checkpoint with them would silently run a different model. */
        private void checkNoBiases() {
            for (SafetensorsTensor t : checkpoint.tensors()) {
                if (t.name().startsWith("model.layers.") && t.name().endsWith(".bias")) {
                    throw new UnsupportedModelException(t.file(), "tensor '" + t.name() + "' is a bias; biases are not supported");
                }
            }
        }

        private BitLinear ternary(String base, int rows, int cols, IntUnaryOperator rowMap) {
            SafetensorsTensor t = require(base + ".weight");
            MemorySegment values = arena.allocate((long) rows * cols, 64);
            float scale = encoding == HfConfig.WeightEncoding.MASTER_WEIGHTS
                    ? ternarize(t, rows, cols, rowMap, values)
                    : unpackPacked(t, base, rows, cols, rowMap, values);
            try {
                WeightChecks.checkScale(t.file(), t.offset(), "'" + t.name() + "'", scale);
                TernaryMatrix m = kernel.prepare(new TernaryMatrixSource(t.name(), rows, cols, TernaryLayout.INT8, values, scale));
                return new BitLinear(m, 1f);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(t.file(), t.offset(), e.getMessage(), e);
            }
        }

        private float unpackPacked(SafetensorsTensor t, String base, int rows, int cols, IntUnaryOperator rowMap, MemorySegment dst) {
            if (t.dtype() != SafetensorsDtype.U8) {
                throw new UnsupportedModelException(t.file(), "tensor '" + t.name() + "' is " + t.dtype()
                        + ", but config.json declares packed ternary weights (U8); full-precision projections are not supported");
            }
            if (rows % 4 != 0) {
                throw new ModelFormatException(t.file(), t.offset(), "tensor '" + t.name() + "': " + rows
                        + " output rows cannot be packed four to a byte");
            }
            checkShape(t, rows / 4, cols);
            float stored = weightScale(base + ".weight_scale");
            long invalid = unpack(checkpoint.data(t), rows, cols, rowMap, dst);
            if (invalid > 0) {
                LOG.warn("{}: tensor '{}' holds {} weight(s) with the unused 2-bit code 3; reading them as 0", t.file(), t.name(), invalid);
            }
            return encoding == HfConfig.WeightEncoding.PACKED_TIMES_SCALE ? stored : 1f / stored;
        }

        private float weightScale(String name) {
            SafetensorsTensor t = require(name);
            if (t.elementCount() != 1) {
                throw new ModelFormatException(t.file(), t.offset(), "tensor '" + name + "' has shape " + t.shape()
                        + ", expected one element (one scale per tensor)");
            }
            float[] v = new float[1];
            FloatCodec.decodeRow(floatFormat(t), checkpoint.data(t), 1, 0, v, 0);
            if (!(v[0] > 0) || !Float.isFinite(v[0])) {
                throw new ModelFormatException(t.file(), t.offset(), "tensor '" + name + "' holds " + v[0] + ", expected a positive scale");
            }
            return v[0];
        }

        /**
         * Absmean ternarization of master weights, as the model applies it on every forward pass:
         * {@code s = max(mean|W|, 1e-5)}, {@code T = clamp(rint(W / s), -1, 1)}, effective weight {@code T · s}.
         */
        private float ternarize(SafetensorsTensor t, int rows, int cols, IntUnaryOperator rowMap, MemorySegment dst) {
            FloatFormat format = floatFormat(t);
            checkShape(t, rows, cols);
            MemorySegment data = checkpoint.data(t);
            float[] row = new float[cols];
            double absSum = 0;
            for (int r = 0; r < rows; r++) {
                FloatCodec.decodeRow(format, data, cols, r, row, 0);
                for (int i = 0; i < cols; i++) {
                    if (!Float.isFinite(row[i])) {
                        throw new ModelFormatException(t.file(), t.offset() + ((long) r * cols + i) * t.dtype().byteSize(),
                                "tensor '" + t.name() + "' holds " + row[i] + " at row " + r + ", column " + i);
                    }
                    absSum += Math.abs(row[i]);
                }
            }
            float inv = 1f / Math.max((float) (absSum / ((double) rows * cols)), ABSMEAN_FLOOR);
            byte[] out = new byte[cols];
            for (int r = 0; r < rows; r++) {
                FloatCodec.decodeRow(format, data, cols, r, row, 0);
                for (int i = 0; i < cols; i++) {
                    out[i] = (byte) Math.max(-1f, Math.min(1f, (float) Math.rint(row[i] * inv)));
                }
                MemorySegment.copy(out, 0, dst, ValueLayout.JAVA_BYTE, (long) rowMap.applyAsInt(r) * cols, cols);
            }
            return 1f / inv;
        }

        private FloatMatrix floatMatrix(String name, int rows, int cols) {
            SafetensorsTensor t = require(name);
            FloatFormat format = floatFormat(t);
            checkShape(t, rows, cols);
            try {
                return kernel.prepare(new FloatMatrixSource(name, rows, cols, format, checkpoint.data(t)));
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(t.file(), t.offset(), e.getMessage(), e);
            }
        }

        /** A sub-norm weight under the first of {@code names} that exists (1bitLLM checkpoints use older names). */
        private float[] subNorm(int size, String... names) {
            for (String name : names) {
                if (checkpoint.tensor(name).isPresent()) {
                    return vector(name, size);
                }
            }
            throw missing(String.join("' or '", names));
        }

        private float[] vector(String name, int size) {
            SafetensorsTensor t = require(name);
            FloatFormat format = floatFormat(t);
            if (t.rank() != 1 || t.dim(0) != size) {
                throw new ModelFormatException(t.file(), t.offset(), "tensor '" + name + "' has shape " + t.shape()
                        + ", expected [" + size + "] from config.json");
            }
            float[] v = new float[size];
            FloatCodec.decodeRow(format, checkpoint.data(t), size, 0, v, 0);
            WeightChecks.checkSmallTensor(t.file(), t.offset(), "'" + name + "'", v);
            return v;
        }

        private void checkShape(SafetensorsTensor t, long rows, long cols) {
            if (t.rank() != 2 || t.dim(0) != rows || t.dim(1) != cols) {
                throw new ModelFormatException(t.file(), t.offset(), "tensor '" + t.name() + "' has shape " + t.shape()
                        + ", expected [" + rows + ", " + cols + "] from config.json (" + config.architecture().ggufName()
                        + ", hidden " + config.hiddenSize() + ", FFN " + config.ffnSize() + ", " + config.heads() + "/"
                        + config.kvHeads() + " heads of " + config.headDim() + ", vocab " + config.vocabSize() + ")");
            }
        }

        private FloatFormat floatFormat(SafetensorsTensor t) {
            return switch (t.dtype()) {
                case F32 -> FloatFormat.F32;
                case F16 -> FloatFormat.F16;
                case BF16 -> FloatFormat.BF16;
                default -> throw new UnsupportedModelException(t.file(), "tensor '" + t.name() + "' is " + t.dtype()
                        + "; expected F32, F16 or BF16");
            };
        }

        private SafetensorsTensor require(String name) {
            return checkpoint.tensor(name).orElseThrow(() -> missing(name));
        }

        private ModelFormatException missing(String name) {
            return new ModelFormatException(checkpoint.path(), -1, "tensor '" + name + "' is missing");
        }
    }
}
