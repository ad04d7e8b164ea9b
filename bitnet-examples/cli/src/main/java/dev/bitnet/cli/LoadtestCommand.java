package dev.bitnet.cli;

import dev.bitnet.server.LoadTest;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * {@code loadtest --url URL --clients N --requests M [--max-tokens K] [--prompt TEXT] [--api-key KEY] [--json]}:
 * streamed chat completions from N concurrent clients against an OpenAI-compatible server.
 */
final class LoadtestCommand implements Command {
    @Override
    public String name() {
        return "loadtest";
    }

    @Override
    public String summary() {
        return "load an OpenAI-compatible server: requests/s, time to first token, latency, tokens/s";
    }

    @Override
    public String usage() {
        return "--url URL --clients N --requests M [--max-tokens K] [--prompt TEXT] [--api-key KEY] [--json]";
    }

    @Override
    public String[] switches() {
        return new String[] {"json"};
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) throws Exception {
        String url = args.required("url");
        int clients = args.integer("clients").orElseThrow(() -> new UsageException("missing required flag --clients"));
        int requests = args.integer("requests").orElseThrow(() -> new UsageException("missing required flag --requests"));
        int maxTokens = args.integer("max-tokens", 64);
        String prompt = args.string("prompt").orElse("Tell me a story about a dragon.");
        String apiKey = args.string("api-key").orElse(null);
        boolean json = args.flag("json");
        args.finish();
        LoadTest test;
        try {
            test = new LoadTest(url, clients, requests, maxTokens, prompt, apiKey);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        LoadTest.Result r = test.run();
        out.println(json ? r.toJson() : r.toText());
        return r.errors() == 0 ? 0 : 1;
    }
}
