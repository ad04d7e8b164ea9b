package dev.bitnet.model;

import dev.bitnet.gguf.GgmlType;
import dev.bitnet.gguf.GgufWriter;
import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.kernels.format.FloatEncoder;
import dev.bitnet.kernels.format.TernaryCodec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes seeded random BitNet b1.58 models of a given shape with the project's GGUF writer: for
 * benchmarks (the full 2B-4T shape) and tests (small shapes). Same shape, type and seed give the same
 * bytes. Weights are random ternary (a third each of -1, 0, +1) with a scale that keeps activations
 * near unit variance; norms are 1; the embedding is N(0, 1), F16 unless another format is asked for. The vocabulary is byte-level: 256
 * byte tokens, filler tokens, then BOS, EOS and {@code <|eot_id|>} at the end, so text prompts
 * work (one token per byte).
 */
public final class SyntheticModel {
    /** A model shape. */
    public record Shape(String name, int layers, int hidden, int ffn, int heads, int kvHeads, int vocab, int context) {
        public Shape {
            Objects.requireNonNull(name, "name");
            if (layers < 1 || heads < 1 || kvHeads < 1 || context < 1 || heads % kvHeads != 0) {
                throw new IllegalArgumentException("shape " + name + ": layers, heads and context must be positive and heads a multiple of KV heads");
            }
            // I2_S rows are whole 128-value blocks, and one matrix is built in a byte[] while it is written
            if (hidden < 128 || ffn < 128 || hidden % 128 != 0 || ffn % 128 != 0 || (long) hidden * ffn > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("shape " + name + ": hidden and ffn must be positive multiples of 128 (and their product below 2^31), got "
                        + hidden + " and " + ffn);
            }
            if (vocab < 259) {
                throw new IllegalArgumentException("vocab must hold 256 byte tokens and 3 specials, got " + vocab);
            }
            if (hidden % heads != 0) {
                throw new IllegalArgumentException("hidden " + hidden + " is not a multiple of heads " + heads);
            }
        }

        /** The exact shape of microsoft/bitnet-b1.58-2B-4T. */
        public static final Shape B2_4T = new Shape("2b4t", 30, 2560, 6912, 20, 5, 128256, 4096);
        /** The shape of the tiny-a fixture. */
        public static final Shape TINY = new Shape("tiny", 2, 256, 768, 4, 2, 512, 256);
        /** A small model that still exercises every code path at realistic ratios. */
        public static final Shape SMALL = new Shape("small", 4, 512, 1536, 8, 2, 2048, 1024);

        public static Shape named(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "2b4t", "2b-4t", "bitnet-b1.58-2b-4t" -> B2_4T;
                case "tiny" -> TINY;
                case "small" -> SMALL;
                default -> throw new IllegalArgumentException("unknown shape '" + name + "' (known: 2b4t, small, tiny)");
            };
        }

        int headDim() {
            return hidden / heads;
        }
    }

    private SyntheticModel() {
    }

    /** Writes the model to {@code out} with ternary weights in {@code layout} (I2_S, TQ2_0 or TQ1_0) and an F16 embedding. */
    public static void write(Shape shape, TernaryLayout layout, long seed, Path out) {
        write(shape, layout, seed, out, FloatFormat.F16);
    }

    /**
     * Writes the model with its (tied) token embedding in {@code embedding}: the same N(0, 1) values for a
     * given seed, encoded in that format's ggml block layout (what llama-quantize's
     * {@code --token-embedding-type} would store, though with this project's simpler quantizer).
     *
     * @throws IllegalArgumentException for an F32 embedding (not offered) or a hidden size the format's blocks do not divide
     */
    public static void write(Shape shape, TernaryLayout layout, long seed, Path out, FloatFormat embedding) {
        Objects.requireNonNull(embedding, "embedding");
        GgmlType embeddingType = switch (embedding) {
            case F16 -> GgmlType.F16;
            case BF16 -> GgmlType.BF16;
            case Q8_0 -> GgmlType.Q8_0;
            case Q4_0 -> GgmlType.Q4_0;
            case Q4_K -> GgmlType.Q4_K;
            case Q5_K -> GgmlType.Q5_K;
            case Q6_K -> GgmlType.Q6_K;
            case F32 -> throw new IllegalArgumentException("synthetic embeddings are F16, BF16 or quantized, not F32");
        };
        if (shape.hidden() % embedding.blockSize() != 0) {
            throw new IllegalArgumentException("shape " + shape.name() + ": hidden " + shape.hidden() + " is not a multiple of "
                    + embedding + "'s " + embedding.blockSize() + "-value blocks");
        }
        GgmlType type = switch (layout) {
            case I2_S -> GgmlType.I2_S;
            case TQ2_0 -> GgmlType.TQ2_0;
            case TQ1_0 -> GgmlType.TQ1_0;
            case INT8 -> throw new IllegalArgumentException("synthetic models are written as I2_S, TQ2_0 or TQ1_0");
        };
        String a = "bitnet-b1.58";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", a)
                .putString("general.name", "synthetic-" + shape.name() + "-" + layout.name().toLowerCase(Locale.ROOT) + "-seed" + seed)
                .putUInt32("general.alignment", 32)
                .putUInt32(a + ".vocab_size", shape.vocab())
                .putUInt32(a + ".context_length", shape.context())
                .putUInt32(a + ".embedding_length", shape.hidden())
                .putUInt32(a + ".block_count", shape.layers())
                .putUInt32(a + ".feed_forward_length", shape.ffn())
                .putUInt32(a + ".rope.dimension_count", shape.headDim())
                .putUInt32(a + ".attention.head_count", shape.heads())
                .putUInt32(a + ".attention.head_count_kv", shape.kvHeads())
                .putFloat32(a + ".attention.layer_norm_rms_epsilon", 1e-5f)
                .putFloat32(a + ".rope.freq_base", 500000f);
        addVocabulary(w, shape.vocab());

        int h = shape.hidden();
        int kv = shape.kvHeads() * shape.headDim();
        SplittableRandom root = new SplittableRandom(seed);
        w.addTensor("token_embd.weight", embeddingType, new long[] {h, shape.vocab()}, embedding(root.split(), shape.vocab(), h, embedding));
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {h}, ones(h));
        for (int l = 0; l < shape.layers(); l++) {
            String b = "blk." + l + ".";
            w.addTensor(b + "attn_norm.weight", GgmlType.F32, new long[] {h}, ones(h));
            ternary(w, b + "attn_q.weight", type, layout, h, h, root.split());
            ternary(w, b + "attn_k.weight", type, layout, kv, h, root.split());
            ternary(w, b + "attn_v.weight", type, layout, kv, h, root.split());
            w.addTensor(b + "attn_sub_norm.weight", GgmlType.F32, new long[] {h}, ones(h));
            ternary(w, b + "attn_output.weight", type, layout, h, h, root.split());
            w.addTensor(b + "ffn_norm.weight", GgmlType.F32, new long[] {h}, ones(h));
            ternary(w, b + "ffn_gate.weight", type, layout, shape.ffn(), h, root.split());
            ternary(w, b + "ffn_up.weight", type, layout, shape.ffn(), h, root.split());
            w.addTensor(b + "ffn_sub_norm.weight", GgmlType.F32, new long[] {shape.ffn()}, ones(shape.ffn()));
            ternary(w, b + "ffn_down.weight", type, layout, h, shape.ffn(), root.split());
        }
        w.write(out);
    }

    private static void ternary(GgufWriter w, String name, GgmlType type, TernaryLayout layout, int rows, int cols, SplittableRandom random) {
        // the bytes are produced only when the writer streams this tensor, so at most one matrix is in memory
        w.addTensor(name, type, new long[] {cols, rows}, out -> {
            byte[] t = new byte[rows * cols];
            for (int i = 0; i < t.length; i++) {
                t[i] = (byte) (random.nextInt(3) - 1);
            }
            float scale = (float) (1.0 / Math.sqrt(cols * 2.0 / 3.0));
            ByteBuffer bytes = ByteBuffer.wrap(TernaryCodec.encode(layout, t, rows, cols, scale));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        });
    }

    private static GgufWriter.TensorSource embedding(SplittableRandom random, int vocab, int hidden, FloatFormat format) {
        return out -> {
            ByteBuffer row = ByteBuffer.allocate((int) format.rowBytes(hidden)).order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[hidden];
            for (int v = 0; v < vocab; v++) {
                row.clear();
                for (int i = 0; i < hidden; i++) {
                    values[i] = (float) gaussian(random);
                }
                FloatEncoder.encodeRow(format, values, 0, hidden, row);
                row.flip();
                while (row.hasRemaining()) {
                    out.write(row);
                }
            }
        };
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller: SplittableRandom has no nextGaussian of its own
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static byte[] ones(int n) {
        ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(1f);
        }
        return b.array();
    }

    /** Byte-level GPT-2-style vocabulary: 256 byte tokens, fillers, then BOS, EOS, eot (control tokens). */
    private static void addVocabulary(GgufWriter w, int vocab) {
        List<String> tokens = new ArrayList<>(vocab);
        int[] types = new int[vocab];
        for (int b = 0; b < 256; b++) {
            tokens.add(new String(Character.toChars(byteToUnicode(b))));
            types[b] = 1;
        }
        // ordinary tokens that no merge produces: a real vocabulary's size without 128k special tokens to match
        for (int i = 256; i < vocab - 3; i++) {
            tokens.add("synthetic_" + i);
            types[i] = 1;
        }
        tokens.add("<|begin_of_text|>");
        tokens.add("<|end_of_text|>");
        tokens.add("<|eot_id|>");
        for (int i = vocab - 3; i < vocab; i++) {
            types[i] = 3;
        }
        w.putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "llama-bpe")
                .putStringArray("tokenizer.ggml.tokens", tokens.toArray(String[]::new))
                .putInt32Array("tokenizer.ggml.token_type", types)
                .putStringArray("tokenizer.ggml.merges")
                .putUInt32("tokenizer.ggml.bos_token_id", vocab - 3)
                .putUInt32("tokenizer.ggml.eos_token_id", vocab - 2)
                .putBool("tokenizer.ggml.add_bos_token", true);
    }

    /** GPT-2's byte-to-unicode map: printable Latin-1 bytes stand for themselves, the rest shift to 256 + n. */
    static int byteToUnicode(int b) {
        if ((b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)) {
            return b;
        }
        int n = 0;
        for (int c = 0; c < b; c++) {
            if (!((c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF))) {
                n++;
            }
        }
        return 256 + n;
    }
}
