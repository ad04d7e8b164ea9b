package dev.bitnet.hub;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * Downloads files and checkpoints from the Hugging Face Hub into the cache that huggingface_hub and
 * llama.cpp use (see {@link HubEnvironment} for where, and {@code README.md} "Models from the Hub"),
 * and finds them there again offline. Thread-safe; threads and processes that fetch the same file at
 * once end with one intact blob. Close it to release its HTTP client and watchdog thread.
 *
 * <pre>{@code
 * try (HubClient hub = HubClient.create(HubEnvironment.fromSystem())) {
 *     Path gguf = hub.download(HubReference.parse("hf://microsoft/bitnet-b1.58-2B-4T-gguf/ggml-model-i2_s.gguf"),
 *             DownloadListener.NONE);
 * }
 * }</pre>
 */
public final class HubClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    /** Sizes above this (4 TiB) are taken as hostile, not as a model. */
    static final long MAX_FILE_BYTES = 1L << 42;

    private final HubEnvironment env;
    private final HubCache cache;
    private final HubHttp http;
    private final HttpClient httpClient;
    private final ScheduledExecutorService watchdog;
    private final BlobDownload downloader;

    private HubClient(HubEnvironment env, int attempts, Duration retryDelay) {
        this.env = env;
        this.cache = new HubCache(env.cacheDir(), env.symlinks());
        this.httpClient = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(env.metadataTimeout()).build();
        this.http = new HubHttp(httpClient, env);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bitnet-hub-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.downloader = new BlobDownload(http, watchdog, attempts, retryDelay);
    }

    /** A client with 5 attempts per file, 1 s apart and doubling. */
    public static HubClient create(HubEnvironment env) {
        return new HubClient(Objects.requireNonNull(env, "env"), 5, Duration.ofSeconds(1));
    }

    /**
     * A client with its own retry policy.
     *
     * @param attempts   tries per file transfer (at least 1); each resumes where the last stopped
     * @param retryDelay pause before the second try, doubling up to 16 times that
     */
    public static HubClient create(HubEnvironment env, int attempts, Duration retryDelay) {
        if (attempts < 1 || retryDelay.isNegative()) {
            throw new IllegalArgumentException("need attempts >= 1 and a non-negative delay");
        }
        return new HubClient(Objects.requireNonNull(env, "env"), attempts, retryDelay);
    }

    /** The configuration it runs with. */
    public HubEnvironment environment() {
        return env;
    }

    /**
     * Makes the referenced file or checkpoint available in the cache and returns its local path:
     * {@code snapshots/COMMIT/PATH} for a file, {@code snapshots/COMMIT} for a checkpoint. Offline,
     * or when the endpoint cannot be reached, the cached copy of the revision is returned.
     *
     * @throws HubException why it is not available: see {@link HubException.Kind}
     * @throws IOException  if the cache cannot be written
     */
    public Path download(HubReference ref, DownloadListener listener) throws IOException {
        Objects.requireNonNull(ref, "ref");
        Objects.requireNonNull(listener, "listener");
        return ref.path() == null ? downloadCheckpoint(ref, listener) : downloadFile(ref.repo(), ref.revision(), ref.path(), listener);
    }

    private Path downloadFile(String repo, String revision, String path, DownloadListener listener) throws IOException {
        if (env.offline()) {
            return cache.cachedFile(repo, revision, path).orElseThrow(() -> new HubException(HubException.Kind.NOT_CACHED,
                    "HF_HUB_OFFLINE is set and " + describe(repo, revision, path) + " is not in the cache " + cache.root()));
        }
        FileMetadata meta;
        try {
            meta = metadata(repo, revision, path);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (e instanceof HubException h && h.kind() != HubException.Kind.NETWORK) {
                throw e;
            }
            Optional<Path> cached = cache.cachedFile(repo, revision, path);
            if (cached.isPresent()) {
                LOG.warn("cannot reach {} ({}): using the cached {}", env.endpoint(), e.getMessage(), cached.get());
                return cached.get();
            }
            throw new HubException(HubException.Kind.NETWORK, "cannot reach " + env.endpoint() + " (" + e.getMessage() + ") and "
                    + describe(repo, revision, path) + " is not in the cache " + cache.root(), e);
        }
        cache.writeRef(repo, revision, meta.commit());
        Path pointer = cache.snapshotFile(repo, meta.commit(), path);
        if (Files.isRegularFile(pointer)) {
            return pointer;
        }
        Path blob = cache.blob(repo, meta.etag());
        try (HubCache.BlobLock ignored = cache.lock(repo, meta.etag())) {
            if (!Files.isRegularFile(blob) || Files.size(blob) != meta.size()) {
                downloader.run(http.resolveUrl(repo, meta.commit(), path), repo, path, meta, blob,
                        cache.incomplete(repo, meta.etag()), listener);
            }
            cache.link(pointer, blob);
        }
        return pointer;
    }

    private Path downloadCheckpoint(HubReference ref, DownloadListener listener) throws IOException {
        String repo = ref.repo();
        String revision = ref.revision();
        if (env.offline()) {
            return cache.cachedSnapshot(repo, revision).orElseThrow(() -> new HubException(HubException.Kind.NOT_CACHED,
                    "HF_HUB_OFFLINE is set and " + describe(repo, revision, null) + " is not in the cache " + cache.root()));
        }
        RepoListing listing;
        try {
            listing = listing(repo, revision);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (e instanceof HubException h && h.kind() != HubException.Kind.NETWORK) {
                throw e;
            }
            Optional<Path> cached = cache.cachedSnapshot(repo, revision);
            if (cached.isPresent()) {
                LOG.warn("cannot reach {} ({}): using the cached {}", env.endpoint(), e.getMessage(), cached.get());
                return cached.get();
            }
            throw new HubException(HubException.Kind.NETWORK, "cannot reach " + env.endpoint() + " (" + e.getMessage() + ") and "
                    + describe(repo, revision, null) + " is not in the cache " + cache.root(), e);
        }
        List<String> files = CheckpointFiles.select(listing.files(), repo);
        cache.writeRef(repo, revision, listing.commit());
        List<String> done = new ArrayList<>();
        for (String file : files) {
            try {
                Path local = downloadFile(repo, listing.commit(), file, listener);
                if (!local.startsWith(cache.snapshotDir(repo, listing.commit()))) {
                    throw new HubException(HubException.Kind.BAD_RESPONSE, file + " of " + repo + " resolved to another commit than "
                            + listing.commit() + " that the listing named");
                }
            } catch (HubException e) {
                if (e.kind() != HubException.Kind.NETWORK) {
                    throw e;
                }
                throw new HubException(HubException.Kind.NETWORK, e.getMessage() + ". Complete in the cache: "
                        + (done.isEmpty() ? "nothing yet" : String.join(", ", done)) + " of " + String.join(", ", files), e);
            }
            done.add(file);
        }
        return cache.snapshotDir(repo, listing.commit());
    }

    /** HEAD on the file: commit, ETag and size, each checked before it names anything on disk. */
    private FileMetadata metadata(String repo, String revision, String path) throws IOException {
        URI url = http.resolveUrl(repo, revision, path);
        HttpResponse<Void> response = http.head(url);
        int status = response.statusCode();
        if (status < 200 || status >= 400) {
            throw HubHttp.statusError(status, response.headers(), repo, revision, path, url);
        }
        HttpHeaders h = response.headers();
        String what = describe(repo, revision, path);
        String commit = h.firstValue("X-Repo-Commit").map(String::trim).orElseThrow(() -> new HubException(HubException.Kind.BAD_RESPONSE,
                "no X-Repo-Commit header for " + what + ": is " + env.endpoint() + " (HF_ENDPOINT) a Hugging Face Hub?"));
        if (!HubReference.isCommit(commit)) {
            throw new HubException(HubException.Kind.BAD_RESPONSE, "X-Repo-Commit '" + clip(commit) + "' for " + what + " is not a commit hash");
        }
        String etag = normalizeEtag(h.firstValue("X-Linked-Etag").or(() -> h.firstValue("ETag")).orElseThrow(() ->
                new HubException(HubException.Kind.BAD_RESPONSE, "no ETag header for " + what)));
        if (!HubCache.validEtag(etag)) {
            throw new HubException(HubException.Kind.BAD_RESPONSE, "ETag '" + clip(etag) + "' for " + what + " cannot name a blob");
        }
        String sizeText = h.firstValue("X-Linked-Size").or(() -> h.firstValue("Content-Length")).orElseThrow(() ->
                new HubException(HubException.Kind.BAD_RESPONSE, "no X-Linked-Size or Content-Length for " + what));
        long size;
        try {
            size = Long.parseLong(sizeText.trim());
        } catch (NumberFormatException e) {
            throw new HubException(HubException.Kind.BAD_RESPONSE, "size '" + clip(sizeText) + "' for " + what + " is not a number", e);
        }
        if (size < 0 || size > MAX_FILE_BYTES) {
            throw new HubException(HubException.Kind.BAD_RESPONSE, "implausible size " + size + " for " + what);
        }
        return new FileMetadata(commit, etag, size);
    }

    private RepoListing listing(String repo, String revision) throws IOException {
        URI url = http.revisionInfoUrl(repo, revision);
        HttpResponse<InputStream> response = http.get(url, 0, env.metadataTimeout());
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200) {
                throw HubHttp.statusError(response.statusCode(), response.headers(), repo, revision, null, url);
            }
            byte[] json = body.readNBytes(RepoListing.MAX_BYTES + 1);
            if (json.length > RepoListing.MAX_BYTES) {
                throw new HubException(HubException.Kind.BAD_RESPONSE, "the file listing of " + repo + " exceeds "
                        + RepoListing.MAX_BYTES + " bytes");
            }
            return RepoListing.parse(json, repo);
        }
    }

    /** {@code W/"abc"} -> {@code abc}, as huggingface_hub normalizes. */
    static String normalizeEtag(String etag) {
        String e = etag.trim();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    private static String describe(String repo, String revision, String path) {
        return new HubReference(repo, revision, path).toString();
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        httpClient.close();
    }
}
