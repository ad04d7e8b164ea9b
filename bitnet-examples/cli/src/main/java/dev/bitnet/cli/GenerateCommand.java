package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code generate --model FILE (--prompt TEXT | --prompt-ids 1,2,3) [sampling flags] [--json]}:
 * streams the completion to stdout and statistics to stderr, or prints one JSON object.
 */
final class GenerateCommand implements Command {
    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "complete a prompt (streams text; --json prints one object)";
    }

    @Override
    public String usage() {
        return "[--model FILE|hf://ORG/REPO[/PATH]] (--prompt TEXT | --prompt-ids 1,2,3) " + SamplingFlags.USAGE
                + " [--json] [--threads N] [--ctx N] [--kernel K] [--chat-template hf|bitnet-cpp]";
    }

    @Override
    public String[] switches() {
        return new String[] {"json"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) {
        ModelArgument modelFlag = ModelArgument.optional(args);
        var prompt = args.string("prompt");
        var ids = args.intList("prompt-ids");
        boolean json = args.flag("json");
        GenerationOptions options = SamplingFlags.parse(args, GenerationOptions.defaults());
        var load = CliOptions.loadOptions(args);
        args.finish();
        if (prompt.isPresent() == ids.isPresent()) {
            throw new UsageException("give exactly one of --prompt and --prompt-ids");
        }
        Path modelPath = DemoModel.modelOrDemo(modelFlag, err, json);
        try (BitNetModel model = BitNetModel.load(modelPath, load)) {
            int[] promptIds = ids.isPresent() ? ids.get() : model.encode(prompt.get());
            GenerationListener listener = json ? GenerationListener.NONE : new GenerationListener() {
                @Override
                public void onToken(String text) {
                    out.print(text);
                    out.flush();
                }
            };
            Generation g = model.generate(promptIds, options, listener);
            if (json) {
                out.println(g.toJson());
            } else {
                out.println();
                err.printf(Locale.ROOT, "%nprompt: %d tokens, %.1f tok/s | generated: %d tokens, %.1f tok/s | finish: %s | load %.0f ms | kernel %s, %d thread(s)%n",
                        g.usage().promptTokens(), g.timings().promptTokensPerSecond(), g.usage().generatedTokens(),
                        g.timings().generationTokensPerSecond(), g.finishReason().jsonName(), model.loadMillis(),
                        model.kernelName(), model.threads());
            }
        }
        return 0;
    }
}
