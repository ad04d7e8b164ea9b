package dev.bitnet.cli;

import dev.bitnet.hub.DownloadListener;

import java.io.Console;
import java.io.PrintStream;
import java.util.Locale;

/**
 * One line on stderr per file being downloaded, redrawn in place at most ten times a second:
 * {@code model.gguf  45% 512.0 MiB / 1.1 GiB  38.2 MiB/s  ETA 0:17}. Only used on a terminal.
 */
final class ProgressBar implements DownloadListener {
    private static final long REDRAW_NANOS = 100_000_000L;
    private final PrintStream err;
    private long startNanos;
    private long resumedFrom;
    private long lastDraw;
    private int lastWidth;

    ProgressBar(PrintStream err) {
        this.err = err;
    }

    /** Whether a human watches: a console whose input and output are a terminal (not piped). */
    static boolean onTerminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public void started(String file, long totalBytes, long resumed) {
        startNanos = System.nanoTime();
        resumedFrom = resumed;
        lastDraw = 0;
        draw(line(file, resumed, totalBytes, resumed, 0));
    }

    @Override
    public void progressed(String file, long done, long total) {
        long now = System.nanoTime();
        if (now - lastDraw >= REDRAW_NANOS || done == total) {
            lastDraw = now;
            draw(line(file, done, total, resumedFrom, now - startNanos));
        }
    }

    @Override
    public void finished(String file) {
        err.println();
        lastWidth = 0;
    }

    private void draw(String line) {
        // pad over the previous, longer line
        err.print("\r" + line + " ".repeat(Math.max(0, lastWidth - line.length())));
        err.flush();
        lastWidth = line.length();
    }

    /** The text of one redraw; the rate counts only bytes moved in this run, not resumed ones. */
    static String line(String file, long done, long total, long resumedFrom, long elapsedNanos) {
        int percent = total <= 0 ? 100 : (int) Math.min(100, done * 100 / total);
        double seconds = elapsedNanos / 1e9;
        double rate = seconds > 0 ? (done - resumedFrom) / seconds : 0;
        String eta = rate > 0 ? duration((long) Math.ceil((total - done) / rate)) : "--:--";
        return String.format(Locale.ROOT, "%s %3d%% %s / %s  %s/s  ETA %s", file, percent, bytes(done), bytes(total),
                bytes((long) rate), eta);
    }

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(long seconds) {
        long h = seconds / 3600;
        long m = seconds / 60 % 60;
        long s = seconds % 60;
        return h > 0 ? String.format(Locale.ROOT, "%d:%02d:%02d", h, m, s) : String.format(Locale.ROOT, "%d:%02d", m, s);
    }
}
