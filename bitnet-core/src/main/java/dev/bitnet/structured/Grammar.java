package dev.bitnet.structured;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** A compiled response format: the node every generated value must match. Immutable and shareable. */
final class Grammar {
    static final Node.Any ANY = new Node.Any();
    static final Node.Str ANY_STRING = new Node.Str(0, Integer.MAX_VALUE);
    static final Node.Num ANY_NUMBER = new Node.Num(false, Long.MIN_VALUE, Long.MAX_VALUE);
    static final Node.Literal KEYWORDS = literal("true", "false", "null");
    static final Node.Obj ANY_OBJECT = new Node.Obj(new String[0], new Node[0], new boolean[0],
            ByteTrie.of(List.of()), ANY, true, new long[0]);
    static final Node.Arr ANY_ARRAY = new Node.Arr(new Node[0], ANY, 0, Integer.MAX_VALUE);

    static {
        ANY.minDepth = 0;
        ANY_STRING.minDepth = 0;
        ANY_NUMBER.minDepth = 0;
        KEYWORDS.minDepth = 0;
        ANY_OBJECT.minDepth = 1;
        ANY_ARRAY.minDepth = 1;
    }

    static final Grammar JSON_VALUE = new Grammar(ANY);
    static final Grammar JSON_OBJECT = new Grammar(ANY_OBJECT);

    final Node root;

    Grammar(Node root) {
        this.root = root;
    }

    /** The first frame of a parse. */
    Frame start() {
        return new Frame.Start(root, Frame.Done.INSTANCE, 0);
    }

    static Node.Literal literal(String... texts) {
        return new Node.Literal(ByteTrie.of(java.util.Arrays.stream(texts)
                .map(t -> t.getBytes(StandardCharsets.UTF_8)).toList()), 0);
    }
}
