package dev.bitnet.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server's side of bitnet-core's fuzz harness (its test classes are not shared between modules), with
 * the same properties ({@code bitnet.fuzz.seconds} budget per target, {@code bitnet.fuzz.timeoutMillis}
 * per input) and the same counters in {@code target/fuzz/<target>.txt}; the contract is the server's: the
 * call succeeds, or throws an {@link ApiException} with a 4xx status and a message naming the field.
 */
final class RequestFuzzHarness {
    private static final Map<String, Stats> STATS = new ConcurrentHashMap<>();
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(null, r, "fuzz-runner", 4L << 20);
        t.setDaemon(true);
        return t;
    });

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(RequestFuzzHarness::writeStats));
    }

    private RequestFuzzHarness() {
    }

    interface Body {
        void run() throws Exception;
    }

    private static final class Stats {
        final long start = System.nanoTime();
        final AtomicLong executions = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final Map<Integer, AtomicLong> byStatus = new ConcurrentHashMap<>();
        volatile long lastRun = start;
    }

    private static double budget() {
        return Double.parseDouble(System.getProperty("bitnet.fuzz.seconds", "3"));
    }

    static boolean hasBudget(String target) {
        Stats s = STATS.computeIfAbsent(target, t -> new Stats());
        boolean ok = System.nanoTime() - s.start < (long) (budget() * 1e9);
        if (!ok) {
            s.skipped.incrementAndGet();
        }
        return ok;
    }

    static void check(String target, String input, Body body) {
        Stats s = STATS.computeIfAbsent(target, t -> new Stats());
        long timeout = Long.getLong("bitnet.fuzz.timeoutMillis", 20_000L);
        Future<?> f = RUNNER.submit(() -> {
            body.run();
            return null;
        });
        s.executions.incrementAndGet();
        try {
            f.get(timeout, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw fail(target, input, "no result within " + timeout + " ms (a hang)", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            if (!(t instanceof ApiException api)) {
                throw fail(target, input, "undocumented " + t.getClass().getName() + ": " + t.getMessage(), t);
            }
            if (api.status() < 400 || api.status() > 499) {
                throw fail(target, input, "status " + api.status() + " for a bad request: " + api.getMessage(), t);
            }
            if (api.getMessage() == null || api.getMessage().isBlank() || !RequestParserFuzzTest.namesTheField(api)) {
                throw fail(target, input, "message does not name the field " + api.param() + ": " + api.getMessage(), t);
            }
            s.rejected.incrementAndGet();
            s.byStatus.computeIfAbsent(api.status(), k -> new AtomicLong()).incrementAndGet();
        } finally {
            s.lastRun = System.nanoTime();
        }
    }

    private static AssertionError fail(String target, String input, String what, Throwable cause) {
        String shown = printable(input);
        try {
            Path dir = Path.of("target", "fuzz");
            Files.createDirectories(dir);
            Files.writeString(Files.createTempFile(dir, target + "-", ".fail"), shown);
        } catch (IOException e) {
            // the assertion below still carries the input
        }
        return new AssertionError("fuzz target " + target + ": " + what + "\ninput:\n" + shown, cause);
    }

    /** Characters outside printable ASCII (but line breaks) as Java escapes. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(c == '\n' || c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return sb.toString();
    }

    private static void writeStats() {
        try {
            Path dir = Path.of("target", "fuzz");
            Files.createDirectories(dir);
            for (Map.Entry<String, Stats> e : STATS.entrySet()) {
                Stats s = e.getValue();
                double seconds = Math.min(budget(), (s.lastRun - s.start) / 1e9);
                Files.writeString(dir.resolve(e.getKey() + ".txt"), String.format(Locale.ROOT,
                        "target=%s executions=%d rejected=%d skipped=%d seconds=%.1f status=%s%n",
                        e.getKey(), s.executions.get(), s.rejected.get(), s.skipped.get(), seconds, s.byStatus));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
