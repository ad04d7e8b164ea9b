package dev.bitnet.hub;

import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where and how to reach the Hub, read from environment variables the way huggingface_hub reads
 * them, so that Python, llama.cpp and this library share one cache:
 * <ul>
 *   <li>cache: {@code HF_HUB_CACHE}, else {@code HUGGINGFACE_HUB_CACHE}, else {@code $HF_HOME/hub}, where
 *       {@code HF_HOME} defaults to {@code $XDG_CACHE_HOME/huggingface}, else {@code ~/.cache/huggingface};</li>
 *   <li>endpoint: {@code HF_ENDPOINT} (default {@code https://huggingface.co}, trailing {@code /} dropped);</li>
 *   <li>token: {@code HF_TOKEN}, else the file {@code $HF_TOKEN_PATH}, else {@code $HF_HOME/token};</li>
 *   <li>offline: {@code HF_HUB_OFFLINE} = 1/ON/YES/TRUE (no HTTP at all, the cache only);</li>
 *   <li>timeouts: {@code HF_HUB_ETAG_TIMEOUT} (metadata requests) and {@code HF_HUB_DOWNLOAD_TIMEOUT}
 *       (a transfer that stalls this long is retried), in seconds, 10 each by default.</li>
 * </ul>
 * The variables come in as a map so tests (and embedders) need not touch the real environment.
 */
public final class HubEnvironment {
    /** The public Hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    private final Path cacheDir;
    private final URI endpoint;
    private final @Nullable String token;
    private final boolean offline;
    private final boolean symlinks;
    private final Duration metadataTimeout;
    private final Duration downloadTimeout;

    private HubEnvironment(Path cacheDir, URI endpoint, @Nullable String token, boolean offline, boolean symlinks,
                           Duration metadataTimeout, Duration downloadTimeout) {
        this.cacheDir = cacheDir.toAbsolutePath().normalize();
        this.endpoint = endpoint;
        this.token = token;
        this.offline = offline;
        this.symlinks = symlinks;
        this.metadataTimeout = metadataTimeout;
        this.downloadTimeout = downloadTimeout;
    }

    /** From this process's environment and {@code user.home}. */
    public static HubEnvironment fromSystem() {
        return of(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    /**
     * From the given variables.
     *
     * @param env  environment variables (only the ones named above are read)
     * @param home the user's home directory, for the defaults under {@code ~/.cache}
     * @throws IllegalArgumentException if {@code HF_ENDPOINT} is not an http(s) URL or a timeout is not a positive number
     */
    public static HubEnvironment of(Map<String, String> env, Path home) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(home, "home");
        Path hfHome = get(env, "HF_HOME").map(Path::of).orElseGet(() ->
                get(env, "XDG_CACHE_HOME").map(Path::of).orElse(home.resolve(".cache")).resolve("huggingface"));
        Path cache = get(env, "HF_HUB_CACHE").or(() -> get(env, "HUGGINGFACE_HUB_CACHE")).map(Path::of)
                .orElse(hfHome.resolve("hub"));
        URI endpoint = endpoint(get(env, "HF_ENDPOINT").orElse(DEFAULT_ENDPOINT));
        String token = get(env, "HF_TOKEN").map(String::trim).filter(t -> !t.isEmpty()).orElseGet(() ->
                readToken(get(env, "HF_TOKEN_PATH").map(Path::of).orElse(hfHome.resolve("token"))));
        boolean offline = get(env, "HF_HUB_OFFLINE").map(v -> TRUE.contains(v.trim().toUpperCase(Locale.ROOT))).orElse(false);
        return new HubEnvironment(cache, endpoint, token, offline, true,
                seconds(env, "HF_HUB_ETAG_TIMEOUT"), seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT"));
    }

    /** The cache root ({@code .../huggingface/hub}). */
    public Path cacheDir() {
        return cacheDir;
    }

    /** The Hub's base URL, without a trailing slash. */
    public URI endpoint() {
        return endpoint;
    }

    /** The access token, if one is configured. */
    public Optional<String> token() {
        return Optional.ofNullable(token);
    }

    /** Whether to use the cache only. */
    public boolean offline() {
        return offline;
    }

    /** Whether snapshot entries are symlinks to blobs (else copies). */
    public boolean symlinks() {
        return symlinks;
    }

    /** Timeout of metadata requests (HEAD, file listing). */
    public Duration metadataTimeout() {
        return metadataTimeout;
    }

    /** How long a transfer may stall before it is cut and retried. */
    public Duration downloadTimeout() {
        return downloadTimeout;
    }

    /** A copy with another cache root. */
    public HubEnvironment withCacheDir(Path dir) {
        return new HubEnvironment(dir, endpoint, token, offline, symlinks, metadataTimeout, downloadTimeout);
    }

    /** A copy with another endpoint. */
    public HubEnvironment withEndpoint(String url) {
        return new HubEnvironment(cacheDir, endpoint(url), token, offline, symlinks, metadataTimeout, downloadTimeout);
    }

    /** A copy with another token, or none. */
    public HubEnvironment withToken(@Nullable String newToken) {
        return new HubEnvironment(cacheDir, endpoint, newToken, offline, symlinks, metadataTimeout, downloadTimeout);
    }

    /** A copy that is (or is not) offline. */
    public HubEnvironment withOffline(boolean value) {
        return new HubEnvironment(cacheDir, endpoint, token, value, symlinks, metadataTimeout, downloadTimeout);
    }

    /** A copy that copies blobs into snapshots instead of linking them (as where symlinks fail). */
    public HubEnvironment withSymlinks(boolean value) {
        return new HubEnvironment(cacheDir, endpoint, token, offline, value, metadataTimeout, downloadTimeout);
    }

    /** A copy with other timeouts. */
    public HubEnvironment withTimeouts(Duration metadata, Duration download) {
        return new HubEnvironment(cacheDir, endpoint, token, offline, symlinks, positive(metadata), positive(download));
    }

    @Override
    public String toString() {
        return "HubEnvironment[cache=" + cacheDir + ", endpoint=" + endpoint + ", token=" + (token == null ? "none" : "set")
                + ", offline=" + offline + "]";
    }

    private static Optional<String> get(Map<String, String> env, String name) {
        return Optional.ofNullable(env.get(name)).filter(v -> !v.isBlank());
    }

    private static URI endpoint(String text) {
        String trimmed = text.trim();
        while (trimmed.endsWith("/")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        URI uri;
        try {
            uri = URI.create(trimmed);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("HF_ENDPOINT is not a URL: " + text, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null
                || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("HF_ENDPOINT must be an http(s) URL with a host, got '" + text + "'");
        }
        return uri;
    }

    private static @Nullable String readToken(Path file) {
        try {
            if (!Files.isRegularFile(file) || Files.size(file) > 64 * 1024) {
                return null;
            }
            String t = Files.readString(file, StandardCharsets.UTF_8).trim();
            return t.isEmpty() ? null : t;
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    private static Duration seconds(Map<String, String> env, String name) {
        return get(env, name).map(v -> {
            try {
                return positive(Duration.ofMillis(Math.round(Double.parseDouble(v.trim()) * 1000)));
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException(name + " must be a positive number of seconds, got '" + v + "'", e);
            }
        }).orElse(Duration.ofSeconds(10));
    }

    private static Duration positive(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + d);
        }
        return d;
    }
}
