package dev.bitnet.cli;

import dev.bitnet.hub.DownloadListener;
import dev.bitnet.hub.HubEnvironment;
import dev.bitnet.hub.HubReference;
import dev.bitnet.hub.ModelLocator;
import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The one resolver behind every command's {@code --model}: a path, or a Hub reference
 * {@code hf://ORG/REPO[@REV][/PATH]} fetched into (or found in) the Hugging Face cache. Commands read
 * the flag first and resolve it only after all flags were checked, so a typo never starts a download.
 * A progress bar goes to stderr only on a terminal, and never with {@code --json}.
 */
final class ModelArgument {
    /** Where the Hub settings come from; tests point it at a fake hub. */
    static volatile Supplier<HubEnvironment> environment = HubEnvironment::fromSystem;

    private final @Nullable String value;

    private ModelArgument(@Nullable String value) {
        this.value = value;
    }

    /** {@code --model}, if given. */
    static ModelArgument optional(Args args) {
        return new ModelArgument(args.string("model").orElse(null));
    }

    /** {@code --model}, which the command needs. */
    static ModelArgument required(Args args) {
        return new ModelArgument(args.required("model"));
    }

    /** A value given some other way (e.g. {@code bitnet download REF}). */
    static ModelArgument of(String value) {
        return new ModelArgument(value);
    }

    boolean isPresent() {
        return value != null;
    }

    boolean isHubReference() {
        return value != null && HubReference.isHubReference(value);
    }

    /** The flag's text as given. */
    String text() {
        if (value == null) {
            throw new IllegalStateException("no --model");
        }
        return value;
    }

    /**
     * The local path: downloads an {@code hf://} reference first.
     *
     * @param quiet no progress bar (e.g. {@code --json}); there is none off a terminal anyway
     */
    Path resolve(PrintStream err, boolean quiet) {
        String text = text();
        DownloadListener listener = !quiet && ProgressBar.onTerminal() ? new ProgressBar(err) : DownloadListener.NONE;
        try {
            return ModelLocator.resolve(text, environment.get(), listener);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--model: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }
}
