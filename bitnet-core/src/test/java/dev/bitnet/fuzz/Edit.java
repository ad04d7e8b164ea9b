package dev.bitnet.fuzz;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * One change to a file's bytes, written one per line in a corpus descriptor: {@code set OFFSET HEX},
 * {@code insert OFFSET HEX}, {@code delete OFFSET LENGTH}, {@code truncate LENGTH}. Offsets past the end
 * are clamped, so every edit applies to every file.
 */
record Edit(String op, long offset, byte[] bytes, long length) {
    static Edit set(long offset, byte[] bytes) {
        return new Edit("set", offset, bytes, 0);
    }

    static Edit insert(long offset, byte[] bytes) {
        return new Edit("insert", offset, bytes, 0);
    }

    static Edit delete(long offset, long length) {
        return new Edit("delete", offset, new byte[0], length);
    }

    static Edit truncate(long length) {
        return new Edit("truncate", 0, new byte[0], length);
    }

    byte[] apply(byte[] in) {
        int at = (int) Math.min(Math.max(0, offset), in.length);
        return switch (op) {
            case "set" -> {
                byte[] out = in.clone();
                System.arraycopy(bytes, 0, out, at, Math.min(bytes.length, in.length - at));
                yield out;
            }
            case "insert" -> {
                byte[] out = new byte[in.length + bytes.length];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(bytes, 0, out, at, bytes.length);
                System.arraycopy(in, at, out, at + bytes.length, in.length - at);
                yield out;
            }
            case "delete" -> {
                int n = (int) Math.min(length, in.length - at);
                byte[] out = new byte[in.length - n];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + n, out, at, in.length - at - n);
                yield out;
            }
            case "truncate" -> Arrays.copyOf(in, (int) Math.min(Math.max(0, length), in.length));
            default -> throw new IllegalArgumentException("unknown edit " + op);
        };
    }

    static byte[] applyAll(byte[] in, List<Edit> edits) {
        byte[] out = in;
        for (Edit e : edits) {
            out = e.apply(out);
        }
        return out;
    }

    @Override
    public String toString() {
        return switch (op) {
            case "set", "insert" -> op + " " + offset + " " + HexFormat.of().formatHex(bytes);
            case "delete" -> op + " " + offset + " " + length;
            default -> op + " " + length;
        };
    }

    static Edit parse(String line) {
        String[] p = line.strip().split("\\s+");
        return switch (p[0]) {
            case "set" -> set(Long.parseLong(p[1]), HexFormat.of().parseHex(p[2]));
            case "insert" -> insert(Long.parseLong(p[1]), HexFormat.of().parseHex(p[2]));
            case "delete" -> delete(Long.parseLong(p[1]), Long.parseLong(p[2]));
            case "truncate" -> truncate(Long.parseLong(p[1]));
            default -> throw new IllegalArgumentException("unknown edit line: " + line);
        };
    }

    /** Describes a case: the base file, then one edit per line. */
    static String describe(String base, List<Edit> edits) {
        StringBuilder sb = new StringBuilder("base ").append(base).append('\n');
        for (Edit e : edits) {
            sb.append(e).append('\n');
        }
        return sb.toString();
    }
}
