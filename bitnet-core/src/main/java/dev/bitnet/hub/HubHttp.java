package dev.bitnet.hub;

import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * HTTP to the Hub with the rules that keep a token safe: redirects are followed by hand, at most
 * {@link #MAX_REDIRECTS}, only to http(s), and {@code Authorization} goes only to the endpoint's own
 * scheme, host and port, never to a CDN a redirect points at.
 */
final class HubHttp {
    static final int MAX_REDIRECTS = 10;
    private static final String USER_AGENT = "bitnet-java/" + version() + "; java/" + Runtime.version().feature();

    private final HttpClient client;
    private final HubEnvironment env;

    HubHttp(HttpClient client, HubEnvironment env) {
        this.client = client;
        this.env = env;
    }

    HubEnvironment env() {
        return env;
    }

    /** {@code ENDPOINT/REPO/resolve/REV/PATH}, the revision quoted whole and the path per segment. */
    URI resolveUrl(String repo, String revision, String path) {
        return URI.create(env.endpoint() + "/" + repo + "/resolve/" + quote(revision, false) + "/" + quote(path, true));
    }

    /** {@code ENDPOINT/api/models/REPO/revision/REV}: the commit and the file list. */
    URI revisionInfoUrl(String repo, String revision) {
        return URI.create(env.endpoint() + "/api/models/" + repo + "/revision/" + quote(revision, false));
    }

    /**
     * HEAD that follows only redirects within the endpoint (a renamed repository); an answer that
     * points elsewhere (the CDN) is itself the answer, its headers describe the file.
     */
    HttpResponse<Void> head(URI uri) throws IOException {
        URI current = uri;
        for (int hops = 0; ; hops++) {
            HttpRequest request = request(current).method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .header("Accept-Encoding", "identity").timeout(env.metadataTimeout()).build();
            HttpResponse<Void> response = send(request, HttpResponse.BodyHandlers.discarding());
            URI next = redirectTarget(current, response);
            if (next == null || !sameOrigin(next, env.endpoint())) {
                return response;
            }
            if (hops >= MAX_REDIRECTS) {
                throw new HubException(HubException.Kind.BAD_RESPONSE, "more than " + MAX_REDIRECTS + " redirects from " + uri);
            }
            current = next;
        }
    }

    /** GET following every redirect (the token only to the endpoint); returns the final answer, body unread. */
    HttpResponse<InputStream> get(URI uri, long rangeStart, @Nullable Duration timeout) throws IOException {
        URI current = uri;
        for (int hops = 0; ; hops++) {
            HttpRequest.Builder b = request(current).GET().header("Accept-Encoding", "identity");
            if (rangeStart > 0) {
                b.header("Range", "bytes=" + rangeStart + "-");
            }
            if (timeout != null) {
                b.timeout(timeout);
            }
            HttpResponse<InputStream> response = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            URI next = redirectTarget(current, response);
            if (next == null) {
                return response;
            }
            response.body().close();
            if (hops >= MAX_REDIRECTS) {
                throw new HubException(HubException.Kind.BAD_RESPONSE, "more than " + MAX_REDIRECTS + " redirects from " + uri);
            }
            current = next;
        }
    }

    /** A request with the User-Agent, and the token where the target is the endpoint itself. */
    HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).header("User-Agent", USER_AGENT);
        if (env.token().isPresent() && sameOrigin(uri, env.endpoint())) {
            b.header("Authorization", "Bearer " + env.token().get());
        }
        return b;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws IOException {
        try {
            return client.send(request, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + request.method() + " " + request.uri());
        } catch (IllegalArgumentException e) {
            throw new HubException(HubException.Kind.BAD_RESPONSE, "cannot request " + request.uri() + ": " + e.getMessage(), e);
        }
    }

    /** The Location of a 3xx, resolved against the request; null if the answer is no redirect. */
    private static @Nullable URI redirectTarget(URI current, HttpResponse<?> response) throws HubException {
        int status = response.statusCode();
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
            return null;
        }
        String location = response.headers().firstValue("Location").orElseThrow(() ->
                new HubException(HubException.Kind.BAD_RESPONSE, "HTTP " + status + " without a Location from " + current));
        URI target;
        try {
            target = current.resolve(URI.create(location.trim()));
        } catch (IllegalArgumentException e) {
            throw new HubException(HubException.Kind.BAD_RESPONSE, "unusable redirect Location '" + location + "' from " + current, e);
        }
        String scheme = target.getScheme() == null ? "" : target.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || target.getHost() == null) {
            throw new HubException(HubException.Kind.BAD_RESPONSE, "redirect to a non-http(s) location '" + location + "' from " + current);
        }
        return target;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(lower(a.getScheme()), lower(b.getScheme())) && Objects.equals(lower(a.getHost()), lower(b.getHost()))
                && port(a) == port(b);
    }

    private static @Nullable String lower(@Nullable String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /** Percent-encodes all but unreserved characters (and {@code /} where asked), as Python's {@code quote}. */
    static String quote(String s, boolean keepSlash) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
                    || c == '~' || (keepSlash && c == '/')) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    /** The Hub's error code header ({@code RepoNotFound}, {@code GatedRepo}, ...), if any. */
    static String errorCode(HttpHeaders headers) {
        return headers.firstValue("X-Error-Code").orElse("");
    }

    /** Maps a failed status to the exception that says what to do. */
    static HubException statusError(int status, HttpHeaders headers, String repo, String revision, @Nullable String path, URI uri) {
        String what = "hf://" + repo + " at revision '" + revision + "'" + (path == null ? "" : ", file '" + path + "'");
        String code = errorCode(headers);
        String hubMessage = headers.firstValue("X-Error-Message").map(m -> " (" + clip(m) + ")").orElse("");
        if (status == 401 || status == 403) {
            String reason = code.equals("GatedRepo") ? "the repository is gated: accept its terms on the Hub, then"
                    : code.equals("RepoNotFound") ? "the repository does not exist or is private:"
                    : "the repository is gated or private, or the token lacks access:";
            return new HubException(HubException.Kind.UNAUTHORIZED, status, "HTTP " + status + " for " + what + hubMessage + "; "
                    + reason + " set HF_TOKEN (or the token file $HF_HOME/token) to a token that may read it", null);
        }
        if (status == 404) {
            String which = code.equals("RepoNotFound") ? "no repository '" + repo + "'"
                    : code.equals("RevisionNotFound") ? "no revision '" + revision + "' in " + repo
                    : code.equals("EntryNotFound") ? "no file '" + path + "' in " + repo + " at revision '" + revision + "'"
                    : "not found: repository '" + repo + "', revision '" + revision + "'" + (path == null ? "" : ", file '" + path + "'");
            return new HubException(HubException.Kind.NOT_FOUND, status, "HTTP 404 from " + uri.getHost() + ": " + which + hubMessage, null);
        }
        return new HubException(status >= 500 ? HubException.Kind.NETWORK : HubException.Kind.BAD_RESPONSE, status,
                "HTTP " + status + " for " + what + " from " + uri + hubMessage, null);
    }

    private static String clip(String s) {
        String oneLine = s.replaceAll("\\p{Cntrl}", " ");
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }

    private static String version() {
        String v = HubHttp.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
