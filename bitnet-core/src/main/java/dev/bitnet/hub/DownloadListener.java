package dev.bitnet.hub;

/**
 * Hears about file transfers from the Hub, e.g. to draw a progress bar. Core never prints: a
 * command line implements this. Called on the downloading thread; cache hits report nothing.
 * Every method has an empty default.
 */
public interface DownloadListener {
    /** Hears nothing. */
    DownloadListener NONE = new DownloadListener() {
    };

    /**
     * A transfer starts (or resumes).
     *
     * @param file        the path inside the repository
     * @param totalBytes  the file's size
     * @param resumedFrom bytes already on disk from an interrupted transfer (0 for a fresh one)
     */
    default void started(String file, long totalBytes, long resumedFrom) {
    }

    /** Bytes of {@code file} on disk so far (including any resumed part), out of {@code totalBytes}. */
    default void progressed(String file, long bytesDone, long totalBytes) {
    }

    /** The file is complete, verified and in the cache. */
    default void finished(String file) {
    }
}
