package dev.bitnet.sampling;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds stop strings in text that arrives in pieces (one per token), however the pieces split it.
 *
 * <p>{@link #push} returns the text that is safe to show now. Text that could still be the start of a stop string
 * is held back until the next pieces settle it; {@link #flush} hands it out at the end. When a stop string is
 * complete, the text before it is returned and the stop string and everything after it are dropped: the
 * concatenated output is the input cut at the first stop string. "First" is the one that is complete earliest;
 * among stop strings completed by the same character the one that starts earliest (the longest) wins, so the
 * result does not depend on where the pieces were split. Output never ends between the two halves of a surrogate
 * pair. Not thread-safe: one matcher per generation.
 */
public final class StopStringMatcher {
    private final List<String> stops;
    private final int longest;
    private final StringBuilder held = new StringBuilder();
    private String matched;

    /**
     * What one {@link #push} produced.
     *
     * @param text    text to emit now (possibly empty)
     * @param stopped whether a stop string was completed; generation should end
     */
    public record Result(String text, boolean stopped) {
        /** @throws NullPointerException if {@code text} is null */
        public Result {
            Objects.requireNonNull(text, "text");
        }
    }

    /**
     * @param stopStrings the stop strings (may be empty: then all text passes straight through)
     * @throws IllegalArgumentException if one is empty
     */
    public StopStringMatcher(Collection<String> stopStrings) {
        LinkedHashSet<String> distinct = new LinkedHashSet<>();
        for (String s : Objects.requireNonNull(stopStrings, "stopStrings")) {
            if (Objects.requireNonNull(s, "stop string").isEmpty()) {
                throw new IllegalArgumentException("stop strings must not be empty, got " + stopStrings);
            }
            distinct.add(s);
        }
        this.stops = List.copyOf(distinct);
        this.longest = stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /**
     * Takes the next piece of text.
     *
     * @return the text that can be emitted now, and whether a stop string was completed
     * @throws IllegalStateException if a stop string was already completed
     */
    public Result push(String piece) {
        Objects.requireNonNull(piece, "piece");
        if (matched != null) {
            throw new IllegalStateException("stop string already matched: " + matched);
        }
        if (stops.isEmpty() && held.isEmpty() && !endsInHighSurrogate(piece)) {
            return new Result(piece, false);
        }
        held.append(piece);
        int stopStart = -1;
        int stopEnd = Integer.MAX_VALUE;
        for (String stop : stops) {
            int at = held.indexOf(stop);
            if (at >= 0) {
                int end = at + stop.length();
                if (end < stopEnd || end == stopEnd && at < stopStart) {
                    stopStart = at;
                    stopEnd = end;
                }
            }
        }
        if (stopStart >= 0) {
            String text = held.substring(0, stopStart);
            matched = held.substring(stopStart, stopEnd);
            held.setLength(0);
            return new Result(text, true);
        }
        int emit = held.length() - heldBackLength();
        if (emit > 0 && Character.isHighSurrogate(held.charAt(emit - 1))) {
            emit--;
        }
        String text = held.substring(0, emit);
        held.delete(0, emit);
        return new Result(text, false);
    }

    /**
     * The text still held back, to emit when the input has ended without a stop string; empty after a stop
     * string matched. The matcher is empty afterwards.
     */
    public String flush() {
        String rest = held.toString();
        held.setLength(0);
        return rest;
    }

    /** Whether a stop string has been completed. */
    public boolean stopped() {
        return matched != null;
    }

    /** The stop string that ended the text, once one has. */
    public Optional<String> matchedStopString() {
        return Optional.ofNullable(matched);
    }

    /** Length of the longest end of {@link #held} that is the beginning (not the whole) of some stop string. */
    private int heldBackLength() {
        int n = held.length();
        for (int k = Math.min(n, longest - 1); k > 0; k--) {
            for (String stop : stops) {
                if (stop.length() > k && startsWithTail(stop, n - k)) {
                    return k;
                }
            }
        }
        return 0;
    }

    private boolean startsWithTail(String stop, int from) {
        for (int i = from, j = 0; i < held.length(); i++, j++) {
            if (held.charAt(i) != stop.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    private static boolean endsInHighSurrogate(String s) {
        return !s.isEmpty() && Character.isHighSurrogate(s.charAt(s.length() - 1));
    }
}
