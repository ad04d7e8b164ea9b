package dev.bitnet;

import org.jetbrains.annotations.Nullable;

import java.nio.file.Path;

/**
 * A model file is corrupt, truncated or inconsistent: a count or length that does not fit the file,
 * a tensor outside the data, a missing or mistyped key, and so on. The message names the file, the
 * key or tensor and the byte offset where the problem was found.
 */
public final class ModelFormatException extends BitNetException {
    private static final long serialVersionUID = 1L;

    private final transient @Nullable Path path;
    private final long offset;

    /**
     * @param path   the file, or null when the data did not come from a file
     * @param offset the byte offset in the file where the problem was found, or -1 if none applies
     * @param detail what is wrong, naming the key, tensor or field
     */
    public ModelFormatException(@Nullable Path path, long offset, String detail) {
        this(path, offset, detail, null);
    }

    /**
     * @param path   the file, or null when the data did not come from a file
     * @param offset the byte offset in the file where the problem was found, or -1 if none applies
     * @param detail what is wrong, naming the key, tensor or field
     * @param cause  the underlying error, if any
     */
    public ModelFormatException(@Nullable Path path, long offset, String detail, @Nullable Throwable cause) {
        super(compose(path, offset, detail), cause);
        this.path = path;
        this.offset = offset < 0 ? -1 : offset;
    }

    private static String compose(@Nullable Path path, long offset, String detail) {
        StringBuilder sb = new StringBuilder();
        if (path != null) {
            sb.append(path).append(": ");
        }
        sb.append(detail);
        if (offset >= 0) {
            sb.append(" (at byte offset ").append(offset).append(')');
        }
        return sb.toString();
    }

    /** The file the problem is in, or null when the data did not come from a file. */
    public @Nullable Path path() {
        return path;
    }

    /** The byte offset where the problem was found, or -1 when it is not tied to one place. */
    public long offset() {
        return offset;
    }
}
