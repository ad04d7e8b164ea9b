package dev.bitnet.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * Turns what a user writes for a model into a local path: an {@code hf://} reference (downloaded
 * into, or found in, the Hugging Face cache) or a plain path. A directory that holds no
 * {@code config.json} but exactly one {@code .gguf} file (a GGUF repository fetched with
 * {@code huggingface-cli download --local-dir}, or {@code hf://ORG/REPO} of such a repository)
 * stands for that file; any other directory is returned as it is (a checkpoint directory).
 */
public final class ModelLocator {
    private ModelLocator() {
    }

    /** With this process's environment and no progress reports. */
    public static Path resolve(String reference) throws IOException {
        return resolve(reference, HubEnvironment.fromSystem(), DownloadListener.NONE);
    }

    /**
     * @throws IllegalArgumentException if an {@code hf://} reference is malformed
     * @throws HubException             if the Hub cannot provide it (see {@link HubException.Kind})
     */
    public static Path resolve(String reference, HubEnvironment env, DownloadListener listener) throws IOException {
        Objects.requireNonNull(reference, "reference");
        if (!HubReference.isHubReference(reference)) {
            return modelFile(Path.of(reference));
        }
        HubReference ref = HubReference.parse(reference);
        try (HubClient hub = HubClient.create(env)) {
            return modelFile(hub.download(ref, listener));
        }
    }

    /** The GGUF a directory stands for, if it is a one-GGUF directory; else the path itself. */
    public static Path modelFile(Path path) {
        if (!Files.isDirectory(path) || Files.exists(path.resolve("config.json"))) {
            return path;
        }
        try (Stream<Path> entries = Files.list(path)) {
            List<Path> ggufs = entries.filter(p -> p.getFileName().toString().endsWith(".gguf") && Files.isRegularFile(p))
                    .limit(2).toList();
            return ggufs.size() == 1 ? ggufs.get(0) : path;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + path + ": " + e.getMessage(), e);
        }
    }
}
