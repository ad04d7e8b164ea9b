package dev.bitnet.hub;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * The huggingface_hub cache layout under one root:
 * <pre>
 * models--ORG--NAME/refs/REVISION            the commit a branch or tag pointed to, as text
 * models--ORG--NAME/blobs/ETAG               file contents, named by ETag (sha256 for LFS files, git sha1 otherwise)
 * models--ORG--NAME/snapshots/COMMIT/PATH    a relative symlink to ../../blobs/ETAG (a copy where symlinks fail)
 * .locks/models--ORG--NAME/ETAG.lock         held while the blob is written
 * </pre>
 */
final class HubCache {
    private static final Logger LOG = LoggerFactory.getLogger(HubCache.class);
    /** ETags become file names: only this shape is accepted (hex hashes in practice). */
    private static final Pattern ETAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");
    /** Threads of one JVM exclude each other here; a file lock only excludes other processes. */
    private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final boolean symlinks;

    HubCache(Path root, boolean symlinks) {
        this.root = root.toAbsolutePath().normalize();
        this.symlinks = symlinks;
    }

    Path root() {
        return root;
    }

    static String folderName(String repo) {
        return "models--" + repo.replace("/", "--");
    }

    static boolean validEtag(String etag) {
        return ETAG.matcher(etag).matches();
    }

    Path repoDir(String repo) {
        return root.resolve(folderName(repo));
    }

    Path blob(String repo, String etag) {
        if (!validEtag(etag)) {
            throw new IllegalArgumentException("unusable ETag '" + etag + "'");
        }
        return repoDir(repo).resolve("blobs").resolve(etag);
    }

    Path incomplete(String repo, String etag) {
        return repoDir(repo).resolve("blobs").resolve(etag + ".incomplete");
    }

    Path snapshotDir(String repo, String commit) {
        if (!HubReference.isCommit(commit)) {
            throw new IllegalArgumentException("not a commit hash: " + commit);
        }
        return repoDir(repo).resolve("snapshots").resolve(commit);
    }

    /** Where a file of a commit appears; the path was validated, and is checked again to stay inside. */
    Path snapshotFile(String repo, String commit, String path) {
        HubReference.checkPath(path, "path");
        Path dir = snapshotDir(repo, commit);
        Path file = dir.resolve(path).normalize();
        if (!file.startsWith(dir) || file.equals(dir)) {
            throw new IllegalArgumentException("path '" + path + "' leaves the snapshot directory");
        }
        return file;
    }

    private Path refFile(String repo, String revision) {
        HubReference.checkPath(revision, "revision");
        Path refs = repoDir(repo).resolve("refs");
        Path file = refs.resolve(revision).normalize();
        if (!file.startsWith(refs) || file.equals(refs)) {
            throw new IllegalArgumentException("revision '" + revision + "' leaves the refs directory");
        }
        return file;
    }

    /** The commit a revision names in the cache: itself if it is a commit, else what {@code refs/REV} holds. */
    Optional<String> commitOf(String repo, String revision) {
        if (HubReference.isCommit(revision)) {
            return Optional.of(revision);
        }
        Path ref = refFile(repo, revision);
        try {
            if (!Files.isRegularFile(ref) || Files.size(ref) > 1024) {
                return Optional.empty();
            }
            String commit = Files.readString(ref, StandardCharsets.US_ASCII).trim();
            return HubReference.isCommit(commit) ? Optional.of(commit) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A cached file of the reference, if its snapshot entry exists and resolves (no dangling link). */
    Optional<Path> cachedFile(String repo, String revision, String path) {
        return commitOf(repo, revision).map(c -> snapshotFile(repo, c, path)).filter(Files::isRegularFile);
    }

    /** A cached snapshot directory of the revision, if there is one. */
    Optional<Path> cachedSnapshot(String repo, String revision) {
        return commitOf(repo, revision).map(c -> snapshotDir(repo, c)).filter(Files::isDirectory);
    }

    /** Records that a branch or tag points to a commit: atomically, and only when that changes. */
    void writeRef(String repo, String revision, String commit) throws IOException {
        if (HubReference.isCommit(revision) || commitOf(repo, revision).filter(commit::equals).isPresent()) {
            return;
        }
        Path ref = refFile(repo, revision);
        Files.createDirectories(ref.getParent());
        Path tmp = ref.resolveSibling(ref.getFileName() + "." + uniqueSuffix() + ".tmp");
        try {
            Files.writeString(tmp, commit, StandardCharsets.US_ASCII);
            move(tmp, ref);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Makes {@code snapshots/COMMIT/PATH} show the blob: a relative symlink, or a copy where symlinks
     * are off or fail. Replaces whatever was there, atomically.
     */
    void link(Path pointer, Path blob) throws IOException {
        Files.createDirectories(pointer.getParent());
        Path tmp = pointer.resolveSibling("." + pointer.getFileName() + "." + uniqueSuffix() + ".tmp");
        try {
            boolean linked = false;
            if (symlinks) {
                try {
                    Files.createSymbolicLink(tmp, pointer.getParent().relativize(blob));
                    linked = true;
                } catch (UnsupportedOperationException | FileSystemException | SecurityException e) {
                    LOG.warn("cannot create symlinks in {} ({}): copying the file into the snapshot instead", root, e.toString());
                }
            }
            if (!linked) {
                Files.copy(blob, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            move(tmp, pointer);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Holds the blob's lock against other threads and processes (huggingface_hub's lock file). */
    BlobLock lock(String repo, String etag) throws IOException {
        Path lockFile = root.resolve(".locks").resolve(folderName(repo)).resolve(etag + ".lock");
        Files.createDirectories(lockFile.getParent());
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        try {
            jvmLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting for " + lockFile);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock fileLock = channel.tryLock();
            if (fileLock == null) {
                LOG.info("another process is downloading {}: waiting for it", etag);
                fileLock = channel.lock();
            }
            return new BlobLock(jvmLock, channel, fileLock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            jvmLock.unlock();
            throw e;
        }
    }

    /** A held blob lock; close to release. */
    record BlobLock(ReentrantLock jvmLock, FileChannel channel, FileLock fileLock) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            try {
                fileLock.release();
                channel.close();
            } finally {
                jvmLock.unlock();
            }
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    private static String uniqueSuffix() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    }
}
