package dev.bitnet.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The flags of one command: {@code --name value}, {@code --name=value}, single-letter {@code -x value}
 * (llama.cpp style, read as the flag named {@code x}) and bare switches. Every
 * flag a command reads is recorded, so {@link #finish()} can reject the ones it never asked for.
 */
final class Args {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final Set<String> switches;
    private final Set<String> read = new HashSet<>();
    private final List<String> positionals = new ArrayList<>();
    private boolean positionalsRead;

    /**
     * @param argv       the arguments after the command name
     * @param switchFlags flags that take no value (e.g. {@code --json})
     */
    Args(String[] argv, String... switchFlags) {
        this.switches = Set.of(switchFlags);
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            boolean longFlag = a.startsWith("--") && a.length() > 2;
            boolean shortFlag = !longFlag && a.length() == 2 && a.charAt(0) == '-' && Character.isLetter(a.charAt(1));
            if (!longFlag && !shortFlag) {
                // kept for the commands that take one (download); finish() rejects them elsewhere
                positionals.add(a);
                continue;
            }
            String name = a.substring(longFlag ? 2 : 1);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (switches.contains(name)) {
                value = "true";
            } else {
                if (i + 1 >= argv.length) {
                    throw new UsageException("flag --" + name + " needs a value");
                }
                value = argv[++i];
            }
            values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
    }

    boolean flag(String name) {
        read.add(name);
        return values.containsKey(name) && Boolean.parseBoolean(last(name));
    }

    Optional<String> string(String name) {
        read.add(name);
        return values.containsKey(name) ? Optional.of(last(name)) : Optional.empty();
    }

    String required(String name) {
        return string(name).orElseThrow(() -> {
            // "info model.gguf": the stray argument is the real mistake
            rejectUnreadPositionals();
            return new UsageException("missing required flag --" + name);
        });
    }

    List<String> all(String name) {
        read.add(name);
        return values.getOrDefault(name, List.of());
    }

    Optional<Path> path(String name) {
        return string(name).map(Path::of);
    }

    Optional<Integer> integer(String name) {
        return string(name).map(v -> parseInt(name, v));
    }

    int integer(String name, int fallback) {
        return integer(name).orElse(fallback);
    }

    Optional<Long> longValue(String name) {
        return string(name).map(v -> {
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
            }
        });
    }

    Optional<Double> number(String name) {
        return string(name).map(v -> {
            try {
                double d = Double.parseDouble(v.trim());
                if (Double.isNaN(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " expects a number, got '" + v + "'");
            }
        });
    }

    /** A comma-separated list of integers, e.g. {@code --ids 1,2,3}. */
    Optional<int[]> intList(String name) {
        return string(name).map(v -> {
            String trimmed = v.trim();
            if (trimmed.isEmpty()) {
                return new int[0];
            }
            return Arrays.stream(trimmed.split(",")).map(String::trim).mapToInt(s -> parseInt(name, s)).toArray();
        });
    }

    /** Arguments that are not flags, in order (e.g. {@code bitnet download hf://...}). */
    List<String> positionals() {
        positionalsRead = true;
        return List.copyOf(positionals);
    }

    /** Throws for any flag that the command did not read, and for arguments no command asked for. */
    void finish() {
        rejectUnreadPositionals();
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                throw new UsageException("unknown flag --" + name);
            }
        }
    }

    private void rejectUnreadPositionals() {
        if (!positionalsRead && !positionals.isEmpty()) {
            throw new UsageException("unexpected argument '" + positionals.getFirst() + "' (flags start with --)");
        }
    }

    private String last(String name) {
        List<String> list = values.get(name);
        return list.get(list.size() - 1);
    }

    private static int parseInt(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " expects an integer, got '" + v + "'");
        }
    }
}
