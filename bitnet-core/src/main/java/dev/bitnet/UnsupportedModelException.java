package dev.bitnet;

import org.jetbrains.annotations.Nullable;

import java.nio.file.Path;

/**
 * A well-formed model file that bitnet-java does not run: an unknown architecture, a tensor type it
 * has no kernel for (such as bitnet.cpp's TL1/TL2 or llama.cpp's K-quants), and the like. The message
 * names the file and what is unsupported.
 */
public final class UnsupportedModelException extends BitNetException {
    private static final long serialVersionUID = 1L;

    private final transient @Nullable Path path;

    /**
     * @param path   the file, or null when the model did not come from a file
     * @param detail what is not supported, naming the architecture, tensor or type
     */
    public UnsupportedModelException(@Nullable Path path, String detail) {
        super(path == null ? detail : path + ": " + detail);
        this.path = path;
    }

    /** The file, or null when the model did not come from a file. */
    public @Nullable Path path() {
        return path;
    }
}
