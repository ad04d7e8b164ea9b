package dev.bitnet.server;

import com.sun.net.httpserver.HttpExchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The browser chat page served at {@code GET /}: one static HTML file with its CSS and plain
 * JavaScript inline, packaged in this jar, that talks to this server's own
 * {@code /v1/chat/completions} (SSE) and {@code /v1/models}. It is open like {@code /health}: the page
 * holds no data, and asks for the API key itself when the server has one.
 */
final class ChatPage {
    private static final String RESOURCE = "/dev/bitnet/server/chat.html";
    /** The page never loads anything from elsewhere, and no other site may frame it. */
    private static final String POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final byte[] html;

    private ChatPage(byte[] html) {
        this.html = html;
    }

    /** Reads the page from the class path once. */
    static ChatPage load() {
        try (InputStream in = ChatPage.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the chat page " + RESOURCE + " is missing from the class path");
            }
            return new ChatPage(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the chat page " + RESOURCE, e);
        }
    }

    /** Sends the page (a HEAD gets the headers only). */
    void send(HttpExchange ex) throws IOException {
        var headers = ex.getResponseHeaders();
        headers.set("Content-Security-Policy", POLICY);
        headers.set("X-Content-Type-Options", "nosniff");
        headers.set("Cache-Control", "no-cache");
        if (ex.getRequestMethod().equals("HEAD")) {
            headers.set("Content-Type", "text/html; charset=utf-8");
            ex.sendResponseHeaders(200, -1);
            ex.close();
            return;
        }
        Exchanges.send(ex, 200, "text/html; charset=utf-8", html);
    }
}
