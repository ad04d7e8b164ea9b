package dev.bitnet.hub;

/**
 * What a HEAD on {@code resolve/REV/PATH} says about a file.
 *
 * @param commit the commit the revision resolved to ({@code X-Repo-Commit})
 * @param etag   the blob's name: {@code X-Linked-Etag} or {@code ETag}, without {@code W/} and quotes
 * @param size   {@code X-Linked-Size} or {@code Content-Length}
 */
record FileMetadata(String commit, String etag, long size) {
    /** Whether the ETag is a sha256 (an LFS file) the content can be checked against. */
    boolean sha256() {
        return etag.length() == 64 && etag.chars().allMatch(FileMetadata::hex);
    }

    /** Whether the ETag is a git blob sha1 (a regular file). */
    boolean gitSha1() {
        return etag.length() == 40 && etag.chars().allMatch(FileMetadata::hex);
    }

    private static boolean hex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    }
}
