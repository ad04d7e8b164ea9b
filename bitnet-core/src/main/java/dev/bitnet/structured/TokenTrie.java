package dev.bitnet.structured;

import java.util.Arrays;

/**
 * The byte strings of a set of tokens as a trie stored in preorder: node i's subtree is nodes i..end[i]-1, its
 * parent is the nearest earlier node one level up. A mask walk keeps one parse state per depth, steps it by each
 * node's byte, and skips a whole subtree (every token sharing that prefix) the moment the parse dies.
 */
final class TokenTrie {
    final byte[] label;
    final int[] depth;
    final int[] end;
    /** Tokens ending at node i: {@code ids[first[i] .. first[i+1])}. */
    final int[] first;
    final int[] ids;
    final int maxDepth;

    private TokenTrie(byte[] label, int[] depth, int[] end, int[] first, int[] ids, int maxDepth) {
        this.label = label;
        this.depth = depth;
        this.end = end;
        this.first = first;
        this.ids = ids;
        this.maxDepth = maxDepth;
    }

    /** The trie of the tokens {@code include} picks among {@code bytes} (non-null, non-empty entries only). */
    static TokenTrie of(byte[][] bytes, java.util.function.IntPredicate include) {
        Integer[] order = java.util.stream.IntStream.range(0, bytes.length)
                .filter(id -> bytes[id] != null && bytes[id].length > 0 && include.test(id))
                .boxed().toArray(Integer[]::new);
        Arrays.sort(order, (a, b) -> {
            int c = Arrays.compareUnsigned(bytes[a], bytes[b]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        int capacity = 1;
        for (int id : order) {
            capacity += bytes[id].length;
        }
        byte[] label = new byte[capacity];
        int[] depth = new int[capacity];
        int[] end = new int[capacity];
        int[] tokenCount = new int[capacity + 1];
        int[] path = new int[1];
        int nodes = 1;
        int maxDepth = 0;
        byte[] previous = new byte[0];
        int[] ids = new int[order.length];
        int[] tokenNode = new int[order.length];
        for (int k = 0; k < order.length; k++) {
            byte[] b = bytes[order[k]];
            int common = Math.min(commonPrefix(previous, b), previous.length);
            if (path.length < b.length + 1) {
                path = Arrays.copyOf(path, Math.max(b.length + 1, path.length * 2));
            }
            // close the nodes of the previous token deeper than the shared prefix
            for (int d = previous.length; d > common; d--) {
                end[path[d]] = nodes;
            }
            for (int d = common; d < b.length; d++) {
                label[nodes] = b[d];
                depth[nodes] = d + 1;
                path[d + 1] = nodes;
                nodes++;
            }
            maxDepth = Math.max(maxDepth, b.length);
            ids[k] = order[k];
            tokenNode[k] = path[b.length];
            tokenCount[path[b.length]]++;
            previous = b;
        }
        for (int d = previous.length; d >= 1; d--) {
            end[path[d]] = nodes;
        }
        end[0] = nodes;
        // tokens are sorted by bytes, so those of one node are adjacent and nodes appear in token order
        int[] first = new int[nodes + 1];
        int running = 0;
        for (int i = 0; i < nodes; i++) {
            first[i] = running;
            running += tokenCount[i];
        }
        first[nodes] = running;
        return new TokenTrie(Arrays.copyOf(label, nodes), Arrays.copyOf(depth, nodes), Arrays.copyOf(end, nodes),
                first, ids, maxDepth);
    }

    private static int commonPrefix(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    int nodes() {
        return label.length;
    }
}
