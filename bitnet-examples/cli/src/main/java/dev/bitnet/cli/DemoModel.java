package dev.bitnet.cli;

import java.io.PrintStream;
import java.nio.file.Path;

/** {@code --model FILE}, or the demo model shipped in the jar when a command gets none. */
final class DemoModel {
    private DemoModel() {
    }

    static Path modelOrDemo(Args args, PrintStream err) {
        var given = args.path("model");
        if (given.isPresent()) {
            return given.get();
        }
        Path demo = dev.bitnet.examples.demo.DemoModel.extract()
                .orElseThrow(() -> new UsageException("missing --model FILE (this build has no demo model)"));
        err.println("no --model given: using the built-in demo model (" + demo + ")");
        return demo;
    }
}
