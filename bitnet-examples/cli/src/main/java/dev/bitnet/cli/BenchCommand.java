package dev.bitnet.cli;

import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import dev.bitnet.model.HeadUse;
import dev.bitnet.Session;
import dev.bitnet.kernels.ReadBandwidth;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * {@code bench --model FILE -p 128 -n 128 -t 1,2 -r 3 [--kernel K] [--json]}: llama-bench-style
 * throughput. For each thread count the model is loaded once; {@code ppN} evaluates N random tokens
 * as one prompt in a fresh session, {@code tgN} generates N tokens one at a time from an empty
 * session. One untimed warm-up run of each test precedes the timed repetitions (the JIT compiles
 * the hot paths during it).
 *
 * <p>With {@code --bandwidth}, after all tests, each thread count also measures how fast that many
 * threads read the model file's (cached) pages: that bandwidth divided by the bytes one token reads is
 * the bound on decode, and the tgN result is reported as a fraction of it. On a shared machine the
 * bandwidth moves from minute to minute, so a ratio measured in the same run says more than tok/s.
 *
 * <p>With {@code --parallel 1,2,4,8}, tgN is measured for each count of concurrent sequences decoded
 * together by a {@link dev.bitnet.BatchScheduler}, and its tok/s is the aggregate over them; every
 * JSON line carries {@code "parallel"} (1 for the single-sequence tests).
 */
final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "measure prompt (ppN) and generation (tgN) tokens/s, llama-bench style";
    }

    @Override
    public String usage() {
        return "--model FILE|hf://ORG/REPO[/PATH] [-p 128] [-n 128] [-t 1,2] [-r 3] [--parallel 1,2,4,8] [--kernel scalar|vector|native] [--head exact|int8|bounded] [--int8-head] [--bandwidth] [--json]";
    }

    @Override
    public String[] switches() {
        return new String[] {"json", "bandwidth"};
    }

    /** One test's result, in tokens per second. */
    record Result(String test, int threads, String kernel, double mean, double sd, int reps, double loadMs, long peakRssBytes,
                  int parallel, String head) {
        String json() {
            return String.format(Locale.ROOT,
                    "{\"test\": \"%s\", \"threads\": %d, \"kernel\": \"%s\", \"tok_s_mean\": %.3f, \"tok_s_sd\": %.3f, "
                            + "\"reps\": %d, \"load_ms\": %.1f, \"peak_rss_bytes\": %d, \"parallel\": %d, \"head\": \"%s\"}",
                    test, threads, kernel, mean, sd, reps, loadMs, peakRssBytes, parallel, head);
        }

        Result withParallel(int n) {
            return new Result(test, threads, kernel, mean, sd, reps, loadMs, peakRssBytes, n, head);
        }

        Result withRss(double loadMs, long peakRssBytes, String head) {
            return new Result(test, threads, kernel, mean, sd, reps, loadMs, peakRssBytes, parallel, head);
        }
    }

    @Override
    public int run(Args args, InputStream in, PrintStream out, PrintStream err) {
        ModelArgument modelFlag = ModelArgument.required(args);
        int prompt = first(args, "p", "n-prompt").orElse(128);
        int gen = first(args, "n", "n-gen").orElse(128);
        int reps = first(args, "r", "repetitions").orElse(3);
        int[] threads = args.intList("t").or(() -> args.intList("threads")).orElse(new int[] {BitNetModel.defaultThreads()});
        Optional<String> kernel = args.string("kernel");
        boolean json = args.flag("json");
        boolean int8Flag = args.flag("int8-head");
        String head = args.string("head").orElse(int8Flag ? "int8" : "exact").toLowerCase(Locale.ROOT);
        if (!head.equals("exact") && !head.equals("int8") && !head.equals("bounded")) {
            throw new UsageException("--head must be exact, int8 or bounded, got " + head);
        }
        if (int8Flag && !head.equals("int8")) {
            throw new UsageException("--int8-head contradicts --head " + head);
        }
        LoadOptions.HeadMode headMode = LoadOptions.HeadMode.valueOf(head.toUpperCase(Locale.ROOT));
        // decode steps ask for what greedy generation needs; with the exact or int8 head that is every logit
        HeadUse use = headMode == LoadOptions.HeadMode.BOUNDED ? HeadUse.GREEDY : HeadUse.EXACT;
        boolean bandwidth = args.flag("bandwidth");
        Optional<int[]> parallel = args.intList("parallel");
        args.finish();
        if (prompt < 0 || gen < 0 || reps < 1 || threads.length == 0 || (prompt == 0 && gen == 0)) {
            throw new UsageException("need -p >= 0, -n >= 0 (not both 0), -r >= 1 and at least one thread count");
        }
        if (parallel.isPresent() && (parallel.get().length == 0 || Arrays.stream(parallel.get()).anyMatch(n -> n < 1 || n > 256)
                || gen < 2)) {
            throw new UsageException("--parallel needs a list of sequence counts in [1, 256], e.g. 1,2,4,8, and -n >= 2");
        }
        Path model = modelFlag.resolve(err, json);
        if (!json) {
            out.printf("| %-28s | %9s | %7s | %-14s | %8s | %18s |%n", "model", "size", "threads", "kernel", "test", "t/s");
            out.printf("|%s|%s|%s|%s|%s|%s|%n", "-".repeat(30), "-".repeat(11), "-".repeat(9), "-".repeat(16), "-".repeat(10), "-".repeat(20));
        }
        List<Result> results = new ArrayList<>();
        List<Probe> probes = new ArrayList<>();
        for (int t : threads) {
            LoadOptions.Builder options = LoadOptions.builder().threads(t).headMode(headMode);
            kernel.ifPresent(options::kernel);
            try (BitNetModel m = BitNetModel.load(model, options.build())) {
                if (prompt + 1 > m.contextLength() || gen + 1 > m.contextLength()) {
                    throw new UsageException("-p and -n must be below the context length " + m.contextLength());
                }
                List<Result> forThreads = new ArrayList<>();
                if (prompt > 0) {
                    forThreads.add(measure("pp" + prompt, m, t, reps, () -> promptRun(m, prompt)));
                }
                if (gen > 0 && parallel.isEmpty()) {
                    forThreads.add(measure("tg" + gen, m, t, reps, () -> generationRun(m, gen, use)));
                }
                if (gen > 0 && parallel.isPresent()) {
                    for (int n : parallel.get()) {
                        forThreads.add(measure("tg" + gen, m, t, reps, () -> ParallelDecode.run(m, n, gen)).withParallel(n));
                    }
                }
                long rss = peakRss();
                for (Result r : forThreads) {
                    Result withRss = r.withRss(m.loadMillis(), rss, head);
                    results.add(withRss);
                    if (json) {
                        out.println(withRss.json());
                    } else {
                        out.printf(Locale.ROOT, "| %-28s | %9s | %7d | %-14s | %8s | %8.2f ± %7.2f |%n", abbreviate(model),
                                size(model), t, r.kernel(), parallel.isPresent() ? r.test() + " x" + r.parallel() : r.test(), r.mean(), r.sd());
                    }
                    out.flush();
                }
                if (bandwidth) {
                    probes.add(new Probe(t, m.kernelName(), m.weightBytesPerToken(),
                            forThreads.stream().filter(r -> r.test().startsWith("tg")).findFirst()));
                }
            }
        }
        if (!json && !results.isEmpty()) {
            out.printf(Locale.ROOT, "load %.0f ms (last), peak RSS %.1f MiB%n", results.getLast().loadMs(), results.getLast().peakRssBytes() / 1048576.0);
        }
        // after every test: mapping the file a second time would otherwise count in the peak RSS reported above
        for (Probe p : probes) {
            reportBandwidth(model, p, json, out, err);
        }
        return 0;
    }

    /** A read-bandwidth measurement to make for one thread count, with what it is compared to. */
    private record Probe(int threads, String kernel, long bytesPerToken, Optional<Result> tg) {
    }

    /** Measures the read bandwidth of the probe's threads over the model file and relates the tg result to it. */
    private static void reportBandwidth(Path model, Probe probe, boolean json, PrintStream out, PrintStream err) {
        int t = probe.threads();
        if (!Files.isRegularFile(model)) {
            // on stderr: --json output stays one JSON object per line
            err.println("bandwidth: skipped, " + model + " is not a single file");
            return;
        }
        ReadBandwidth.Result read;
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(model, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            read = ReadBandwidth.measure(mapped, t, 5);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + model + ": " + e.getMessage(), e);
        }
        double bytesPerSecond = read.medianBytesPerSecond();
        long perToken = probe.bytesPerToken();
        double bound = bytesPerSecond / perToken;
        Optional<Result> tg = probe.tg();
        if (json) {
            out.printf(Locale.ROOT, "{\"test\": \"read\", \"threads\": %d, \"kernel\": \"%s\", \"gb_s\": %.2f, "
                            + "\"bytes_per_token\": %d, \"tg_bound_tok_s\": %.3f%s}%n", t, probe.kernel(), bytesPerSecond / 1e9,
                    perToken, bound, tg.map(r -> String.format(Locale.ROOT, ", \"tg_fraction_of_bound\": %.3f", r.mean() / bound)).orElse(""));
        } else {
            out.printf(Locale.ROOT, "read bandwidth, %d thread(s): %.1f GB/s (median of 5 passes over the file) / %.2f GB per token"
                            + " = decode bound %.1f tok/s%s%n", t, bytesPerSecond / 1e9, perToken / 1e9, bound,
                    tg.map(r -> String.format(Locale.ROOT, "; %s reached %.0f%% of it", r.test(), 100 * r.mean() / bound)).orElse(""));
        }
        out.flush();
    }

    private interface Run {
        /** Returns the tokens per second of one run. */
        double run();
    }

    private static Result measure(String test, BitNetModel m, int threads, int reps, Run run) {
        run.run();
        double[] rates = new double[reps];
        for (int i = 0; i < reps; i++) {
            rates[i] = run.run();
        }
        double mean = Arrays.stream(rates).average().orElse(0);
        double var = reps > 1 ? Arrays.stream(rates).map(r -> (r - mean) * (r - mean)).sum() / (reps - 1) : 0;
        return new Result(test, threads, m.kernelName(), mean, Math.sqrt(var), reps, m.loadMillis(), 0, 1, "");
    }

    private static double promptRun(BitNetModel m, int n) {
        int[] ids = randomIds(m, n, 1);
        float[] logits = new float[m.config().vocabSize()];
        try (Session s = m.newSession()) {
            long start = System.nanoTime();
            s.append(ids, logits);
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static double generationRun(BitNetModel m, int n, HeadUse use) {
        int[] ids = randomIds(m, n, 2);
        float[] logits = new float[m.config().vocabSize()];
        int[] one = new int[1];
        try (Session s = m.newSession()) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                one[0] = ids[i];
                s.append(one, logits, use);
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static int[] randomIds(BitNetModel m, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int vocab = m.config().vocabSize();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    private static Optional<Integer> first(Args args, String a, String b) {
        return args.integer(a).or(() -> args.integer(b));
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is not available. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static String abbreviate(Path p) {
        String name = String.valueOf(p.getFileName());
        return name.length() <= 28 ? name : name.substring(0, 25) + "...";
    }

    private static String size(Path p) {
        try {
            long bytes = Files.isDirectory(p) ? -1 : Files.size(p);
            if (bytes < 0) {
                return "-";
            }
            return bytes >= 1L << 30
                    ? String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024))
                    : String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        } catch (IOException e) {
            return "-";
        }
    }
}
