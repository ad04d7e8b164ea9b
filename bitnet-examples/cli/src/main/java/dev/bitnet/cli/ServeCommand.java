package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import dev.bitnet.server.BitNetServer;
import dev.bitnet.server.ServerOptions;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code serve [--model FILE] [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--parallel N] [--ctx N] [--threads N]}:
 * an OpenAI-compatible HTTP server; prints the address once the model is loaded, stops on SIGTERM / Ctrl-C.
 */
final class ServeCommand implements Command {
    @Override
    public String name() {
        return "serve";
    }

    @Override
    public String summary() {
        return "OpenAI-compatible HTTP server (/v1/chat/completions, /v1/completions, /v1/models, /health, /metrics)";
    }

    @Override
    public String usage() {
        return "[--model FILE|hf://ORG/REPO[/PATH]] [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--parallel N] [--queue N] [--ctx N] "
                + "[--threads N] [--alias NAME] [--engine batch|threads] [--kernel K] [--chat-template hf|bitnet-cpp]";
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) throws Exception {
        ModelArgument modelFlag = ModelArgument.optional(args);
        boolean demo = !modelFlag.isPresent();
        ServerOptions defaults = ServerOptions.defaults();
        String host = args.string("host").orElse(defaults.host());
        int port = args.integer("port", defaults.port());
        String apiKey = args.string("api-key").or(() -> java.util.Optional.ofNullable(System.getenv("BITNET_API_KEY")))
                .orElse(null);
        int parallel = args.integer("parallel", defaults.parallel());
        int queue = args.integer("queue", defaults.maxQueued());
        String alias = args.string("alias").orElse(demo ? "bitnet-demo" : null);
        String engine = args.string("engine").orElse(defaults.engine());
        LoadOptions load = CliOptions.loadOptions(args);
        args.finish();
        ServerOptions options;
        try {
            options = new ServerOptions(host, port, apiKey, parallel, queue, defaults.maxBodyBytes(), alias, engine);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        Path modelPath = DemoModel.modelOrDemo(modelFlag, err, false);
        BitNetServer server = BitNetServer.start(options, () -> BitNetModel.load(modelPath, load));
        // SIGTERM and Ctrl-C: stop taking requests, end running streams cleanly, close the model
        Thread hook = new Thread(server::close, "bitnet-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            server.awaitReady(Duration.ofDays(365));
        } catch (IllegalStateException e) {
            server.close();
            throw e;
        }
        out.println("bitnet serve: listening on " + server.baseUrl() + " (model " + modelPath.getFileName()
                + ", " + parallel + " parallel" + (apiKey != null ? ", API key required" : "") + ")");
        out.flush();
        server.awaitClose();
        return 0;
    }
}
