package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.Chat;
import dev.bitnet.FinishReason;
import dev.bitnet.Generation;
import dev.bitnet.GenerationListener;
import dev.bitnet.GenerationOptions;
import dev.bitnet.LoadOptions;
import dev.bitnet.Session;
import dev.bitnet.TokenStream;
import dev.bitnet.kernels.WorkerPool;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * {@code soak [--model FILE] [--sessions 16] [--duration 10m|SECONDS] [--seed S] [--json]}: many
 * sessions on one model at once, checked against single-threaded runs, then checks that closing the
 * model gives back its threads, open files and mappings.
 *
 * <p>Phases: a warm-up round (so that class loading, JIT and the C library's per-thread arenas are in
 * place before the baseline), the baseline (threads, open files, memory mappings, RSS), the reference
 * outputs computed one at a time, the soak itself ({@code --sessions} threads cycling through
 * generate, stream-then-cancel, two-turn chats and truncate/reset replays, each output compared with
 * its reference), close rounds (a model closed while every thread generates on it: each generation
 * must finish or end with the documented closed-model exception), and the leak check after close.
 */
final class SoakCommand implements Command {
    private static final String[] PROMPTS = {"The old man said", "In the morning the", "She looked at the house and",
            "It was a long time before", "The committee decided that", "He turned to the window", "Once upon a time",
            "The results of the study"};
    private static final int MAX_TOKENS = 24;
    private static final int CLOSE_ROUNDS = 5;
    /** Memory mappings the process may gain without a leak (see the leak check). */
    private static final int MAPPING_SLACK = 16;

    @Override
    public String name() {
        return "soak";
    }

    @Override
    public String summary() {
        return "run many concurrent sessions on one model, compare with single-threaded runs, check for leaks";
    }

    @Override
    public String usage() {
        return "[--model FILE|hf://ORG/REPO[/PATH]] [--sessions 16] [--duration 10m|SECONDS] [--seed S] [--watchdog SECONDS] [--json]"
                + " [--threads N] [--kernel K]";
    }

    @Override
    public String[] switches() {
        return new String[] {"json"};
    }

    /** One workload: what to run and the seed; its reference result is computed single-threaded. */
    private record Work(String kind, int prompt, long seed) {
    }

    /** Operating-system resources of this process. */
    private record Resources(int threads, int openFiles, int mappings, int modelFiles, int modelMappings, long rssKiB,
                             long heapKiB) {
        static Resources now(Path model) {
            String name = model.toAbsolutePath().toString();
            int fds = 0;
            int modelFds = 0;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                for (Path p : s.toList()) {
                    fds++;
                    try {
                        if (Files.readSymbolicLink(p).toString().equals(name)) {
                            modelFds++;
                        }
                    } catch (IOException e) {
                        // the descriptor closed meanwhile (the listing's own among them)
                    }
                }
            } catch (IOException e) {
                fds = -1;
            }
            int maps = -1;
            int modelMaps = 0;
            long rss = -1;
            try {
                List<String> lines = Files.readAllLines(Path.of("/proc/self/maps"));
                maps = lines.size();
                modelMaps = (int) lines.stream().filter(l -> l.endsWith(name)).count();
                for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                    if (l.startsWith("VmRSS:")) {
                        rss = Long.parseLong(l.replaceAll("[^0-9]", ""));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: leave -1
            }
            return new Resources(ManagementFactory.getThreadMXBean().getThreadCount(), fds, maps, modelFds, modelMaps, rss,
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / 1024);
        }
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) throws Exception {
        ModelArgument modelFlag = ModelArgument.optional(args);
        int sessions = args.integer("sessions", 16);
        long seconds = args.string("duration").map(SoakCommand::seconds).orElse(60L);
        long seed = args.longValue("seed").orElse(1L);
        int watchdog = args.integer("watchdog", 30);
        boolean json = args.flag("json");
        LoadOptions load = CliOptions.loadOptions(args);
        args.finish();
        if (sessions < 1 || seconds < 1 || watchdog < 0) {
            throw new UsageException("--sessions and --duration must be positive, --watchdog not negative");
        }
        Path modelPath = DemoModel.modelOrDemo(modelFlag, err, json);
        System.setProperty(WorkerPool.WATCHDOG_PROPERTY, String.valueOf(watchdog * 1000L));
        int reportsBefore = WorkerPool.totalWatchdogReports();

        // warm-up: the same concurrency for a moment, so that lazily created JVM and C-library state exists
        Map<Work, Object> reference;
        try (BitNetModel model = BitNetModel.load(modelPath, load)) {
            List<Work> work = workloads(model, seed);
            reference = references(model, work);
            Stats warm = new Stats();
            soak(model, work, reference, sessions, System.nanoTime() + 2_000_000_000L, warm);
        }
        Resources baseline = settle(modelPath, null);

        Stats stats = new Stats();
        long start = System.nanoTime();
        try (BitNetModel model = BitNetModel.load(modelPath, load)) {
            soak(model, workloads(model, seed), reference, sessions, start + seconds * 1_000_000_000L, stats);
        }
        double ran = (System.nanoTime() - start) / 1e9;
        int closeErrors = closeRounds(modelPath, load, sessions, stats);
        Resources after = settle(modelPath, baseline);

        int watchdogReports = WorkerPool.totalWatchdogReports() - reportsBefore;
        // mappings move a little on their own (the JIT's code heap, the C library's per-thread arenas); a leak
        // per model or session would show as hundreds over a soak, and the model file's own mappings must be 0
        boolean leaks = after.threads() > baseline.threads() || after.openFiles() > baseline.openFiles()
                || after.mappings() > baseline.mappings() + MAPPING_SLACK || after.modelFiles() > 0 || after.modelMappings() > 0;
        boolean ok = stats.mismatches.get() == 0 && stats.errors.get() == 0 && closeErrors == 0 && !leaks && watchdogReports == 0;
        if (json) {
            out.println(json(sessions, ran, stats, closeErrors, watchdogReports, baseline, after, ok));
        } else {
            out.printf(Locale.ROOT, "soak: %d sessions for %.0f s on %s: %d operations %s%n", sessions, ran,
                    modelPath.getFileName(), stats.operations.get(), stats.byKind);
            out.printf(Locale.ROOT, "  outputs equal to single-threaded runs: %s (%d mismatches %s, %d errors)%n",
                    stats.mismatches.get() == 0 && stats.errors.get() == 0 ? "yes" : "NO", stats.mismatches.get(),
                    stats.mismatchesByKind, stats.errors.get());
            out.printf(Locale.ROOT, "  close while generating: %d rounds x %d threads, %d unexpected outcome(s)%n",
                    CLOSE_ROUNDS, sessions, closeErrors);
            out.printf(Locale.ROOT, "  worker pool watchdog reports: %d%n", watchdogReports);
            out.printf(Locale.ROOT, "  after close vs baseline: threads %d/%d, open files %d/%d, mappings %d/%d, "
                            + "model file mappings %d, model file descriptors %d, heap used after GC %d/%d MiB, RSS %d/%d MiB "
                            + "(RSS keeps the heap the JVM grew)%n",
                    after.threads(), baseline.threads(), after.openFiles(), baseline.openFiles(), after.mappings(),
                    baseline.mappings(), after.modelMappings(), after.modelFiles(), after.heapKiB() / 1024, baseline.heapKiB() / 1024,
                    after.rssKiB() / 1024, baseline.rssKiB() / 1024);
            out.println(ok ? "soak: OK" : "soak: FAILED");
            if (stats.firstError.get() != null) {
                err.println("first error: " + stats.firstError.get());
            }
        }
        return ok ? 0 : 1;
    }

    static long seconds(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        try {
            long n;
            if (s.endsWith("h")) {
                n = Long.parseLong(s.substring(0, s.length() - 1)) * 3600;
            } else if (s.endsWith("m")) {
                n = Long.parseLong(s.substring(0, s.length() - 1)) * 60;
            } else if (s.endsWith("s")) {
                n = Long.parseLong(s.substring(0, s.length() - 1));
            } else {
                n = Long.parseLong(s);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--duration takes SECONDS or a number with s, m or h, got '" + v + "'");
        }
    }

    private static final class Stats {
        final AtomicLong operations = new AtomicLong();
        final AtomicLong mismatches = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final Map<String, AtomicLong> byKind = new ConcurrentHashMap<>();
        final Map<String, AtomicLong> mismatchesByKind = new ConcurrentHashMap<>();
        final AtomicReference<String> firstError = new AtomicReference<>();

        void fail(String what) {
            firstError.compareAndSet(null, what);
        }
    }

    private static List<Work> workloads(BitNetModel model, long seed) {
        List<Work> list = new ArrayList<>();
        List<String> kinds = model.hasTokenizer() ? List.of("generate", "stream-cancel", "chat", "truncate-reset")
                : List.of("generate", "stream-cancel", "truncate-reset");
        for (int p = 0; p < PROMPTS.length; p++) {
            for (String kind : kinds) {
                list.add(new Work(kind, p, seed + p));
            }
        }
        return list;
    }

    private static int[] prompt(BitNetModel model, int p) {
        if (model.hasTokenizer()) {
            return model.encode(PROMPTS[p]);
        }
        int vocab = model.config().vocabSize();
        return new int[] {(p + 1) % vocab, (7 * p + 3) % vocab, (13 * p + 5) % vocab};
    }

    private static GenerationOptions options(long seed) {
        return GenerationOptions.builder().maxTokens(MAX_TOKENS).temperature(0.8).topK(40).seed(seed).build();
    }

    /** Single-threaded results, one per workload. */
    private static Map<Work, Object> references(BitNetModel model, List<Work> work) {
        Map<Work, Object> ref = new LinkedHashMap<>();
        for (Work w : work) {
            ref.put(w, execute(model, w, null));
        }
        return ref;
    }

    /**
     * Runs one workload and returns what identifies its output: token ids (generate, truncate/reset),
     * the chat's two texts. A stream is cancelled at a random point, so it is checked against the
     * reference here (its ids must be a prefix of the uncancelled run's) and returns null.
     */
    private static Object execute(BitNetModel model, Work w, Map<Work, Object> reference) {
        int[] prompt = prompt(model, w.prompt());
        return switch (w.kind()) {
            case "generate" -> Arrays.toString(model.generate(prompt, options(w.seed()), GenerationListener.NONE).tokenIds());
            case "stream-cancel" -> {
                String full = reference == null ? null : (String) reference.get(new Work("generate", w.prompt(), w.seed()));
                try (TokenStream s = model.stream(prompt, options(w.seed()))) {
                    int pieces = ThreadLocalRandom.current().nextInt(0, 8);
                    for (int i = 0; i < pieces && s.hasNext(); i++) {
                        s.next();
                    }
                    s.cancel();
                    s.cancel();
                    Generation g = s.result();
                    String ids = Arrays.toString(g.tokenIds());
                    String prefix = ids.substring(0, ids.length() - 1);
                    if (full != null && !(full.startsWith(prefix) || g.tokenIds().length == 0)) {
                        throw new IllegalStateException("cancelled stream " + ids + " is not a prefix of " + full);
                    }
                    if (g.finishReason() != FinishReason.CANCELLED && full != null && !ids.equals(full)) {
                        throw new IllegalStateException("finished stream " + ids + " differs from " + full);
                    }
                }
                yield null;
            }
            case "chat" -> {
                try (Chat chat = model.newChat("You are a helpful assistant.")) {
                    String a = chat.send(PROMPTS[w.prompt()], options(w.seed())).text();
                    String b = chat.send("And then?", options(w.seed() + 1)).text();
                    yield List.of(a, b);
                }
            }
            case "truncate-reset" -> {
                try (Session s = model.newSession()) {
                    List<Integer> first = greedy(s, prompt, 8);
                    s.truncate(prompt.length - 1);
                    List<Integer> again = greedy(s, new int[] {prompt[prompt.length - 1]}, 8);
                    s.reset();
                    List<Integer> fresh = greedy(s, prompt, 8);
                    if (!first.equals(again) || !first.equals(fresh)) {
                        throw new IllegalStateException("truncate/reset replay differs: " + first + " / " + again + " / " + fresh);
                    }
                    yield first.toString();
                }
            }
            default -> throw new IllegalStateException(w.kind());
        };
    }

    /** Appends the tokens, then extends greedily by {@code n} tokens; returns the generated ids. */
    private static List<Integer> greedy(Session s, int[] tokens, int n) {
        float[] logits = s.append(tokens);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < n && s.position() < s.contextLength(); i++) {
            int best = 0;
            for (int v = 1; v < logits.length; v++) {
                if (logits[v] > logits[best]) {
                    best = v;
                }
            }
            ids.add(best);
            logits = s.append(best);
        }
        return ids;
    }

    private static void soak(BitNetModel model, List<Work> work, Map<Work, Object> reference, int sessions, long deadline,
                             Stats stats) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < sessions; t++) {
            int id = t;
            Thread thread = new Thread(() -> {
                int i = id;
                while (System.nanoTime() < deadline) {
                    Work w = work.get(i++ % work.size());
                    try {
                        Object got = execute(model, w, reference);
                        if (got != null && !got.equals(reference.get(w))) {
                            stats.mismatches.incrementAndGet();
                            stats.mismatchesByKind.computeIfAbsent(w.kind(), k -> new AtomicLong()).incrementAndGet();
                            stats.fail(w + ": got " + got + ", single-threaded " + reference.get(w));
                        }
                    } catch (RuntimeException | Error e) {
                        stats.errors.incrementAndGet();
                        stats.fail(w + ": " + e);
                    }
                    stats.operations.incrementAndGet();
                    stats.byKind.computeIfAbsent(w.kind(), k -> new AtomicLong()).incrementAndGet();
                }
            }, "soak-" + t);
            thread.start();
            threads.add(thread);
        }
        long grace = Math.max(0, deadline - System.nanoTime()) / 1_000_000 + 120_000;
        for (Thread t : threads) {
            t.join(grace);
            if (t.isAlive()) {
                stats.errors.incrementAndGet();
                StringBuilder sb = new StringBuilder(t.getName() + " still running 2 minutes after the deadline:");
                for (StackTraceElement e : t.getStackTrace()) {
                    sb.append("\n    at ").append(e);
                }
                stats.fail(sb.toString());
            }
        }
    }

    /**
     * Loads the model, starts a generation on every thread and closes the model under them after a
     * random moment. Each thread must end normally or with the documented closed-model exception.
     */
    private static int closeRounds(Path modelPath, LoadOptions load, int sessions, Stats stats) throws InterruptedException {
        AtomicLong unexpected = new AtomicLong();
        for (int round = 0; round < CLOSE_ROUNDS; round++) {
            BitNetModel model = BitNetModel.load(modelPath, load);
            int[] prompt = prompt(model, round % PROMPTS.length);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < sessions; t++) {
                long seed = t;
                Thread thread = new Thread(() -> {
                    try {
                        while (true) {
                            model.generate(prompt, options(seed), GenerationListener.NONE);
                        }
                    } catch (IllegalStateException e) {
                        if (!String.valueOf(e.getMessage()).contains("is closed")) {
                            unexpected.incrementAndGet();
                            stats.fail("close round: " + e);
                        }
                    } catch (RuntimeException | Error e) {
                        unexpected.incrementAndGet();
                        stats.fail("close round: " + e);
                    }
                }, "soak-close-" + t);
                thread.start();
                threads.add(thread);
            }
            Thread.sleep(ThreadLocalRandom.current().nextInt(20, 300));
            model.close();
            for (Thread t : threads) {
                t.join(60_000);
                if (t.isAlive()) {
                    unexpected.incrementAndGet();
                    stats.fail(t.getName() + " did not end after the model was closed");
                }
            }
        }
        return (int) unexpected.get();
    }

    /** Lets exiting threads go and the collector free what closed; with a baseline, waits up to 10 s for it. */
    private static Resources settle(Path model, Resources baseline) throws InterruptedException {
        Resources r = null;
        for (int i = 0; i < 20; i++) {
            System.gc();
            Thread.sleep(500);
            r = Resources.now(model);
            if (baseline == null ? i >= 1 : r.threads() <= baseline.threads() && r.openFiles() <= baseline.openFiles()
                    && r.mappings() <= baseline.mappings() + MAPPING_SLACK && r.modelMappings() == 0) {
                break;
            }
        }
        return r;
    }

    private static String json(int sessions, double seconds, Stats s, int closeErrors, int watchdog, Resources before,
                               Resources after, boolean ok) {
        StringBuilder kinds = new StringBuilder();
        s.byKind.forEach((k, v) -> kinds.append(kinds.isEmpty() ? "" : ",").append('"').append(k).append("\":").append(v.get()));
        return String.format(Locale.ROOT, "{\"sessions\":%d,\"seconds\":%.1f,\"operations\":%d,\"byKind\":{%s},"
                        + "\"mismatches\":%d,\"errors\":%d,\"closeRounds\":%d,\"closeUnexpected\":%d,\"watchdogReports\":%d,"
                        + "\"threads\":[%d,%d],\"openFiles\":[%d,%d],\"mappings\":[%d,%d],\"modelMappingsAfter\":%d,"
                        + "\"modelFilesAfter\":%d,\"heapKiB\":[%d,%d],\"rssKiB\":[%d,%d],\"ok\":%b}",
                sessions, seconds, s.operations.get(), kinds, s.mismatches.get(), s.errors.get(), CLOSE_ROUNDS, closeErrors,
                watchdog, before.threads(), after.threads(), before.openFiles(), after.openFiles(), before.mappings(),
                after.mappings(), after.modelMappings(), after.modelFiles(), before.heapKiB(), after.heapKiB(),
                before.rssKiB(), after.rssKiB(), ok);
    }
}
