package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.Chat;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code chat --model FILE [--system TEXT] [sampling flags]}: an interactive multi-turn chat on
 * stdin/stdout. Each turn reuses the KV cache of the conversation so far. {@code /reset} starts
 * over, {@code /exit} (or end of input) quits.
 */
final class ChatCommand implements Command {
    @Override
    public String name() {
        return "chat";
    }

    @Override
    public String summary() {
        return "interactive multi-turn chat (reads user turns from stdin)";
    }

    @Override
    public String usage() {
        return "[--model FILE|hf://ORG/REPO[/PATH]] [--system TEXT] " + SamplingFlags.USAGE
                + " [--threads N] [--ctx N] [--kernel K] [--chat-template hf|bitnet-cpp] [--verbose]";
    }

    @Override
    public String[] switches() {
        return new String[] {"verbose"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) throws IOException {
        ModelArgument modelFlag = ModelArgument.optional(args);
        var system = args.string("system");
        boolean verbose = args.flag("verbose");
        GenerationOptions options = SamplingFlags.parse(args, GenerationOptions.defaults());
        var load = CliOptions.loadOptions(args);
        args.finish();
        Path modelPath = DemoModel.modelOrDemo(modelFlag, err, false);
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        try (BitNetModel model = BitNetModel.load(modelPath, load)) {
            Chat chat = system.map(model::newChat).orElseGet(model::newChat);
            try {
                err.println("chat with " + model.config().name() + " (template " + model.chatTemplate().name()
                        + "); /reset starts over, /exit quits");
                GenerationListener printer = new GenerationListener() {
                    @Override
                    public void onToken(String text) {
                        out.print(text);
                        out.flush();
                    }
                };
                while (true) {
                    err.print("> ");
                    err.flush();
                    String line = reader.readLine();
                    if (line == null || line.strip().equals("/exit")) {
                        break;
                    }
                    if (line.isBlank()) {
                        continue;
                    }
                    if (line.strip().equals("/reset")) {
                        chat.close();
                        chat = system.map(model::newChat).orElseGet(model::newChat);
                        continue;
                    }
                    Generation g = chat.send(line, options, printer);
                    out.println();
                    if (verbose) {
                        err.printf(Locale.ROOT, "[prompt %d tokens, %d evaluated (rest from cache), %.1f tok/s | %d generated, %.1f tok/s | %s]%n",
                                chat.lastPromptTokens(), chat.lastPromptTokensEvaluated(), g.timings().promptTokensPerSecond(),
                                g.usage().generatedTokens(), g.timings().generationTokensPerSecond(), g.finishReason().jsonName());
                    }
                }
            } finally {
                chat.close();
            }
        }
        return 0;
    }
}
