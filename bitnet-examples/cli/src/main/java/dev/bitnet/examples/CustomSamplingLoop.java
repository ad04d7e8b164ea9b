package dev.bitnet.examples;

import dev.bitnet.BitNetModel;
import dev.bitnet.Session;
import dev.bitnet.sampling.DistributionSelector;
import dev.bitnet.sampling.SamplerChain;
import dev.bitnet.sampling.Sampler;
import dev.bitnet.sampling.Temperature;
import dev.bitnet.sampling.TopK;
import dev.bitnet.tokenizer.StreamingDecoder;
import dev.bitnet.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

/**
 * A sampling loop written by hand with the library's own pieces: a {@link Session} for the logits,
 * a {@link Sampler} chain (top-k 20, temperature 0.7, seeded draw) and a streaming decoder.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp bitnet-examples/cli/target/bitnet-cli.jar \
 *     dev.bitnet.examples.CustomSamplingLoop MODEL.gguf "Once upon a time"
 * </pre>
 */
public final class CustomSamplingLoop {
    private CustomSamplingLoop() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: CustomSamplingLoop MODEL.gguf PROMPT");
            System.exit(2);
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (BitNetModel model = BitNetModel.load(Path.of(args[0])); Session session = model.newSession()) {
            Tokenizer tokenizer = model.tokenizer();
            Sampler sampler = new SamplerChain(List.of(new TopK(20), new Temperature(0.7)), new DistributionSelector(42));
            StreamingDecoder decoder = tokenizer.newStreamingDecoder();

            int[] prompt = model.encode(args[1]);
            sampler.prime(prompt);
            float[] logits = session.append(prompt);
            for (int i = 0; i < 64 && session.position() < session.contextLength(); i++) {
                int next = sampler.sample(logits);
                if (tokenizer.stopIds().contains(next)) {
                    break;
                }
                sampler.accept(next);
                out.print(decoder.push(next));
                logits = session.append(next);
            }
            out.println(decoder.flush());
        }
    }
}
