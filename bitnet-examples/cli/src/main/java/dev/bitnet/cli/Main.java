package dev.bitnet.cli;

import dev.bitnet.UnsupportedModelException;
import dev.bitnet.gguf.GgufFile;
import dev.bitnet.model.GgufModelLoader;
import dev.bitnet.tokenizer.Tokenizer;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** Entry point of {@code bitnet-cli.jar}: {@code java -jar bitnet-cli.jar COMMAND [--flags]}. */
public final class Main {
    private Main() {
    }

    static List<Command> commands() {
        return List.of(new GenerateCommand(), new ChatCommand(), new LogitsCommand(), new TokenizeCommand(Main::modelTokenizer),
                new InfoCommand(), new SynthCommand(), new BenchCommand(), new SoakCommand(),
                new ServeCommand(),
                new LoadtestCommand(), new DownloadCommand());
    }

    /** The tokenizer stored in a GGUF's metadata, without loading the weights. */
    static Tokenizer modelTokenizer(Path model) {
        try (GgufFile file = GgufFile.open(model)) {
            return Tokenizer.fromVocabulary(GgufModelLoader.vocabulary(file).orElseThrow(() ->
                    new UnsupportedModelException(model, "the model has no byte-level BPE tokenizer (tokenizer.ggml.model gpt2)")));
        }
    }

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    /** Runs one command line; returns the exit code (0 ok, 1 failure, 2 usage error). */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        Map<String, Command> byName = new LinkedHashMap<>();
        for (Command c : commands()) {
            byName.put(c.name(), c);
        }
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            printUsage(byName, argv.length == 0 ? err : out);
            return argv.length == 0 ? 2 : 0;
        }
        Command command = byName.get(argv[0]);
        if (command == null) {
            err.println("bitnet: unknown command '" + argv[0] + "'");
            printUsage(byName, err);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(argv, 1, argv.length);
        if (Arrays.asList(rest).contains("--help")) {
            out.println("usage: bitnet " + command.name() + " " + command.usage());
            return 0;
        }
        try {
            String[] switches = Stream.concat(Arrays.stream(command.switches()), Stream.of(CliOptions.SWITCHES))
                    .toArray(String[]::new);
            return command.run(new Args(rest, switches), System.in, out, err);
        } catch (UsageException e) {
            err.println("bitnet " + command.name() + ": " + e.getMessage());
            err.println("usage: bitnet " + command.name() + " " + command.usage());
            return 2;
        } catch (Exception e) {
            err.println("bitnet " + command.name() + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return 1;
        }
    }

    private static void printUsage(Map<String, Command> byName, PrintStream stream) {
        stream.println("usage: bitnet COMMAND [--flags]   (bitnet COMMAND --help for its flags)");
        for (Command c : byName.values()) {
            stream.printf("  %-10s %s%n", c.name(), c.summary());
        }
    }
}
