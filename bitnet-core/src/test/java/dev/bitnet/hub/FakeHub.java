package dev.bitnet.hub;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A Hugging Face Hub on loopback, for tests: {@code HEAD/GET /ORG/NAME/resolve/REV/PATH} with
 * {@code X-Repo-Commit}, {@code ETag}/{@code X-Linked-Etag}, {@code X-Linked-Size}; LFS files 302 to a
 * second server on another port (the "CDN"); {@code Range}; 401 for private repositories without the
 * token; 404 with {@code X-Error-Code}; {@code /api/models/ORG/NAME/revision/REV} listings; and
 * faults on demand (cut connections, corrupted bodies, hostile headers). Records every request.
 */
final class FakeHub implements AutoCloseable {
    static final String TOKEN = "hf_test_token_123";

    /** One request as a server saw it. */
    record Request(String server, String method, String path, String authorization, String range) {
    }

    /** A file in a repository. */
    record FakeFile(byte[] content, boolean lfs, String etag) {
    }

    /** A repository: its commit, branches and files. */
    static final class Repo {
        final String commit;
        final Map<String, String> refs = new ConcurrentHashMap<>();
        final Map<String, FakeFile> files = Collections.synchronizedMap(new LinkedHashMap<>());
        boolean isPrivate;

        Repo(String commit) {
            this.commit = commit;
            refs.put("main", commit);
            refs.put(commit, commit);
        }

        Repo file(String path, byte[] content, boolean lfs) {
            files.put(path, new FakeFile(content, lfs, lfs ? sha256(content) : gitSha1(content)));
            return this;
        }
    }

    final HttpServer hub;
    final HttpServer cdn;
    final Map<String, Repo> repos = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    /** Transfers longer than {@link #cutAfter} to cut after that many bytes, counted down per cut (0 = none). */
    final AtomicInteger cutsLeft = new AtomicInteger();
    volatile long cutAfter = 100_000;
    /** Transfers longer than {@link #cutAfter} to stall (send nothing more) after that many bytes. */
    final AtomicInteger stallsLeft = new AtomicInteger();
    /** Serve bodies with one byte flipped. */
    volatile boolean corrupt;
    /** Ignore Range headers (answer 200 with the whole file). */
    volatile boolean ignoreRange;
    /** Changes the HEAD answer's headers just before they go out. */
    volatile Consumer<com.sun.net.httpserver.Headers> headTamper = h -> { };
    /** Answer every hub request with a relative redirect to itself. */
    volatile boolean redirectLoop;
    /** Extra listing entries (hostile names). */
    final List<String> extraListing = new CopyOnWriteArrayList<>();

    FakeHub() throws IOException {
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        cdn = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        hub.createContext("/", ex -> handle(ex, this::hub));
        cdn.createContext("/", ex -> handle(ex, this::cdn));
        hub.setExecutor(Executors.newCachedThreadPool());
        cdn.setExecutor(Executors.newCachedThreadPool());
        hub.start();
        cdn.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + hub.getAddress().getPort();
    }

    String cdnBase() {
        return "http://127.0.0.1:" + cdn.getAddress().getPort();
    }

    Repo repo(String id, String commit) {
        Repo r = new Repo(commit);
        repos.put(id, r);
        return r;
    }

    List<Request> requests(String server, String method) {
        return requests.stream().filter(r -> r.server.equals(server) && r.method.equals(method)).toList();
    }

    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private void handle(HttpExchange ex, Handler h) throws IOException {
        try (ex) {
            requests.add(new Request(ex.getHttpContext().getServer() == hub ? "hub" : "cdn", ex.getRequestMethod(),
                    ex.getRequestURI().getRawPath(), ex.getRequestHeaders().getFirst("Authorization"),
                    ex.getRequestHeaders().getFirst("Range")));
            h.handle(ex);
        } catch (IOException | RuntimeException e) {
            // a deliberately cut connection ends here
        }
    }

    private void hub(HttpExchange ex) throws IOException {
        if (redirectLoop) {
            ex.getResponseHeaders().set("Location", ex.getRequestURI().getRawPath());
            send(ex, 302, null);
            return;
        }
        String path = ex.getRequestURI().getPath();
        if (path.startsWith("/api/models/")) {
            listing(ex, path.substring("/api/models/".length()));
            return;
        }
        String[] parts = path.substring(1).split("/", 5);
        if (parts.length < 5 || !parts[2].equals("resolve")) {
            send(ex, 404, null);
            return;
        }
        String repoId = parts[0] + "/" + parts[1];
        Repo repo = repos.get(repoId);
        if (repo == null || (repo.isPrivate && !("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization")))) {
            ex.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(ex, 401, null);
            return;
        }
        String commit = repo.refs.get(parts[3]);
        if (commit == null) {
            ex.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
            send(ex, 404, null);
            return;
        }
        FakeFile file = repo.files.get(parts[4]);
        var h = ex.getResponseHeaders();
        h.set("X-Repo-Commit", commit);
        if (file == null) {
            h.set("X-Error-Code", "EntryNotFound");
            send(ex, 404, null);
            return;
        }
        boolean head = ex.getRequestMethod().equals("HEAD");
        if (file.lfs) {
            h.set("X-Linked-Etag", "\"" + file.etag + "\"");
            h.set("X-Linked-Size", Long.toString(file.content.length));
            h.set("ETag", "\"not-the-blob\"");
            h.set("Location", cdnBase() + "/blobs/" + file.etag + "?token-free=1");
            if (head) {
                headTamper.accept(h);
            }
            send(ex, 302, null);
            return;
        }
        h.set("ETag", "W/\"" + file.etag + "\"");
        if (head) {
            h.set("Content-Length", Long.toString(file.content.length));
            headTamper.accept(h);
            ex.sendResponseHeaders(200, -1);
            return;
        }
        content(ex, file.content);
    }

    private void cdn(HttpExchange ex) throws IOException {
        String etag = ex.getRequestURI().getPath().substring("/blobs/".length());
        byte[] found = null;
        for (Repo r : repos.values()) {
            synchronized (r.files) {
                for (FakeFile f : r.files.values()) {
                    if (f.etag.equals(etag)) {
                        found = f.content;
                    }
                }
            }
        }
        // sent outside the lock: a stalled transfer must not block the hub
        if (found == null) {
            send(ex, 404, null);
        } else {
            content(ex, found);
        }
    }

    /** Sends the content, honouring Range, with the configured faults. */
    private void content(HttpExchange ex, byte[] full) throws IOException {
        byte[] data = full.clone();
        if (corrupt) {
            data[data.length / 2] ^= 1;
        }
        int start = 0;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null && !ignoreRange) {
            start = Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
            if (start >= data.length) {
                send(ex, 416, null);
                return;
            }
            ex.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (data.length - 1) + "/" + data.length);
        }
        int length = data.length - start;
        ex.sendResponseHeaders(range != null && !ignoreRange ? 206 : 200, length);
        OutputStream out = ex.getResponseBody();
        if (length > cutAfter && cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            int n = (int) Math.min(cutAfter, length - 1);
            out.write(data, start, n);
            out.flush();
            // closing short of Content-Length makes the server drop the connection
            throw new IOException("cut");
        }
        if (length > cutAfter && stallsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            out.write(data, start, (int) cutAfter);
            out.flush();
            try {
                Thread.sleep(60_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IOException("stalled");
        }
        out.write(data, start, length);
    }

    private void listing(HttpExchange ex, String rest) throws IOException {
        // ORG/NAME/revision/REV
        String[] parts = rest.split("/", 4);
        Repo repo = parts.length == 4 ? repos.get(parts[0] + "/" + parts[1]) : null;
        if (repo == null) {
            ex.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(ex, 404, null);
            return;
        }
        String commit = repo.refs.get(parts[3]);
        if (commit == null) {
            ex.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
            send(ex, 404, null);
            return;
        }
        List<String> names = new ArrayList<>(repo.files.keySet());
        names.addAll(extraListing);
        StringBuilder json = new StringBuilder("{\"id\":\"" + parts[0] + "/" + parts[1] + "\",\"sha\":\"" + commit
                + "\",\"cardData\":{\"tags\":[\"x\"]},\"siblings\":[");
        for (int i = 0; i < names.size(); i++) {
            json.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(names.get(i)).append("\",\"size\":1}");
        }
        json.append("]}");
        ex.getResponseHeaders().set("Content-Type", "application/json");
        send(ex, 200, json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        if (body == null || ex.getRequestMethod().equals("HEAD")) {
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String gitSha1(byte[] b) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-1");
            md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(md.digest(b));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        hub.stop(0);
        cdn.stop(0);
        ((java.util.concurrent.ExecutorService) hub.getExecutor()).shutdownNow();
        ((java.util.concurrent.ExecutorService) cdn.getExecutor()).shutdownNow();
    }
}
