package dev.bitnet.structured;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;

/**
 * An immutable trie over byte strings, each ending at a node with a payload (an index chosen by the caller).
 * Used for literal values (enum, const, keywords) and for an object's declared keys. Each node also knows the
 * sorted payloads below it, so a walk can stop as soon as no allowed payload is reachable.
 */
final class ByteTrie {
    private final int[][] edgeBytes;
    private final int[][] edgeTargets;
    /** Payload of the string ending at each node, or -1. */
    private final int[] payload;
    /** Sorted payloads of all strings in each node's subtree (itself included). */
    private final int[][] below;

    private ByteTrie(int[][] edgeBytes, int[][] edgeTargets, int[] payload, int[][] below) {
        this.edgeBytes = edgeBytes;
        this.edgeTargets = edgeTargets;
        this.payload = payload;
        this.below = below;
    }

    /** Builds the trie; string {@code i} gets payload {@code i}. A repeated string keeps its first payload. */
    static ByteTrie of(List<byte[]> strings) {
        // one hash entry per edge (parent << 8 | byte -> child) keeps building lean for huge enums
        HashMap<Long, Integer> edges = new HashMap<>();
        int[] edgeCount = new int[16];
        int[] pay = new int[16];
        Arrays.fill(pay, -1);
        int n = 1;
        for (int s = 0; s < strings.size(); s++) {
            int node = 0;
            for (byte b : strings.get(s)) {
                long key = (long) node << 8 | (b & 0xff);
                Integer next = edges.get(key);
                if (next == null) {
                    if (n == pay.length) {
                        pay = Arrays.copyOf(pay, n * 2);
                        Arrays.fill(pay, n, pay.length, -1);
                        edgeCount = Arrays.copyOf(edgeCount, n * 2);
                    }
                    next = n++;
                    edges.put(key, next);
                    edgeCount[node]++;
                }
                node = next;
            }
            if (pay[node] < 0) {
                pay[node] = s;
            }
        }
        int[][] bytes = new int[n][];
        int[][] targets = new int[n][];
        int[] payload = Arrays.copyOf(pay, n);
        for (int i = 0; i < n; i++) {
            bytes[i] = new int[edgeCount[i]];
            targets[i] = new int[edgeCount[i]];
            edgeCount[i] = 0;
        }
        long[] keys = new long[edges.size()];
        int e = 0;
        for (long key : edges.keySet()) {
            keys[e++] = key;
        }
        // sorted keys list each parent's edges in byte order, as binary search needs
        Arrays.sort(keys);
        for (long key : keys) {
            int parent = (int) (key >>> 8);
            int slot = edgeCount[parent]++;
            bytes[parent][slot] = (int) (key & 0xff);
            targets[parent][slot] = edges.get(key);
        }
        int[][] below = new int[n][];
        // children always have larger indices than their parent, so a reverse pass sees them first
        for (int i = n - 1; i >= 0; i--) {
            int size = payload[i] >= 0 ? 1 : 0;
            for (int t : targets[i]) {
                size += below[t].length;
            }
            int[] all = new int[size];
            int k = 0;
            if (payload[i] >= 0) {
                all[k++] = payload[i];
            }
            for (int t : targets[i]) {
                System.arraycopy(below[t], 0, all, k, below[t].length);
                k += below[t].length;
            }
            Arrays.sort(all);
            below[i] = all;
        }
        return new ByteTrie(bytes, targets, payload, below);
    }

    static int root() {
        return 0;
    }

    /** The node reached from {@code node} by byte {@code b}, or -1. */
    int child(int node, int b) {
        int[] e = edgeBytes[node];
        int i = Arrays.binarySearch(e, b);
        return i >= 0 ? edgeTargets[node][i] : -1;
    }

    /** Payload of the string ending here, or -1. */
    int payload(int node) {
        return payload[node];
    }

    boolean hasChildren(int node) {
        return edgeBytes[node].length > 0;
    }

    /** Whether some string through this node has a payload in {@code [lo, hi]}. */
    boolean reaches(int node, int lo, int hi) {
        int[] p = below[node];
        int i = Arrays.binarySearch(p, lo);
        if (i >= 0) {
            return true;
        }
        i = -i - 1;
        return i < p.length && p[i] <= hi;
    }

    /** The payloads in this node's subtree, sorted; do not modify. */
    int[] payloadsBelow(int node) {
        return below[node];
    }

    boolean isEmpty() {
        return below[0].length == 0;
    }
}
