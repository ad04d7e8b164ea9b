package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import dev.bitnet.structured.ResponseFormat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code generate --model FILE (--prompt TEXT | --prompt-ids 1,2,3) [sampling flags] [--json-schema FILE |
 * --json-object] [--json]}: streams the completion to stdout and statistics to stderr, or prints one JSON
 * object. {@code --json-schema}/{@code --json-object} constrain the completion itself to JSON; {@code --json}
 * only formats the command's output.
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
                + " [--json-schema FILE | --json-object] [--json] [--threads N] [--ctx N] [--kernel K] [--chat-template hf|bitnet-cpp]";
    }

    @Override
    public String[] switches() {
        return new String[] {"json", "json-object"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) {
        ModelArgument modelFlag = ModelArgument.optional(args);
        var prompt = args.string("prompt");
        var ids = args.intList("prompt-ids");
        boolean json = args.flag("json");
        GenerationOptions options = SamplingFlags.parse(args, GenerationOptions.defaults());
        options = options.toBuilder().responseFormat(responseFormat(args)).build();
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

    /** {@code --json-schema FILE} or {@code --json-object}: the completion is constrained to that JSON. */
    private static ResponseFormat responseFormat(Args args) {
        var schemaFile = args.path("json-schema");
        boolean object = args.flag("json-object");
        if (schemaFile.isPresent() && object) {
            throw new UsageException("give at most one of --json-schema and --json-object");
        }
        if (object) {
            return ResponseFormat.jsonObject();
        }
        if (schemaFile.isEmpty()) {
            return ResponseFormat.text();
        }
        String schema;
        try {
            schema = Files.readString(schemaFile.get());
        } catch (IOException e) {
            throw new UsageException("--json-schema: cannot read " + schemaFile.get() + ": " + e.getMessage());
        }
        try {
            return ResponseFormat.jsonSchema(schema);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--json-schema " + schemaFile.get() + ": " + e.getMessage());
        }
    }
}
