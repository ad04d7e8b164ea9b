package dev.bitnet.cli;

/** A command line that cannot be run as written: unknown flag, missing value, bad number. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
