package dev.bitnet.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Finds added tokens (special tokens such as {@code <|eot_id|>} and user-defined ones) in text the
 * way Hugging Face tokenizers does: the leftmost match wins, and the longest token among those
 * starting there. A character trie walked only from positions whose character begins some token.
 */
final class AddedTokenMatcher {
    /** A match: token {@code id} occupies {@code text[start, end)}. */
    record Match(int start, int end, int id) {
    }

    private final boolean[] startsToken = new boolean[0x10000];
    /** The character every token starts with ({@code <} for LLaMA-3), or -1 when they differ. */
    private final int sharedFirst;
    /** Per trie node: outgoing characters (sorted) and the nodes they lead to. */
    private final char[][] edgeChars;
    private final int[][] edgeTargets;
    /** Per trie node: the token ending there, or -1. */
    private final int[] tokenAt;
    /** Per trie node: whether that token is matched only when special tokens are parsed. */
    private final boolean[] controlAt;
    /** Whether some token is matched even when special tokens are not parsed. */
    private final boolean anyUserDefined;

    /**
     * @param texts   token texts
     * @param ids     their ids
     * @param control for each, whether it is a control token (skipped when special tokens are not parsed)
     */
    AddedTokenMatcher(List<String> texts, int[] ids, boolean[] control) {
        List<TreeMap<Character, Integer>> edges = new ArrayList<>();
        List<Integer> tokens = new ArrayList<>();
        List<Boolean> controls = new ArrayList<>();
        edges.add(new TreeMap<>());
        tokens.add(-1);
        controls.add(false);
        for (int t = 0; t < texts.size(); t++) {
            String text = texts.get(t);
            if (text.isEmpty()) {
                continue;
            }
            startsToken[text.charAt(0)] = true;
            int node = 0;
            for (int i = 0; i < text.length(); i++) {
                Integer child = edges.get(node).get(text.charAt(i));
                if (child == null) {
                    child = edges.size();
                    edges.add(new TreeMap<>());
                    tokens.add(-1);
                    controls.add(false);
                    edges.get(node).put(text.charAt(i), child);
                }
                node = child;
            }
            if (tokens.get(node) < 0) {
                tokens.set(node, ids[t]);
                controls.set(node, control[t]);
            }
        }
        sharedFirst = edges.get(0).size() == 1 ? edges.get(0).firstKey() : -1;
        boolean userDefined = false;
        for (int t = 0; t < texts.size(); t++) {
            userDefined |= !control[t] && !texts.get(t).isEmpty();
        }
        anyUserDefined = userDefined;
        int nodes = edges.size();
        edgeChars = new char[nodes][];
        edgeTargets = new int[nodes][];
        tokenAt = new int[nodes];
        controlAt = new boolean[nodes];
        for (int n = 0; n < nodes; n++) {
            TreeMap<Character, Integer> e = edges.get(n);
            edgeChars[n] = new char[e.size()];
            edgeTargets[n] = new int[e.size()];
            int k = 0;
            for (var entry : e.entrySet()) {
                edgeChars[n][k] = entry.getKey();
                edgeTargets[n][k++] = entry.getValue();
            }
            tokenAt[n] = tokens.get(n);
            controlAt[n] = controls.get(n);
        }
    }

    /**
     * The first added token in {@code text[from, to)}, or {@code null}.
     *
     * @param withControl whether control tokens count; user-defined tokens always do
     */
    Match find(String text, int from, int to, boolean withControl) {
        if (!withControl && !anyUserDefined) {
            return null;
        }
        for (int i = from; i < to; i++) {
            if (sharedFirst >= 0) {
                // String.indexOf is vectorised: most text is skipped many characters at a time.
                i = text.indexOf(sharedFirst, i);
                if (i < 0 || i >= to) {
                    return null;
                }
            } else if (!startsToken[text.charAt(i)]) {
                continue;
            }
            int node = 0;
            int bestEnd = -1;
            int bestId = -1;
            for (int j = i; j < to; j++) {
                node = step(node, text.charAt(j));
                if (node < 0) {
                    break;
                }
                if (tokenAt[node] >= 0 && (withControl || !controlAt[node])) {
                    bestEnd = j + 1;
                    bestId = tokenAt[node];
                }
            }
            if (bestId >= 0) {
                return new Match(i, bestEnd, bestId);
            }
        }
        return null;
    }

    private int step(int node, char c) {
        char[] chars = edgeChars[node];
        int lo = 0;
        int hi = chars.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            char m = chars[mid];
            if (m < c) {
                lo = mid + 1;
            } else if (m > c) {
                hi = mid - 1;
            } else {
                return edgeTargets[node][mid];
            }
        }
        return -1;
    }
}
