package dev.bitnet.server;

import org.jetbrains.annotations.Nullable;

/**
 * A request the server refuses, answered with an OpenAI-shaped error body
 * {@code {"error":{"message","type","param","code"}}} and the HTTP status it carries.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final @Nullable String param;
    private final @Nullable String code;

    /**
     * @param status  HTTP status (400, 401, 404, 405, 413, 429, 503 ...)
     * @param type    OpenAI error type, e.g. {@code invalid_request_error}
     * @param param   the request field at fault, or null
     * @param code    a machine-readable code, or null
     * @param message what is wrong, for a person
     */
    public ApiException(int status, String type, @Nullable String param, @Nullable String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    /** A 400 {@code invalid_request_error} naming the field at fault. */
    public static ApiException invalid(@Nullable String param, String message) {
        return new ApiException(400, "invalid_request_error", param, null, message);
    }

    /** A 400 for a field this server does not support (yet): never silently ignored. */
    public static ApiException unsupported(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, "unsupported_parameter", message);
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The OpenAI error type. */
    public String type() {
        return type;
    }

    /** The field at fault, or null. */
    public @Nullable String param() {
        return param;
    }

    /** The machine-readable code, or null. */
    public @Nullable String code() {
        return code;
    }
}
