package dev.bitnet.structured;

import java.util.List;

/**
 * One compiled piece of a JSON grammar: what values may appear at a position. Built by {@link SchemaCompiler},
 * read by the {@link Frame}s of the matcher. Immutable once compiled, except that a {@link Ref} is pointed at its
 * target after the target has been compiled (recursion) and {@link #minDepth} is filled in by a fixpoint.
 */
abstract sealed class Node {
    /** Marks a node that admits no finite value. */
    static final int UNSATISFIABLE = 1 << 20;

    /**
     * The least container nesting any value of this node needs (0 for scalars, 1 for a flat object);
     * {@link #UNSATISFIABLE} when none exists. Lets the matcher refuse a branch that could not finish within the
     * nesting limit, so it never walks into a dead end.
     */
    int minDepth = UNSATISFIABLE;

    static int add(int a, int b) {
        return Math.min(UNSATISFIABLE, a + b);
    }

    /** Any JSON value. */
    static final class Any extends Node {
    }

    /** A JSON string, with length limits in code points ({@code maxLength} {@code Integer.MAX_VALUE} = none). */
    static final class Str extends Node {
        final int minLength;
        final int maxLength;

        Str(int minLength, int maxLength) {
            this.minLength = minLength;
            this.maxLength = maxLength;
        }
    }

    /** A JSON number; an integer one may carry inclusive bounds. */
    static final class Num extends Node {
        final boolean integer;
        final long min;
        final long max;

        Num(boolean integer, long min, long max) {
            this.integer = integer;
            this.min = min;
            this.max = max;
        }
    }

    /** One of a fixed set of values, written exactly as their compact JSON (enum, const, true, false, null). */
    static final class Literal extends Node {
        final ByteTrie trie;
        final int depth;

        Literal(ByteTrie trie, int depth) {
            this.trie = trie;
            this.depth = depth;
        }
    }

    /** Any of the options (anyOf, oneOf, type lists). */
    static final class Choice extends Node {
        final List<Node> options;

        Choice(List<Node> options) {
            this.options = options;
        }
    }

    /** A local {@code $ref}; its target is set once compiled, which allows recursive schemas. */
    static final class Ref extends Node {
        final String pointer;
        Node target;

        Ref(String pointer) {
            this.pointer = pointer;
        }
    }

    /**
     * A JSON object: the declared properties in declaration order (each optional one may be left out), then,
     * when {@code additional} is not null, further keys whose values match it.
     */
    static final class Obj extends Node {
        final String[] names;
        final Node[] values;
        final boolean[] required;
        /** The declared keys as JSON strings, quotes included; terminal payload = property index. */
        final ByteTrie keys;
        /** Schema of further keys, or null when none may appear. */
        final Node additional;
        /**
         * True for "any object": further keys are any JSON strings (escapes allowed) and are not checked against
         * each other. False: further keys are written without escapes, differ from declared and earlier keys.
         */
        final boolean freeKeys;
        /** 64-bit hashes of the declared names' UTF-8, to keep further keys away from them. */
        final long[] nameHashes;

        Obj(String[] names, Node[] values, boolean[] required, ByteTrie keys, Node additional, boolean freeKeys,
            long[] nameHashes) {
            this.names = names;
            this.values = values;
            this.required = required;
            this.keys = keys;
            this.additional = additional;
            this.freeKeys = freeKeys;
            this.nameHashes = nameHashes;
        }

        /** The first required property at or after {@code next}, or {@code names.length} when none is left. */
        int firstRequiredFrom(int next) {
            for (int i = next; i < required.length; i++) {
                if (required[i]) {
                    return i;
                }
            }
            return required.length;
        }
    }

    /** A JSON array: {@code prefix} items first, then {@code items} (null: no more), with a count range. */
    static final class Arr extends Node {
        final Node[] prefix;
        final Node items;
        final int minItems;
        final int maxItems;

        Arr(Node[] prefix, Node items, int minItems, int maxItems) {
            this.prefix = prefix;
            this.items = items;
            this.minItems = minItems;
            this.maxItems = maxItems;
        }

        /** The schema of item {@code i}, or null if there may be no such item. */
        Node item(int i) {
            if (i >= maxItems) {
                return null;
            }
            return i < prefix.length ? prefix[i] : items;
        }
    }
}
