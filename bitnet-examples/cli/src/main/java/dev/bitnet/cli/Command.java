package dev.bitnet.cli;

import java.io.InputStream;
import java.io.PrintStream;

/** One subcommand of the {@code bitnet} command line. */
interface Command {
    /** The word that selects it, e.g. {@code generate}. */
    String name();

    /** One line for the usage listing. */
    String summary();

    /** Flags and their meaning, printed by {@code bitnet NAME --help}. */
    String usage();

    /** Flags that take no value, such as {@code --json}. */
    default String[] switches() {
        return new String[0];
    }

    /**
     * Runs the command; returns the process exit code. Bad flags throw {@link UsageException}.
     */
    int run(Args args, InputStream in, PrintStream out, PrintStream err) throws Exception;
}
