package dev.bitnet.cli;

import dev.bitnet.kernels.FloatFormat;
import dev.bitnet.kernels.TernaryLayout;
import dev.bitnet.model.SyntheticModel;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code synth --shape 2b4t|small|tiny --type i2_s|tq2_0|tq1_0 [--embedding-type f16|q6_k|...] --seed N --out FILE}:
 * writes a seeded random model.
 */
final class SynthCommand implements Command {
    @Override
    public String name() {
        return "synth";
    }

    @Override
    public String summary() {
        return "write a seeded random BitNet model of a given shape (for benchmarks and tests)";
    }

    @Override
    public String usage() {
        return "--shape 2b4t|small|tiny --type i2_s|tq2_0|tq1_0 [--embedding-type f16|q6_k|q4_k|q5_k|q8_0|q4_0|bf16] [--seed N] --out FILE";
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) {
        SyntheticModel.Shape shape;
        TernaryLayout layout;
        try {
            shape = SyntheticModel.Shape.named(args.required("shape"));
            layout = TernaryLayout.valueOf(args.string("type").orElse("i2_s").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage().startsWith("No enum") ? "--type must be i2_s, tq2_0 or tq1_0" : e.getMessage());
        }
        if (layout == TernaryLayout.INT8) {
            throw new UsageException("--type must be i2_s, tq2_0 or tq1_0");
        }
        FloatFormat embedding;
        String embeddingName = args.string("embedding-type").orElse("f16");
        try {
            embedding = FloatFormat.valueOf(embeddingName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            embedding = null;
        }
        if (embedding == null || embedding == FloatFormat.F32) {
            throw new UsageException("--embedding-type must be f16, q6_k, q4_k, q5_k, q8_0, q4_0 or bf16, got " + embeddingName);
        }
        long seed = args.longValue("seed").orElse(42L);
        Path output = Path.of(args.required("out"));
        args.finish();
        long start = System.nanoTime();
        SyntheticModel.write(shape, layout, seed, output, embedding);
        long bytes;
        try {
            bytes = Files.size(output);
        } catch (java.io.IOException e) {
            bytes = -1;
        }
        err.printf("wrote %s (%s, %s, %s embedding, seed %d, %,d bytes) in %.1f s%n", output, shape.name(), layout, embedding, seed, bytes,
                (System.nanoTime() - start) / 1e9);
        return 0;
    }
}
