package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.gguf.GgmlType;
import dev.bitnet.gguf.GgufTensor;
import dev.bitnet.model.ModelConfig;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/** {@code info --model FILE}: architecture, hyperparameters, tensor types and sizes, kernel chosen. */
final class InfoCommand implements Command {
    @Override
    public String name() {
        return "info";
    }

    @Override
    public String summary() {
        return "show a model's architecture, hyperparameters, tensors and the kernel chosen";
    }

    @Override
    public String usage() {
        return "--model FILE|hf://ORG/REPO[/PATH] [--tensors] [--threads N] [--kernel scalar|vector|native]";
    }

    @Override
    public String[] switches() {
        return new String[] {"tensors"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) {
        ModelArgument modelFlag = ModelArgument.required(args);
        boolean listTensors = args.flag("tensors");
        var options = CliOptions.loadOptions(args);
        args.finish();
        Path path = modelFlag.resolve(err, false);
        try (BitNetModel model = BitNetModel.load(path, options)) {
            ModelConfig c = model.config();
            model.gguf().ifPresentOrElse(
                    g -> out.printf("file          %s (%,d bytes, GGUF v%d)%n", path, g.fileSize(), g.version()),
                    () -> out.printf("file          %s (Hugging Face safetensors)%n", path));
            out.printf("name          %s%n", c.name());
            out.printf("architecture  %s (FFN %s, RoPE %s, sub-norms %s)%n", c.architecture().ggufName(),
                    c.activation() == dev.bitnet.model.Architecture.Activation.RELU_SQUARED ? "relu²" : "SiLU",
                    c.architecture().ropeStyle().name().toLowerCase(), c.architecture().hasSubNorms() ? "yes" : "no");
            out.printf("layers        %d%n", c.layers());
            out.printf("hidden        %d%n", c.hiddenSize());
            out.printf("ffn           %d%n", c.ffnSize());
            out.printf("heads         %d query, %d KV, head dim %d, RoPE dims %d, theta %s%n", c.heads(), c.kvHeads(),
                    c.headDim(), c.ropeDim(), c.ropeTheta());
            out.printf("vocab         %d%n", c.vocabSize());
            out.printf("context       %d (sessions: %d)%n", c.contextLength(), model.contextLength());
            out.printf("rms eps       %s%n", c.rmsEps());
            out.printf("lm head       %s%n", c.tiedEmbeddings() ? "tied to token_embd" : "output.weight");
            out.printf("kernel        %s, %d thread(s)%n", model.kernelName(), model.threads());
            out.printf("load time     %.1f ms%n", model.loadMillis());
            if (model.gguf().isEmpty()) {
                return 0;
            }
            var gguf = model.gguf().get();
            Map<GgmlType, long[]> byType = new TreeMap<>();
            for (GgufTensor t : gguf.tensors()) {
                long[] acc = byType.computeIfAbsent(t.type(), k -> new long[3]);
                acc[0]++;
                acc[1] += t.elementCount();
                acc[2] += t.byteSize();
            }
            out.printf("tensors       %d%n", gguf.tensors().size());
            byType.forEach((type, acc) -> out.printf("  %-6s %5d tensors %,15d values %,15d bytes%n", type, acc[0], acc[1], acc[2]));
            if (listTensors) {
                for (GgufTensor t : gguf.tensors()) {
                    out.printf("  %-32s %-6s %-20s %,d bytes%n", t.name(), t.type(), Arrays.toString(t.shape()), t.byteSize());
                }
            }
        }
        return 0;
    }
}
