package dev.bitnet.hub;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Transfers one blob into {@code blobs/ETAG.incomplete}, resuming with {@code Range} after a cut,
 * never writing past the announced size, then checks size and hash (sha256 for an LFS ETag, the git
 * blob sha1 for a regular one) and renames it into place atomically. A mismatch deletes the partial
 * file: a corrupt blob is never left where a load could find it. The caller holds the blob's lock.
 */
final class BlobDownload {
    private static final Logger LOG = LoggerFactory.getLogger(BlobDownload.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d{1,19})-(\\d{1,19})/(\\d{1,19}|\\*)");

    private final HubHttp http;
    private final ScheduledExecutorService watchdog;
    private final int attempts;
    private final Duration retryDelay;

    BlobDownload(HubHttp http, ScheduledExecutorService watchdog, int attempts, Duration retryDelay) {
        this.http = http;
        this.watchdog = watchdog;
        this.attempts = attempts;
        this.retryDelay = retryDelay;
    }

    /**
     * @param url      where the content is ({@code resolve/COMMIT/PATH} on the endpoint)
     * @param repo     the repository, for messages
     * @param file     the path in the repository, for messages and the listener
     * @param blob     the final blob path
     * @param partial  the {@code .incomplete} file beside it
     */
    void run(URI url, String repo, String file, FileMetadata meta, Path blob, Path partial, DownloadListener listener)
            throws IOException {
        Files.createDirectories(blob.getParent());
        long have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
        if (have > meta.size()) {
            LOG.warn("{} is longer than the file's {} bytes: starting over", partial, meta.size());
            Files.delete(partial);
            have = 0;
        }
        long free = Files.getFileStore(blob.getParent()).getUsableSpace();
        if (meta.size() - have > free) {
            throw new HubException(HubException.Kind.NO_SPACE, String.format("%s needs %,d more bytes but %s has only %,d free",
                    file, meta.size() - have, blob.getParent(), free));
        }
        Digest digest = new Digest(meta);
        if (have > 0) {
            digest.updateFromFile(partial, have);
        }
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                pause(retryDelay.multipliedBy(1L << Math.min(attempt - 2, 4)));
                LOG.info("retrying {} (attempt {} of {}) from byte {}: {}", file, attempt, attempts, have, last.toString());
            }
            try {
                have = transfer(url, repo, file, meta, partial, have, digest, listener);
                last = null;
                break;
            } catch (HubException e) {
                if (e.kind() != HubException.Kind.NETWORK) {
                    throw e;
                }
                last = e;
            } catch (InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                last = e;
            }
            have = Files.isRegularFile(partial) ? Files.size(partial) : 0;
            // the digest follows the bytes actually on disk
            digest = new Digest(meta);
            digest.updateFromFile(partial, have);
        }
        if (last != null) {
            throw new HubException(HubException.Kind.NETWORK, String.format(
                    "downloading %s failed after %d attempts (%s); %,d of %,d bytes are kept in %s and the next try resumes from there",
                    file, attempts, causes(last), have, meta.size(), partial), last);
        }
        String actual = digest.hex();
        if (digest.checked() && !actual.equals(meta.etag())) {
            Files.deleteIfExists(partial);
            throw new HubException(HubException.Kind.INTEGRITY, file + ": the downloaded content hashes to " + actual
                    + " but the Hub announced " + meta.etag() + "; the partial file was deleted");
        }
        HubCache.move(partial, blob);
        listener.finished(file);
    }

    /** One HTTP exchange; returns the bytes on disk afterwards (the whole file when it returns normally). */
    private long transfer(URI url, String repo, String file, FileMetadata meta, Path partial, long have, Digest digest,
                          DownloadListener listener) throws IOException {
        HttpResponse<InputStream> response = http.get(url, have, http.env().metadataTimeout());
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            long start = have;
            if (status == 200 && have > 0) {
                LOG.info("{}: the server ignored the Range request; starting over", file);
                start = 0;
            } else if (status == 206) {
                String range = response.headers().firstValue("Content-Range").orElse("");
                Matcher m = CONTENT_RANGE.matcher(range.trim());
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    throw new HubException(HubException.Kind.BAD_RESPONSE, file + ": asked for bytes from " + have
                            + " but got Content-Range '" + range + "'");
                }
            } else if (status == 416 && have > 0) {
                // the next attempt starts from scratch
                Files.deleteIfExists(partial);
                throw new HubException(HubException.Kind.NETWORK, file + ": the server refused to resume at byte " + have);
            } else if (status != 200) {
                throw HubHttp.statusError(status, response.headers(), repo, meta.commit(), file, url);
            }
            if (start == 0 && have > 0) {
                digest.reset();
            }
            long expected = meta.size() - start;
            long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
            if (announced >= 0 && announced != expected) {
                throw new HubException(HubException.Kind.BAD_RESPONSE, String.format(
                        "%s: the transfer announces %,d bytes but %,d are missing (file size %,d)", file, announced, expected, meta.size()));
            }
            listener.started(file, meta.size(), start);
            return copy(body, file, meta, partial, start, digest, listener);
        }
    }

    private long copy(InputStream body, String file, FileMetadata meta, Path partial, long start, Digest digest,
                      DownloadListener listener) throws IOException {
        AtomicLong lastProgress = new AtomicLong(System.nanoTime());
        AtomicBoolean stalled = new AtomicBoolean();
        long timeoutNanos = http.env().downloadTimeout().toNanos();
        ScheduledFuture<?> guard = watchdog.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - lastProgress.get() > timeoutNanos && stalled.compareAndSet(false, true)) {
                try {
                    body.close();
                } catch (IOException ignored) {
                    // the reader fails either way
                }
            }
        }, 200, Math.max(50, Math.min(1000, timeoutNanos / 4_000_000)), TimeUnit.MILLISECONDS);
        long have = start;
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.truncate(start);
            out.position(start);
            byte[] buffer = new byte[1 << 16];
            while (true) {
                int n;
                try {
                    n = body.read(buffer);
                } catch (IOException e) {
                    if (stalled.get()) {
                        throw new IOException("no data for " + http.env().downloadTimeout().toSeconds() + " s", e);
                    }
                    throw e;
                }
                if (n < 0) {
                    break;
                }
                if (have + n > meta.size()) {
                    throw new HubException(HubException.Kind.BAD_RESPONSE, String.format(
                            "%s: the server sent more than the announced %,d bytes", file, meta.size()));
                }
                out.write(ByteBuffer.wrap(buffer, 0, n));
                digest.update(buffer, n);
                have += n;
                lastProgress.set(System.nanoTime());
                listener.progressed(file, have, meta.size());
            }
        } finally {
            guard.cancel(false);
        }
        if (have < meta.size()) {
            throw new IOException(String.format("connection closed after %,d of %,d bytes", have, meta.size()));
        }
        return have;
    }

    /** The messages along a cause chain ("closed" alone says little; what closed it does). */
    static String causes(Throwable t) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (Throwable c = t; c != null && depth < 4; c = c.getCause(), depth++) {
            String m = c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
            if (b.indexOf(m) < 0) {
                b.append(b.isEmpty() ? "" : ": ").append(m);
            }
        }
        return b.toString();
    }

    private static void pause(Duration d) throws InterruptedIOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

    /** The hash the ETag promises: sha256 of the content, or git's sha1 of "blob SIZE\0" + content. */
    private static final class Digest {
        private final FileMetadata meta;
        private MessageDigest md;

        Digest(FileMetadata meta) {
            this.meta = meta;
            reset();
        }

        boolean checked() {
            return md != null;
        }

        void reset() {
            try {
                if (meta.sha256()) {
                    md = MessageDigest.getInstance("SHA-256");
                } else if (meta.gitSha1()) {
                    md = MessageDigest.getInstance("SHA-1");
                    md.update(("blob " + meta.size() + "\0").getBytes(StandardCharsets.US_ASCII));
                } else {
                    md = null;
                }
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        void update(byte[] b, int n) {
            if (md != null) {
                md.update(b, 0, n);
            }
        }

        void updateFromFile(Path file, long length) throws IOException {
            if (md == null || length == 0) {
                return;
            }
            try (InputStream in = Files.newInputStream(file)) {
                byte[] buffer = new byte[1 << 16];
                long left = length;
                while (left > 0) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                    if (n < 0) {
                        throw new IOException(file + " shrank while being read");
                    }
                    md.update(buffer, 0, n);
                    left -= n;
                }
            }
        }

        String hex() {
            return md == null ? "" : HexFormat.of().formatHex(md.digest());
        }
    }
}
