package dev.bitnet.hub;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HubClientTest {
    static final Path FIXTURES = Path.of(System.getProperty("bitnet.fixtures", "../../shared/fixtures"));
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String COMMIT2 = "89abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;
    FakeHub fake;
    byte[] gguf;
    byte[] config;
    byte[] safetensors;
    Path cache;

    @BeforeEach
    void setUp() throws IOException {
        fake = new FakeHub();
        gguf = Files.readAllBytes(FIXTURES.resolve("tiny-a/gguf/tiny-a-i2_s.gguf"));
        config = Files.readAllBytes(FIXTURES.resolve("tiny-a/hf/config.json"));
        safetensors = Files.readAllBytes(FIXTURES.resolve("tiny-a/hf/model.safetensors"));
        fake.repo("org/tiny-gguf", COMMIT)
                .file("tiny-a-i2_s.gguf", gguf, true)
                .file("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8), false)
                .file("sub/dir/notes.txt", "nested\n".getBytes(StandardCharsets.UTF_8), false);
        fake.repo("org/tiny-hf", COMMIT2)
                .file("config.json", config, false)
                .file("model.safetensors", safetensors, true)
                .file("prompt.json", "{}".getBytes(StandardCharsets.UTF_8), false)
                .file("README.md", "# tiny\n".getBytes(StandardCharsets.UTF_8), false)
                .file("original/model.safetensors", new byte[] {1, 2, 3}, true);
        cache = tmp.resolve("hub");
    }

    @AfterEach
    void tearDown() {
        fake.close();
    }

    HubEnvironment env() {
        return HubEnvironment.of(Map.of("HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT", fake.endpoint() + "/",
                "HF_TOKEN", FakeHub.TOKEN), tmp.resolve("home"));
    }

    Path download(HubEnvironment env, String ref) throws IOException {
        try (HubClient hub = HubClient.create(env, 3, Duration.ZERO)) {
            return hub.download(HubReference.parse(ref), DownloadListener.NONE);
        }
    }

    @Test
    void lfsFileLandsInTheSharedLayout() throws IOException {
        List<long[]> progress = new ArrayList<>();
        Path local;
        try (HubClient hub = HubClient.create(env(), 3, Duration.ZERO)) {
            local = hub.download(HubReference.parse("hf://org/tiny-gguf/tiny-a-i2_s.gguf"), new DownloadListener() {
                @Override
                public void progressed(String file, long done, long total) {
                    progress.add(new long[] {done, total});
                }
            });
        }
        String sha = FakeHub.sha256(gguf);
        Path repo = cache.resolve("models--org--tiny-gguf");
        assertThat(sha).isEqualTo("a54380761dce6d9677eec547f948b2782069ce47840c386aba862d04af661a6a");
        assertThat(local).isEqualTo(repo.resolve("snapshots/" + COMMIT + "/tiny-a-i2_s.gguf"));
        assertThat(Files.isSymbolicLink(local)).isTrue();
        assertThat(Files.readSymbolicLink(local)).isEqualTo(Path.of("../../blobs/" + sha));
        assertThat(Files.readAllBytes(repo.resolve("blobs/" + sha))).isEqualTo(gguf);
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(COMMIT);
        assertThat(cache.resolve(".locks/models--org--tiny-gguf/" + sha + ".lock")).exists();
        try (Stream<Path> all = Files.walk(repo)) {
            assertThat(all.filter(p -> !Files.isDirectory(p)).map(p -> repo.relativize(p).toString()).sorted())
                    .containsExactly("blobs/" + sha, "refs/main", "snapshots/" + COMMIT + "/tiny-a-i2_s.gguf");
        }
        assertThat(progress).isNotEmpty();
        assertThat(progress.getLast()).containsExactly(gguf.length, gguf.length);
        // the token went to the hub, never to the CDN the 302 pointed at
        assertThat(fake.requests("hub", "HEAD")).allMatch(r -> ("Bearer " + FakeHub.TOKEN).equals(r.authorization()));
        assertThat(fake.requests("hub", "GET")).allMatch(r -> ("Bearer " + FakeHub.TOKEN).equals(r.authorization()));
        assertThat(fake.requests("cdn", "GET")).hasSize(1).allMatch(r -> r.authorization() == null);
    }

    @Test
    void secondDownloadIsACacheHit() throws IOException {
        Path first = download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        int gets = fake.requests("cdn", "GET").size();
        Path second = download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        assertThat(second).isEqualTo(first);
        assertThat(fake.requests("cdn", "GET")).hasSize(gets);
        // a pinned commit gives the same file and writes no ref for it
        Path pinned = download(env(), "hf://org/tiny-gguf@" + COMMIT + "/tiny-a-i2_s.gguf");
        assertThat(pinned).isEqualTo(first);
        assertThat(cache.resolve("models--org--tiny-gguf/refs")).isDirectoryContaining(p -> p.endsWith("main"))
                .isDirectoryNotContaining(p -> p.getFileName().toString().equals(COMMIT));
    }

    @Test
    void regularFileInASubfolderLinksWithTheRightDepth() throws IOException {
        Path local = download(env(), "hf://org/tiny-gguf/sub/dir/notes.txt");
        String sha1 = FakeHub.gitSha1("nested\n".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readSymbolicLink(local)).isEqualTo(Path.of("../../../../blobs/" + sha1));
        assertThat(Files.readString(local)).isEqualTo("nested\n");
        // a regular file is served by the hub itself (no CDN), with a weak ETag
        assertThat(fake.requests("cdn", "GET")).isEmpty();
    }

    @Test
    void gitBlobSha1MatchesGit() {
        // `git hash-object tiny-a/hf/config.json`
        assertThat(FakeHub.gitSha1(config)).isEqualTo("a925252e83d271d2636bc0a9694240dced34d031");
    }

    @Test
    void checkpointDirectoryTakesConfigTokenizerAndSafetensorsOnly() throws IOException {
        Path dir = download(env(), "hf://org/tiny-hf");
        Path repo = cache.resolve("models--org--tiny-hf");
        assertThat(dir).isEqualTo(repo.resolve("snapshots/" + COMMIT2));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("config.json", "model.safetensors");
        }
        assertThat(Files.readSymbolicLink(dir.resolve("config.json"))).isEqualTo(Path.of("../../blobs/" + FakeHub.gitSha1(config)));
        assertThat(Files.readAllBytes(dir.resolve("model.safetensors"))).isEqualTo(safetensors);
        assertThat(Files.readString(repo.resolve("refs/main"))).isEqualTo(COMMIT2);
        assertThat(fake.requests("hub", "GET")).anyMatch(r -> r.path().equals("/api/models/org/tiny-hf/revision/main"));
    }

    @Test
    void oneGgufRepositoryStandsForItsFile() throws IOException {
        fake.repos.get("org/tiny-gguf").files.remove("sub/dir/notes.txt");
        Path model = ModelLocator.resolve("hf://org/tiny-gguf", env(), DownloadListener.NONE);
        assertThat(model.getFileName().toString()).isEqualTo("tiny-a-i2_s.gguf");
        assertThat(Files.readAllBytes(model)).isEqualTo(gguf);
    }

    @Test
    void severalGgufsMustBeNamed() {
        fake.repos.get("org/tiny-gguf").file("other.gguf", new byte[] {1}, true);
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-gguf")).isInstanceOf(HubException.class)
                .hasMessageContaining("2 GGUF files").hasMessageContaining("hf://org/tiny-gguf/other.gguf");
    }

    @Test
    void copiesWhereSymlinksAreOff() throws IOException {
        Path local = download(env().withSymlinks(false), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        assertThat(Files.isSymbolicLink(local)).isFalse();
        assertThat(Files.readAllBytes(local)).isEqualTo(gguf);
        assertThat(cache.resolve("models--org--tiny-gguf/blobs/" + FakeHub.sha256(gguf))).exists();
    }

    @Test
    void connectionCutMidFileResumesWithRange() throws IOException {
        fake.cutsLeft.set(2);
        Path local = download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        assertThat(Files.readAllBytes(local)).isEqualTo(gguf);
        List<FakeHub.Request> cdn = fake.requests("cdn", "GET");
        assertThat(cdn).hasSize(3);
        assertThat(cdn.get(0).range()).isNull();
        // each retry resumes where the bytes on disk end (at most the 100000 sent before each cut arrive)
        long first = rangeStart(cdn.get(1));
        long second = rangeStart(cdn.get(2));
        assertThat(first).isBetween(1L, 100_000L);
        assertThat(second).isBetween(first + 1, first + 100_000L);
        assertThat(cache.resolve("models--org--tiny-gguf/blobs/" + FakeHub.sha256(gguf) + ".incomplete")).doesNotExist();
    }

    @Test
    void interruptedDownloadIsKeptAndResumedByTheNextRun() throws IOException {
        fake.cutsLeft.set(1);
        Path partial = cache.resolve("models--org--tiny-gguf/blobs/" + FakeHub.sha256(gguf) + ".incomplete");
        try (HubClient hub = HubClient.create(env(), 1, Duration.ZERO)) {
            assertThatThrownBy(() -> hub.download(HubReference.parse("hf://org/tiny-gguf/tiny-a-i2_s.gguf"), DownloadListener.NONE))
                    .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NETWORK))
                    .hasMessageContaining(" of " + String.format("%,d", gguf.length) + " bytes are kept in " + partial);
        }
        long kept = Files.size(partial);
        assertThat(kept).isBetween(1L, 100_000L);
        assertThat(cache.resolve("models--org--tiny-gguf/snapshots")).doesNotExist();
        Path local = download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        assertThat(Files.readAllBytes(local)).isEqualTo(gguf);
        assertThat(fake.requests("cdn", "GET").getLast().range()).isEqualTo("bytes=" + kept + "-");
    }

    static long rangeStart(FakeHub.Request r) {
        assertThat(r.range()).matches("bytes=\\d+-");
        return Long.parseLong(r.range().substring("bytes=".length(), r.range().length() - 1));
    }

    @Test
    void stalledTransferIsCutAndResumed() throws IOException {
        fake.stallsLeft.set(1);
        Path local = download(env().withTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300)), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        assertThat(Files.readAllBytes(local)).isEqualTo(gguf);
        assertThat(rangeStart(fake.requests("cdn", "GET").getLast())).isBetween(1L, 100_000L);
    }

    @Test
    void serverIgnoringRangeRestartsFromZero() throws IOException {
        fake.cutsLeft.set(1);
        fake.ignoreRange = true;
        Path local = download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        assertThat(Files.readAllBytes(local)).isEqualTo(gguf);
    }

    @Test
    void persistentNetworkLossSaysWhatIsCached() {
        fake.cutsLeft.set(1000);
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-hf"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NETWORK))
                .hasMessageContaining("after 3 attempts")
                .hasMessageContaining("Complete in the cache: config.json of config.json, model.safetensors");
    }

    @Test
    void wrongHashIsDeletedAndNeverLinked() {
        fake.corrupt = true;
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.INTEGRITY))
                .hasMessageContaining(FakeHub.sha256(gguf));
        Path repo = cache.resolve("models--org--tiny-gguf");
        assertThat(repo.resolve("blobs")).isEmptyDirectory();
        assertThat(repo.resolve("snapshots")).doesNotExist();
    }

    @Test
    void wrongGitHashOfARegularFileIsCaughtToo() {
        fake.corrupt = true;
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-hf/config.json"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.INTEGRITY));
    }

    @Test
    void privateRepositoryNeedsTheToken() throws IOException {
        fake.repos.get("org/tiny-gguf").isPrivate = true;
        assertThatThrownBy(() -> download(env().withToken(null), "hf://org/tiny-gguf/tiny-a-i2_s.gguf"))
                .isInstanceOfSatisfying(HubException.class, e -> {
                    assertThat(e.kind()).isEqualTo(HubException.Kind.UNAUTHORIZED);
                    assertThat(e.status()).isEqualTo(401);
                })
                .hasMessageContaining("HF_TOKEN").hasMessageContaining("hf://org/tiny-gguf");
        assertThat(Files.readAllBytes(download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf"))).isEqualTo(gguf);
    }

    @Test
    void tokenComesFromTheTokenFile() throws IOException {
        fake.repos.get("org/tiny-gguf").isPrivate = true;
        Path hfHome = tmp.resolve("hf-home");
        Files.createDirectories(hfHome);
        Files.writeString(hfHome.resolve("token"), FakeHub.TOKEN + "\n");
        HubEnvironment env = HubEnvironment.of(Map.of("HF_HOME", hfHome.toString(), "HF_ENDPOINT", fake.endpoint()), tmp);
        Path local = download(env, "hf://org/tiny-gguf/README.md");
        assertThat(local).startsWith(hfHome.resolve("hub"));
    }

    @Test
    void notFoundNamesRepositoryRevisionAndPath() {
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-gguf/missing.gguf"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_FOUND))
                .hasMessageContaining("missing.gguf").hasMessageContaining("org/tiny-gguf").hasMessageContaining("'main'");
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-gguf@v9/x.gguf"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_FOUND))
                .hasMessageContaining("no revision 'v9' in org/tiny-gguf");
        assertThatThrownBy(() -> download(env(), "hf://org/nope"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_FOUND))
                .hasMessageContaining("org/nope");
    }

    @Test
    void offlineModeUsesTheCacheOnly() throws IOException {
        Path file = download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        Path dir = download(env(), "hf://org/tiny-hf");
        int seen = fake.requests.size();
        HubEnvironment offline = HubEnvironment.of(Map.of("HF_HUB_CACHE", cache.toString(), "HF_ENDPOINT", fake.endpoint(),
                "HF_HUB_OFFLINE", "1"), tmp);
        assertThat(offline.offline()).isTrue();
        assertThat(download(offline, "hf://org/tiny-gguf/tiny-a-i2_s.gguf")).isEqualTo(file);
        assertThat(download(offline, "hf://org/tiny-hf")).isEqualTo(dir);
        assertThat(fake.requests).hasSize(seen);
        assertThatThrownBy(() -> download(offline, "hf://org/tiny-gguf/README.md"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NOT_CACHED))
                .hasMessageContaining("HF_HUB_OFFLINE").hasMessageContaining("README.md");
    }

    @Test
    void unreachableEndpointFallsBackToTheCache() throws IOException {
        Path file = download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
        Path dir = download(env(), "hf://org/tiny-hf");
        fake.close();
        assertThat(download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf")).isEqualTo(file);
        assertThat(download(env(), "hf://org/tiny-hf")).isEqualTo(dir);
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-gguf/README.md"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.NETWORK))
                .hasMessageContaining("cannot reach").hasMessageContaining("not in the cache");
    }

    @Test
    void concurrentThreadsEndWithOneIntactBlob() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Path>> results = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Callable<Path> task = () -> download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf");
                results.add(pool.submit(task));
            }
            Path first = results.getFirst().get();
            for (Future<Path> f : results) {
                assertThat(f.get()).isEqualTo(first);
            }
            assertThat(Files.readAllBytes(first)).isEqualTo(gguf);
            try (Stream<Path> blobs = Files.list(cache.resolve("models--org--tiny-gguf/blobs"))) {
                assertThat(blobs.map(p -> p.getFileName().toString())).containsExactly(FakeHub.sha256(gguf));
            }
            // the lock let one thread transfer the file; the others found the blob
            assertThat(fake.requests("cdn", "GET")).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void hostileHeadersAreRejected() {
        String ref = "hf://org/tiny-gguf/tiny-a-i2_s.gguf";
        fake.headTamper = h -> h.set("X-Linked-Size", "-5");
        assertThatThrownBy(() -> download(env(), ref)).hasMessageContaining("implausible size -5");
        fake.headTamper = h -> h.set("X-Linked-Size", "99999999999999999");
        assertThatThrownBy(() -> download(env(), ref)).hasMessageContaining("implausible size");
        fake.headTamper = h -> h.set("X-Linked-Size", "4000000000000");
        assertThatThrownBy(() -> download(env(), ref)).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.kind()).isIn(HubException.Kind.NO_SPACE, HubException.Kind.BAD_RESPONSE));
        fake.headTamper = h -> h.remove("X-Repo-Commit");
        assertThatThrownBy(() -> download(env(), ref)).hasMessageContaining("no X-Repo-Commit");
        fake.headTamper = h -> h.set("X-Repo-Commit", "../../../etc");
        assertThatThrownBy(() -> download(env(), ref)).hasMessageContaining("not a commit hash");
        fake.headTamper = h -> h.set("X-Linked-Etag", "\"../../x\"");
        assertThatThrownBy(() -> download(env(), ref)).hasMessageContaining("cannot name a blob");
        fake.headTamper = h -> {
            h.remove("X-Linked-Etag");
            h.remove("ETag");
        };
        assertThatThrownBy(() -> download(env(), ref)).hasMessageContaining("no ETag");
        fake.headTamper = h -> h.set("X-Linked-Size", "10");
        assertThatThrownBy(() -> download(env(), ref)).isInstanceOfSatisfying(HubException.class,
                e -> assertThat(e.kind()).isEqualTo(HubException.Kind.BAD_RESPONSE));
        assertThat(cache.resolve("models--org--tiny-gguf/snapshots")).doesNotExist();
    }

    @Test
    void redirectLoopIsBounded() {
        fake.redirectLoop = true;
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-gguf/tiny-a-i2_s.gguf"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.BAD_RESPONSE))
                .hasMessageContaining("redirects");
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-hf")).hasMessageContaining("redirects");
    }

    @Test
    void traversalInAListingIsRejected() {
        fake.extraListing.add("../../evil.safetensors");
        assertThatThrownBy(() -> download(env(), "hf://org/tiny-hf"))
                .isInstanceOfSatisfying(HubException.class, e -> assertThat(e.kind()).isEqualTo(HubException.Kind.BAD_RESPONSE))
                .hasMessageContaining("'..'");
        assertThat(tmp.resolve("evil.safetensors")).doesNotExist();
    }
}
