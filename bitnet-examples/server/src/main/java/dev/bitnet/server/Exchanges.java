package dev.bitnet.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reading requests and writing JSON responses on the JDK's {@link HttpExchange}. */
final class Exchanges {
    private Exchanges() {
    }

    /** Something that writes one JSON value. */
    @FunctionalInterface
    interface JsonBody {
        void write(JsonGenerator g) throws IOException;
    }

    /** One JSON value as UTF-8 bytes. */
    static byte[] json(JsonBody body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        try (JsonGenerator g = JsonTree.factory().createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * The request body, at most {@code limit} bytes.
     *
     * @throws ApiException 413 when the body is larger
     */
    static byte[] readBody(HttpExchange ex, int limit) throws IOException {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw ApiException.invalid(null, "bad Content-Length header '" + length + "'");
            }
            if (declared > limit) {
                throw tooLarge(limit);
            }
        }
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                throw tooLarge(limit);
            }
            return body;
        }
    }

    private static ApiException tooLarge(int limit) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body is larger than " + limit + " bytes");
    }

    static void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        }
    }

    static void sendJson(HttpExchange ex, int status, byte[] body) throws IOException {
        send(ex, status, "application/json", body);
    }

    static void sendText(HttpExchange ex, int status, String contentType, String text) throws IOException {
        send(ex, status, contentType, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The OpenAI error body: {@code {"error":{"message","type","param","code"}}}. */
    static byte[] errorBody(ApiException e) {
        return json(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeStringField("message", e.getMessage());
            g.writeStringField("type", e.type());
            if (e.param() == null) {
                g.writeNullField("param");
            } else {
                g.writeStringField("param", e.param());
            }
            if (e.code() == null) {
                g.writeNullField("code");
            } else {
                g.writeStringField("code", e.code());
            }
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    static void sendError(HttpExchange ex, ApiException e) throws IOException {
        if (e.status() == 429 || e.status() == 503) {
            ex.getResponseHeaders().set("Retry-After", "1");
        }
        if (e.status() == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        sendJson(ex, e.status(), errorBody(e));
    }
}
