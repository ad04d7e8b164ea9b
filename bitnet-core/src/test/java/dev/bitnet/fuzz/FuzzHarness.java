package dev.bitnet.fuzz;

import org.jetbrains.annotations.Nullable;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * Runs fuzz inputs against the contract every target shares: the call succeeds, or throws one of the
 * target's documented exception types with a message that says something; never another throwable
 * (NullPointerException, IllegalStateException, OutOfMemoryError from a hostile length, StackOverflowError,
 * ...), and never runs past {@value #TIMEOUT_PROPERTY} (a hang).
 *
 * <p>Each target gets a time budget, {@value #SECONDS_PROPERTY} seconds (the build's short run uses a few,
 * {@code -Pfuzz} minutes): jqwik keeps generating tries, and once the budget is spent the remaining ones
 * are skipped without running. Executions and outcomes per target go to {@code target/fuzz/<target>.txt}.
 * A failing input is also written there as a corpus descriptor ({@code *.fail}), ready to be added to
 * {@code src/test/resources/fuzz-corpus/<target>/} as a regression case.
 */
public final class FuzzHarness {
    static final String SECONDS_PROPERTY = "bitnet.fuzz.seconds";
    static final String TIMEOUT_PROPERTY = "bitnet.fuzz.timeoutMillis";

    private static final Map<String, Stats> STATS = new ConcurrentHashMap<>();
    private static final ExecutorService RUNNER = Executors.newSingleThreadExecutor(r -> {
        // a deep stack like the one tests run with (-Xss4m) so that recursion limits, not the stack, decide
        Thread t = new Thread(null, r, "fuzz-runner", 4L << 20);
        t.setDaemon(true);
        return t;
    });

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(FuzzHarness::writeStats));
    }

    private FuzzHarness() {
    }

    /** A call under test. */
    public interface Body {
        void run() throws Exception;
    }

    private static final class Stats {
        final long start = System.nanoTime();
        final AtomicLong executions = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong skipped = new AtomicLong();
        final Map<String, AtomicLong> byType = new ConcurrentHashMap<>();
        volatile long lastRun = start;
    }

    /** Whether the target's budget still allows runs. */
    public static boolean hasBudget(String target) {
        Stats s = STATS.computeIfAbsent(target, t -> new Stats());
        double seconds = Double.parseDouble(System.getProperty(SECONDS_PROPERTY, "3"));
        boolean ok = System.nanoTime() - s.start < (long) (seconds * 1e9);
        if (!ok) {
            s.skipped.incrementAndGet();
        }
        return ok;
    }

    /**
     * What a target accepts besides success: for a throwable, what is wrong with it ({@code null} when it is an
     * accepted rejection), and the label it is counted under.
     */
    public interface Contract {
        /** {@code null} when {@code t} is a documented rejection with a message that names the problem. */
        @Nullable String violation(Throwable t);

        /** The key the rejection is counted under in {@code target/fuzz/<target>.txt}. */
        default String label(Throwable t) {
            return t.getClass().getSimpleName();
        }
    }

    /**
     * Runs {@code body} on one input within the time limit and checks the contract.
     *
     * @param input      how to reproduce the input (a corpus descriptor), shown on failure
     * @param documented the exception types the target documents
     */
    public static void check(String target, String input, List<Class<? extends Throwable>> documented, Body body) {
        check(target, input, t -> {
            if (documented.stream().noneMatch(c -> c.isInstance(t))) {
                return "undocumented " + t.getClass().getName() + ": " + t.getMessage();
            }
            return t.getMessage() == null || t.getMessage().isBlank() ? t.getClass().getName() + " without a message" : null;
        }, body);
    }

    /**
     * Runs {@code body} on one input within the time limit and checks {@code contract}.
     *
     * @param input how to reproduce the input (a corpus descriptor), shown on failure
     */
    public static void check(String target, String input, Contract contract, Body body) {
        Stats s = STATS.computeIfAbsent(target, t -> new Stats());
        long timeout = Long.getLong(TIMEOUT_PROPERTY, 20_000L);
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
            String violation = contract.violation(t);
            if (violation != null) {
                throw fail(target, input, violation, t);
            }
            s.rejected.incrementAndGet();
            s.byType.computeIfAbsent(contract.label(t), k -> new AtomicLong()).incrementAndGet();
        } finally {
            s.lastRun = System.nanoTime();
        }
    }

    private static AssertionError fail(String target, String input, String what, Throwable cause) {
        try {
            Path dir = Path.of("target", "fuzz");
            Files.createDirectories(dir);
            Files.writeString(Files.createTempFile(dir, target + "-", ".fail"), printable(input));
        } catch (IOException e) {
            // the assertion below still carries the input
        }
        return new AssertionError("fuzz target " + target + ": " + what + "\ninput:\n" + printable(input), cause);
    }

    /** The input with every character outside printable ASCII (and line breaks) written as a Java escape. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c >= 0x20 && c < 0x7f && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    private static void writeStats() {
        try {
            Path dir = Path.of("target", "fuzz");
            Files.createDirectories(dir);
            for (Map.Entry<String, Stats> e : STATS.entrySet()) {
                Stats s = e.getValue();
                // the saved corpus may run later in the same JVM: count the generated run's time only
                double budget = Double.parseDouble(System.getProperty(SECONDS_PROPERTY, "3"));
                double seconds = Math.min(budget, (s.lastRun - s.start) / 1e9);
                String line = String.format(Locale.ROOT, "target=%s executions=%d rejected=%d skipped=%d seconds=%.1f types=%s%n",
                        e.getKey(), s.executions.get(), s.rejected.get(), s.skipped.get(), seconds, s.byType);
                Files.writeString(dir.resolve(e.getKey() + ".txt"), line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
