package dev.bitnet.structured;

import java.util.Arrays;

/**
 * One level of a partial parse of a JSON text: an immutable pushdown-automaton frame whose {@code parent} chain is
 * the rest of the stack. {@link #step} feeds one byte and adds every frame that may follow to a {@link Sink}
 * (none: the byte is not allowed; several: the grammar is ambiguous so far). Frames are records, so equal parses
 * compare equal and are merged.
 *
 * <p>Every frame the matcher keeps can still be completed to a valid value: literals and keys are walked in tries
 * that only contain complete strings, integer bounds are checked for reachability, and branches that could not
 * finish within {@link #MAX_NESTING} are never entered. That is what lets the token mask promise that some token
 * is always allowed.
 */
sealed interface Frame {
    /** The deepest container nesting a generated value may reach. */
    int MAX_NESTING = 64;
    /**
     * Whitespace allowed in one gap between tokens of the JSON text, so a model cannot stall in it: one space or
     * tab, or a newline followed by at most this many spaces or tabs of indentation.
     */
    int MAX_INDENT = 16;
    /** Gap state after a single space: nothing more. */
    int WS_DONE = -1;
    /** Digits allowed in an integer part (integer type: 18, so every value fits a long). */
    int MAX_INT_DIGITS = 18;
    int MAX_NUMBER_INT_DIGITS = 15;
    int MAX_FRACTION_DIGITS = 15;
    int MAX_EXPONENT_DIGITS = 2;

    /** Feeds one byte (0..255); adds the frames that may follow (none when the byte is not allowed here). */
    void step(int b, Sink out);

    /** Whether the whole JSON text may end here. */
    boolean accepting();

    /**
     * The UTF-8 state when this frame is inside a string's plain content (no escape in progress), else -1. In
     * that state any byte run without quote, backslash or control bytes that is well-formed UTF-8 from the state
     * is accepted, which lets the mask take such tokens from a precomputed set.
     */
    default int plainString() {
        return -1;
    }

    /** Characters the current string may still take (meaningful when {@link #plainString()} is not -1). */
    default int charBudget() {
        return Integer.MAX_VALUE;
    }

    static boolean whitespace(int b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /**
     * The gap state after whitespace byte {@code b}, or {@code Integer.MIN_VALUE} if not allowed. Gap states: 0
     * nothing yet, {@link #WS_DONE} after one space or tab, 1 + k after a newline and k indent bytes.
     */
    static int nextWhitespace(int ws, int b) {
        if (ws == 0) {
            return b == '\n' ? 1 : b == ' ' || b == '\t' ? WS_DONE : Integer.MIN_VALUE;
        }
        if (ws >= 1 && ws <= MAX_INDENT && (b == ' ' || b == '\t')) {
            return ws + 1;
        }
        return Integer.MIN_VALUE;
    }

    /** Whether a value of {@code node} may start inside {@code depth} enclosing containers and still finish. */
    static boolean fits(Node node, int depth) {
        return depth + node.minDepth <= MAX_NESTING;
    }

    /** Starts a value of {@code node} with its first byte {@code b}; {@code parent} continues after it. */
    static void start(Node node, Frame parent, int depth, int b, Sink out) {
        if (!fits(node, depth)) {
            return;
        }
        switch (node) {
            case Node.Ref r -> start(r.target, parent, depth, b, out);
            case Node.Choice c -> {
                for (Node option : c.options) {
                    start(option, parent, depth, b, out);
                }
            }
            case Node.Any any -> {
                switch (b) {
                    case '{' -> start(Grammar.ANY_OBJECT, parent, depth, b, out);
                    case '[' -> start(Grammar.ANY_ARRAY, parent, depth, b, out);
                    case '"' -> start(Grammar.ANY_STRING, parent, depth, b, out);
                    case 't', 'f', 'n' -> start(Grammar.KEYWORDS, parent, depth, b, out);
                    default -> start(Grammar.ANY_NUMBER, parent, depth, b, out);
                }
            }
            case Node.Str s -> {
                if (b == '"') {
                    out.add(new Text(parent, s.minLength, s.maxLength, 0, 0, 0, false, 0L));
                }
            }
            case Node.Num n -> Num.begin(n, parent, b, out);
            case Node.Literal l -> {
                int child = l.trie.child(ByteTrie.root(), b);
                if (child >= 0) {
                    out.add(new Lit(parent, l.trie, child));
                }
            }
            case Node.Obj o -> {
                if (b == '{') {
                    out.add(new Obj(parent, o, depth + 1, Obj.OPEN, 0, 0, -1, Obj.NO_KEYS));
                }
            }
            case Node.Arr a -> {
                if (b == '[') {
                    out.add(new Arr(parent, a, depth + 1, Arr.OPEN, 0, 0));
                }
            }
        }
    }

    /** After the whole value: only the end of the text may follow. */
    record Done() implements Frame {
        static final Done INSTANCE = new Done();

        @Override
        public void step(int b, Sink out) {
        }

        @Override
        public boolean accepting() {
            return true;
        }
    }

    /** Before the first byte of a value. */
    record Start(Node node, Frame parent, int depth) implements Frame {
        @Override
        public void step(int b, Sink out) {
            Frame.start(node, parent, depth, b, out);
        }

        @Override
        public boolean accepting() {
            return false;
        }
    }

    /**
     * Inside a string, after the opening quote. {@code escape}: 0 none, 1 after a backslash, 2-5 reading the
     * four hex digits of a backslash-u escape, 6 after a first hex digit D (the next must be 0-7: surrogate
     * escapes are refused, so every escape is one whole character). With {@code extraKey} the string is a
     * further object key: no escapes, and its 64-bit hash is checked against the object's other keys on close.
     */
    record Text(Frame parent, int minLength, int maxLength, int chars, int utf8, int escape, boolean extraKey,
                long hash) implements Frame {
        /** {@link #next} result: the byte is not allowed. */
        static final long DEAD = -1;
        /** {@link #next} result: the byte closes the string. */
        static final long CLOSED = -2;

        @Override
        public void step(int b, Sink out) {
            if (extraKey) {
                stepExtraKey(b, out);
                return;
            }
            long n = next(escape, utf8, chars, minLength, maxLength, b);
            if (n == CLOSED) {
                out.add(parent);
            } else if (n != DEAD) {
                out.add(new Text(parent, minLength, maxLength, chars(n), utf8(n), escape(n), false, 0L));
            }
        }

        private void stepExtraKey(int b, Sink out) {
            if (b == '\\') {
                return;
            }
            long n = next(escape, utf8, chars, minLength, maxLength, b);
            if (n == CLOSED) {
                Frame after = ((Obj) parent).afterExtraKey(hash);
                if (after != null) {
                    out.add(after);
                }
            } else if (n != DEAD) {
                out.add(new Text(parent, minLength, maxLength, chars(n), utf8(n), escape(n), true,
                        Obj.hashByte(hash, b)));
            }
        }

        /**
         * The string automaton on plain numbers, shared by {@link #step} and the allocation-free walk of the
         * mask: the next (escape, UTF-8 state, characters) packed as {@code escape | utf8 << 3 | chars << 6},
         * or {@link #DEAD}, or {@link #CLOSED}.
         */
        static long next(int escape, int utf8, int chars, int minLength, int maxLength, int b) {
            if (escape != 0) {
                int e = nextEscape(escape, b);
                return e < 0 ? DEAD : pack(e, 0, chars);
            }
            if (utf8 != 0) {
                int u = Utf8Step.next(utf8, b);
                return u < 0 ? DEAD : pack(0, u, chars);
            }
            if (b == '"') {
                return chars >= minLength ? CLOSED : DEAD;
            }
            if (chars >= maxLength || b < 0x20) {
                return DEAD;
            }
            if (b == '\\') {
                return pack(1, 0, chars + 1);
            }
            int u = Utf8Step.next(0, b);
            return u < 0 ? DEAD : pack(0, u, chars + 1);
        }

        static long pack(int escape, int utf8, int chars) {
            return escape | (long) utf8 << 3 | (long) chars << 6;
        }

        static int escape(long packed) {
            return (int) (packed & 7);
        }

        static int utf8(long packed) {
            return (int) (packed >>> 3 & 7);
        }

        static int chars(long packed) {
            return (int) (packed >>> 6);
        }

        private static int nextEscape(int escape, int b) {
            return switch (escape) {
                case 1 -> b == 'u' ? 2 : b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n'
                        || b == 'r' || b == 't' ? 0 : -1;
                case 2 -> b == 'd' || b == 'D' ? 6 : hex(b) ? 3 : -1;
                case 6 -> b >= '0' && b <= '7' ? 4 : -1;
                case 3 -> hex(b) ? 4 : -1;
                case 4 -> hex(b) ? 5 : -1;
                case 5 -> hex(b) ? 0 : -1;
                default -> throw new IllegalStateException("escape state " + escape);
            };
        }

        private static boolean hex(int b) {
            return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' || b >= 'A' && b <= 'F';
        }

        @Override
        public boolean accepting() {
            return false;
        }

        @Override
        public int plainString() {
            return escape == 0 ? utf8 : -1;
        }

        @Override
        public int charBudget() {
            return maxLength - chars;
        }
    }

    /** Inside a number; the phase says which part of {@code -?int(.frac)?([eE][+-]?exp)?} comes next. */
    record Num(Frame parent, Node.Num spec, int phase, boolean negative, long magnitude, int intDigits,
               int fracDigits, int expDigits) implements Frame {
        static final int MINUS = 1;
        static final int ZERO = 2;
        static final int INT = 3;
        static final int DOT = 4;
        static final int FRAC = 5;
        static final int E = 6;
        static final int E_SIGN = 7;
        static final int EXP = 8;

        static void begin(Node.Num spec, Frame parent, int b, Sink out) {
            if (b == '-') {
                if (!spec.integer || reachable(spec, true, 0, 0)) {
                    out.add(new Num(parent, spec, MINUS, true, 0, 0, 0, 0));
                }
            } else if (b >= '0' && b <= '9') {
                int d = b - '0';
                if (!spec.integer || reachable(spec, false, d, 1)) {
                    out.add(new Num(parent, spec, d == 0 ? ZERO : INT, false, d, 1, 0, 0));
                }
            }
        }

        @Override
        public void step(int b, Sink out) {
            if (!consume(b, out) && complete()) {
                parent.step(b, out);
            }
        }

        private boolean consume(int b, Sink out) {
            boolean digit = b >= '0' && b <= '9';
            int d = b - '0';
            switch (phase) {
                case MINUS -> {
                    if (digit && (!spec.integer || reachable(spec, true, d, 1))) {
                        out.add(new Num(parent, spec, d == 0 ? ZERO : INT, true, d, 1, 0, 0));
                        return true;
                    }
                    return false;
                }
                case INT -> {
                    if (digit) {
                        int limit = spec.integer ? MAX_INT_DIGITS : MAX_NUMBER_INT_DIGITS;
                        long m = magnitude * 10 + d;
                        if (intDigits < limit && (!spec.integer || reachable(spec, negative, m, intDigits + 1))) {
                            out.add(new Num(parent, spec, INT, negative, m, intDigits + 1, 0, 0));
                            return true;
                        }
                        return false;
                    }
                    return fractionOrExponent(b, out);
                }
                case ZERO -> {
                    return fractionOrExponent(b, out);
                }
                case DOT, FRAC -> {
                    if (digit && fracDigits < MAX_FRACTION_DIGITS) {
                        out.add(new Num(parent, spec, FRAC, negative, magnitude, intDigits, fracDigits + 1, 0));
                        return true;
                    }
                    if (phase == FRAC && (b == 'e' || b == 'E')) {
                        out.add(new Num(parent, spec, E, negative, magnitude, intDigits, fracDigits, 0));
                        return true;
                    }
                    return false;
                }
                case E -> {
                    if (b == '+' || b == '-') {
                        out.add(new Num(parent, spec, E_SIGN, negative, magnitude, intDigits, fracDigits, 0));
                        return true;
                    }
                    return exponentDigit(digit, out);
                }
                case E_SIGN, EXP -> {
                    return exponentDigit(digit, out);
                }
                default -> throw new IllegalStateException("number phase " + phase);
            }
        }

        private boolean fractionOrExponent(int b, Sink out) {
            if (spec.integer) {
                return false;
            }
            if (b == '.') {
                out.add(new Num(parent, spec, DOT, negative, magnitude, intDigits, 0, 0));
                return true;
            }
            if (b == 'e' || b == 'E') {
                out.add(new Num(parent, spec, E, negative, magnitude, intDigits, 0, 0));
                return true;
            }
            return false;
        }

        private boolean exponentDigit(boolean digit, Sink out) {
            if (digit && expDigits < MAX_EXPONENT_DIGITS) {
                out.add(new Num(parent, spec, EXP, negative, magnitude, intDigits, fracDigits, expDigits + 1));
                return true;
            }
            return false;
        }

        boolean complete() {
            if (phase != ZERO && phase != INT && phase != FRAC && phase != EXP) {
                return false;
            }
            if (!spec.integer) {
                return true;
            }
            long v = negative ? -magnitude : magnitude;
            return v >= spec.min && v <= spec.max;
        }

        @Override
        public boolean accepting() {
            return complete() && parent.accepting();
        }

        /**
         * Whether an integer that starts with these digits (sign, magnitude so far, how many digits) can still
         * end inside the bounds: each count of further digits gives a contiguous range of values to test.
         */
        static boolean reachable(Node.Num spec, boolean negative, long magnitude, int digits) {
            if (digits >= 1 && magnitude == 0) {
                return 0 >= spec.min && 0 <= spec.max;
            }
            if (digits == 0) {
                long top = POW10[MAX_INT_DIGITS] - 1;
                return overlaps(spec, negative, 0, top);
            }
            for (int more = 0; more <= MAX_INT_DIGITS - digits; more++) {
                long lo = magnitude * POW10[more];
                long hi = lo + POW10[more] - 1;
                if (overlaps(spec, negative, lo, hi)) {
                    return true;
                }
            }
            return false;
        }

        private static boolean overlaps(Node.Num spec, boolean negative, long lo, long hi) {
            long vlo = negative ? -hi : lo;
            long vhi = negative ? -lo : hi;
            return vlo <= spec.max && vhi >= spec.min;
        }

        private static final long[] POW10 = new long[MAX_INT_DIGITS + 1];

        static {
            POW10[0] = 1;
            for (int i = 1; i < POW10.length; i++) {
                POW10[i] = POW10[i - 1] * 10;
            }
        }
    }

    /** Inside a literal (enum, const, true/false/null), at a node of its trie. */
    record Lit(Frame parent, ByteTrie trie, int node) implements Frame {
        @Override
        public void step(int b, Sink out) {
            int child = trie.child(node, b);
            if (child >= 0) {
                out.add(new Lit(parent, trie, child));
            }
            if (trie.payload(node) >= 0) {
                // a literal that ends here (a number such as 1 while 12 is also allowed): the byte follows it
                parent.step(b, out);
            }
        }

        @Override
        public boolean accepting() {
            return trie.payload(node) >= 0 && parent.accepting();
        }
    }

    /** Inside a declared key of {@code object}, at a node of the key trie; only properties lo..hi may come. */
    record Key(Obj object, int node, int lo, int hi) implements Frame {
        @Override
        public void step(int b, Sink out) {
            ByteTrie keys = object.node().keys;
            int child = keys.child(node, b);
            if (child < 0 || !object.anyViable(child, lo, hi)) {
                return;
            }
            int property = keys.payload(child);
            if (property >= 0) {
                // keys are JSON strings: the one that ends here ends with its closing quote and nothing extends it
                out.add(object.afterKey(property));
            } else {
                out.add(new Key(object, child, lo, hi));
            }
        }

        @Override
        public boolean accepting() {
            return false;
        }
    }

    /** Inside an object; {@code next} is the first declared property that may still come. */
    record Obj(Frame parent, Node.Obj node, int depth, int phase, int next, int ws, int pending, long[] used)
            implements Frame {
        static final int OPEN = 0;
        static final int KEY = 1;
        static final int COLON = 2;
        static final int VALUE = 3;
        static final int AFTER = 4;
        static final long[] NO_KEYS = new long[0];

        @Override
        public void step(int b, Sink out) {
            if (whitespace(b)) {
                int w = nextWhitespace(ws, b);
                if (w != Integer.MIN_VALUE) {
                    out.add(new Obj(parent, node, depth, phase, next, w, pending, used));
                }
                return;
            }
            switch (phase) {
                case OPEN -> {
                    if (b == '}' && canClose()) {
                        out.add(parent);
                    } else if (b == '"') {
                        startKey(out);
                    }
                }
                case KEY -> {
                    if (b == '"') {
                        startKey(out);
                    }
                }
                case COLON -> {
                    if (b == ':') {
                        out.add(new Obj(parent, node, depth, VALUE, next, 0, pending, used));
                    }
                }
                case VALUE -> {
                    Node value = pending >= 0 ? node.values[pending] : node.additional;
                    Frame.start(value, new Obj(parent, node, depth, AFTER, next, 0, -1, used), depth, b, out);
                }
                case AFTER -> {
                    if (b == ',' && canContinue()) {
                        out.add(new Obj(parent, node, depth, KEY, next, 0, -1, used));
                    } else if (b == '}' && canClose()) {
                        out.add(parent);
                    }
                }
                default -> throw new IllegalStateException("object phase " + phase);
            }
        }

        private boolean canClose() {
            return node.firstRequiredFrom(next) == node.names.length;
        }

        /** The last declared property that may come next: skipping past a required one is not allowed. */
        private int lastChoosable() {
            return Math.min(node.firstRequiredFrom(next), node.names.length - 1);
        }

        private boolean extrasAllowed() {
            return node.additional != null && canClose() && fits(node.additional, depth);
        }

        private boolean canContinue() {
            for (int i = next, hi = lastChoosable(); i <= hi; i++) {
                if (fits(node.values[i], depth)) {
                    return true;
                }
            }
            return extrasAllowed();
        }

        /** Whether a property in lo..hi whose value still fits the nesting limit has its key below trie node n. */
        boolean anyViable(int n, int lo, int hi) {
            if (!node.keys.reaches(n, lo, hi)) {
                return false;
            }
            int[] below = node.keys.payloadsBelow(n);
            int i = Arrays.binarySearch(below, lo);
            for (i = i >= 0 ? i : -i - 1; i < below.length && below[i] <= hi; i++) {
                if (fits(node.values[below[i]], depth)) {
                    return true;
                }
            }
            return false;
        }

        private void startKey(Sink out) {
            int lo = next;
            int hi = lastChoosable();
            if (lo <= hi) {
                int child = node.keys.child(ByteTrie.root(), '"');
                if (child >= 0 && anyViable(child, lo, hi)) {
                    out.add(new Key(this, child, lo, hi));
                }
            }
            if (extrasAllowed()) {
                if (node.freeKeys) {
                    Obj after = new Obj(parent, node, depth, COLON, next, 0, -1, used);
                    out.add(new Text(after, 0, Integer.MAX_VALUE, 0, 0, 0, false, 0L));
                } else {
                    out.add(new Text(this, 0, Integer.MAX_VALUE, 0, 0, 0, true, FNV_OFFSET));
                }
            }
        }

        Obj afterKey(int property) {
            return new Obj(parent, node, depth, COLON, property + 1, 0, property, used);
        }

        /** After a further key with this hash: null if it repeats a declared or an earlier key. */
        Obj afterExtraKey(long hash) {
            for (long h : node.nameHashes) {
                if (h == hash) {
                    return null;
                }
            }
            for (long h : used) {
                if (h == hash) {
                    return null;
                }
            }
            long[] more = Arrays.copyOf(used, used.length + 1);
            more[used.length] = hash;
            return new Obj(parent, node, depth, COLON, node.names.length, 0, -1, more);
        }

        @Override
        public boolean accepting() {
            return false;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Obj x && x.node == node && x.depth == depth && x.phase == phase && x.next == next
                    && x.ws == ws && x.pending == pending && Arrays.equals(x.used, used) && x.parent.equals(parent);
        }

        @Override
        public int hashCode() {
            return ((((System.identityHashCode(node) * 31 + phase) * 31 + next) * 31 + ws) * 31 + pending) * 31
                    + Arrays.hashCode(used) + parent.hashCode() * 17;
        }

        static final long FNV_OFFSET = 0xcbf29ce484222325L;

        static long hashByte(long hash, int b) {
            return (hash ^ (b & 0xff)) * 0x100000001b3L;
        }

        static long hash(byte[] utf8) {
            long h = FNV_OFFSET;
            for (byte b : utf8) {
                h = hashByte(h, b);
            }
            return h;
        }
    }

    /** Inside an array holding {@code count} items so far. */
    record Arr(Frame parent, Node.Arr node, int depth, int phase, int count, int ws) implements Frame {
        static final int OPEN = 0;
        static final int AFTER = 1;
        static final int COMMA = 2;

        @Override
        public void step(int b, Sink out) {
            if (whitespace(b)) {
                int w = nextWhitespace(ws, b);
                if (w != Integer.MIN_VALUE) {
                    out.add(new Arr(parent, node, depth, phase, count, w));
                }
                return;
            }
            switch (phase) {
                case OPEN -> {
                    if (b == ']' && node.minItems == 0) {
                        out.add(parent);
                    } else {
                        startItem(b, out);
                    }
                }
                case AFTER -> {
                    if (b == ',' && canAdd()) {
                        out.add(new Arr(parent, node, depth, COMMA, count, 0));
                    } else if (b == ']' && count >= node.minItems) {
                        out.add(parent);
                    }
                }
                case COMMA -> startItem(b, out);
                default -> throw new IllegalStateException("array phase " + phase);
            }
        }

        private boolean canAdd() {
            Node item = node.item(count);
            return item != null && fits(item, depth);
        }

        private void startItem(int b, Sink out) {
            Node item = node.item(count);
            if (item != null) {
                Frame.start(item, new Arr(parent, node, depth, AFTER, count + 1, 0), depth, b, out);
            }
        }

        @Override
        public boolean accepting() {
            return false;
        }
    }
}
