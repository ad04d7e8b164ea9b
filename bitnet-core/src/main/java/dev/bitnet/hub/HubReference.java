package dev.bitnet.hub;

import org.jetbrains.annotations.Nullable;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A model on the Hugging Face Hub: {@code hf://ORG/REPO} (a checkpoint directory) or
 * {@code hf://ORG/REPO/PATH} (one file, e.g. a GGUF), each optionally pinned with {@code @REVISION}
 * after the repository ({@code hf://ORG/REPO@v1.0/model.gguf}). A revision is a branch, a tag or a
 * 40-hex commit; one that contains {@code /} (such as {@code refs/pr/1}) is written with {@code %2F}.
 *
 * <p>The repository id and the path are validated here, before anything touches the network or the
 * disk: a path segment {@code ..} or {@code .}, an empty segment, a backslash or a control character
 * is rejected, so a reference can never name a file outside its snapshot directory.
 *
 * @param repo     {@code ORG/NAME}
 * @param revision branch, tag or commit; {@code main} when the reference names none
 * @param path     the file inside the repository, or {@code null} for the whole checkpoint
 */
public record HubReference(String repo, String revision, @Nullable String path) {
    /** The URI scheme of a Hub reference. */
    public static final String SCHEME = "hf://";
    /** The revision used when a reference names none. */
    public static final String DEFAULT_REVISION = "main";

    private static final Pattern REPO_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");
    private static final int MAX_PATH = 1024;

    public HubReference {
        Objects.requireNonNull(repo, "repo");
        Objects.requireNonNull(revision, "revision");
        checkRepo(repo);
        checkRevision(revision);
        if (path != null) {
            checkPath(path, "path");
        }
    }

    /** Whether the text is meant as a Hub reference (starts with {@code hf://}), valid or not. */
    public static boolean isHubReference(String text) {
        return text != null && text.regionMatches(true, 0, SCHEME, 0, SCHEME.length());
    }

    /**
     * Parses {@code hf://ORG/REPO[@REV][/PATH]}.
     *
     * @throws IllegalArgumentException naming what is wrong with the reference
     */
    public static HubReference parse(String text) {
        Objects.requireNonNull(text, "text");
        if (!isHubReference(text)) {
            throw new IllegalArgumentException("not a Hub reference (hf://ORG/REPO[@REVISION][/PATH]): " + text);
        }
        String rest = text.substring(SCHEME.length());
        int slash = rest.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("a Hub reference needs ORG/REPO: " + text);
        }
        int end = rest.indexOf('/', slash + 1);
        String repoPart = end < 0 ? rest : rest.substring(0, end);
        String path = end < 0 || end == rest.length() - 1 ? null : rest.substring(end + 1);
        String revision = DEFAULT_REVISION;
        int at = repoPart.indexOf('@');
        if (at >= 0) {
            revision = repoPart.substring(at + 1).replace("%2F", "/").replace("%2f", "/");
            repoPart = repoPart.substring(0, at);
            if (revision.isEmpty()) {
                throw new IllegalArgumentException("empty revision after '@' in " + text);
            }
        }
        try {
            return new HubReference(repoPart, revision, path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " in " + text, e);
        }
    }

    /** The file inside the repository, if the reference names one. */
    public Optional<String> file() {
        return Optional.ofNullable(path);
    }

    /** Whether the revision is a full commit hash (then no ref is read or written). */
    public boolean pinnedToCommit() {
        return isCommit(revision);
    }

    /** The same repository and revision, another file. */
    public HubReference withPath(@Nullable String newPath) {
        return new HubReference(repo, revision, newPath);
    }

    /** The same repository and file at another revision. */
    public HubReference withRevision(String newRevision) {
        return new HubReference(repo, newRevision, path);
    }

    static boolean isCommit(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    @Override
    public String toString() {
        String rev = revision.equals(DEFAULT_REVISION) ? "" : "@" + revision.replace("/", "%2F");
        return SCHEME + repo + rev + (path == null ? "" : "/" + path);
    }

    private static void checkRepo(String repo) {
        String[] parts = repo.split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("repository id must be ORG/NAME, got '" + repo + "'");
        }
        for (String p : parts) {
            if (!REPO_PART.matcher(p).matches() || p.contains("--") || p.contains("..")) {
                throw new IllegalArgumentException("invalid repository id '" + repo
                        + "' (letters, digits, '-', '_', '.'; no '--' or '..'; at most 96 characters per part)");
            }
        }
    }

    private static void checkRevision(String revision) {
        checkPath(revision, "revision");
    }

    /** Rejects anything that could leave the directory it is resolved against. */
    static void checkPath(String path, String what) {
        if (path.isEmpty() || path.length() > MAX_PATH) {
            throw new IllegalArgumentException(what + " must have 1 to " + MAX_PATH + " characters");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '\\') {
                throw new IllegalArgumentException(what + " '" + printable(path) + "' contains a control character or a backslash");
            }
        }
        if (path.startsWith("/")) {
            throw new IllegalArgumentException(what + " '" + path + "' must be relative");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException(what + " '" + path + "' has an empty, '.' or '..' segment");
            }
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c == 0x7f ? String.format(Locale.ROOT, "\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
