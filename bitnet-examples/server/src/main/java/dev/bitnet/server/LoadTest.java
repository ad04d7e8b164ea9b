package dev.bitnet.server;

import org.jetbrains.annotations.Nullable;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A load generator for an OpenAI-compatible server: {@code clients} concurrent clients send {@code requests}
 * streamed chat completions in all, and it measures requests per second, time to first token and total
 * latency (p50, p99), aggregate generated tokens per second, and errors. Each request has its own seed, so a
 * run is repeatable.
 *
 * @param url       the server's base URL, e.g. {@code http://127.0.0.1:8080}
 * @param clients   concurrent clients
 * @param requests  requests in all
 * @param maxTokens {@code max_tokens} of each request
 * @param prompt    the user message
 * @param apiKey    Bearer key, or null
 */
public record LoadTest(String url, int clients, int requests, int maxTokens, String prompt, @Nullable String apiKey) {
    /** @throws IllegalArgumentException naming the first value out of range */
    public LoadTest {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(prompt, "prompt");
        if (clients < 1 || requests < 1 || maxTokens < 1) {
            throw new IllegalArgumentException("clients, requests and maxTokens must be at least 1, got "
                    + clients + ", " + requests + ", " + maxTokens);
        }
        url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /**
     * What a run measured.
     *
     * @param requests       requests sent
     * @param errors         requests that failed (status other than 200, broken stream, no usage)
     * @param seconds        wall time of the run
     * @param tokens         generated tokens in all (from the usage chunks)
     * @param ttftP50Ms      median time to the first content token
     * @param ttftP99Ms      99th percentile time to the first content token
     * @param latencyP50Ms   median time to the end of the stream
     * @param latencyP99Ms   99th percentile time to the end of the stream
     * @param firstError     the first error seen, or null
     */
    public record Result(int clients, int requests, int errors, double seconds, long tokens, double ttftP50Ms,
                         double ttftP99Ms, double latencyP50Ms, double latencyP99Ms, @Nullable String firstError) {
        /** Requests finished per second. */
        public double requestsPerSecond() {
            return seconds > 0 ? (requests - errors) / seconds : 0;
        }

        /** Generated tokens per second, all clients together. */
        public double tokensPerSecond() {
            return seconds > 0 ? tokens / seconds : 0;
        }

        /** One line of JSON. */
        public String toJson() {
            return String.format(Locale.ROOT, "{\"clients\":%d,\"requests\":%d,\"errors\":%d,\"seconds\":%.3f,"
                            + "\"requests_per_second\":%.3f,\"tokens\":%d,\"tokens_per_second\":%.2f,\"ttft_p50_ms\":%.1f,"
                            + "\"ttft_p99_ms\":%.1f,\"latency_p50_ms\":%.1f,\"latency_p99_ms\":%.1f}",
                    clients, requests, errors, seconds, requestsPerSecond(), tokens, tokensPerSecond(), ttftP50Ms,
                    ttftP99Ms, latencyP50Ms, latencyP99Ms);
        }

        /** A few lines for people. */
        public String toText() {
            return String.format(Locale.ROOT, "clients %d, requests %d, errors %d, %.2f s%n"
                            + "requests/s %.2f, generated tokens %d, tokens/s %.1f (all clients)%n"
                            + "time to first token p50 %.1f ms, p99 %.1f ms%nlatency p50 %.1f ms, p99 %.1f ms",
                    clients, requests, errors, seconds, requestsPerSecond(), tokens, tokensPerSecond(), ttftP50Ms,
                    ttftP99Ms, latencyP50Ms, latencyP99Ms)
                    + (firstError == null ? "" : System.lineSeparator() + "first error: " + firstError);
        }
    }

    private record One(double ttftMs, double latencyMs, long tokens, @Nullable String error) {
    }

    /** Runs the load and waits for every request. */
    public Result run() throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        AtomicInteger next = new AtomicInteger();
        List<One> results = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                running.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < requests) {
                        results.add(one(http, i));
                    }
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException(e.getCause());
                }
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        List<One> ok = results.stream().filter(r -> r.error == null).toList();
        String firstError = results.stream().map(One::error).filter(Objects::nonNull).findFirst().orElse(null);
        double[] ttft = ok.stream().mapToDouble(One::ttftMs).filter(v -> v >= 0).sorted().toArray();
        double[] latency = ok.stream().mapToDouble(One::latencyMs).sorted().toArray();
        return new Result(clients, requests, requests - ok.size(), seconds, ok.stream().mapToLong(One::tokens).sum(),
                percentile(ttft, 50), percentile(ttft, 99), percentile(latency, 50), percentile(latency, 99), firstError);
    }

    /** Nearest-rank percentile of sorted values; 0 for none. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private One one(HttpClient http, int index) {
        String body = "{\"model\":\"any\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"seed\":" + index
                + ",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + quote(prompt) + "}]}";
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                .header("Content-Type", "application/json").timeout(Duration.ofMinutes(10))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        long start = System.nanoTime();
        try {
            HttpResponse<java.io.InputStream> r = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                if (r.statusCode() != 200) {
                    return new One(0, 0, 0, "HTTP " + r.statusCode() + ": " + in.lines().reduce("", String::concat));
                }
                double ttft = -1;
                long tokens = -1;
                boolean done = false;
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.startsWith("data: ")) {
                        continue;
                    }
                    String data = line.substring(6);
                    if (data.equals("[DONE]")) {
                        done = true;
                        break;
                    }
                    Object chunk = JsonTree.parse(data.getBytes(StandardCharsets.UTF_8));
                    if (!(chunk instanceof Map<?, ?> m)) {
                        continue;
                    }
                    if (m.get("error") != null) {
                        return new One(0, 0, 0, "stream error: " + data);
                    }
                    if (ttft < 0 && hasContent(m)) {
                        ttft = (System.nanoTime() - start) / 1e6;
                    }
                    if (m.get("usage") instanceof Map<?, ?> usage && usage.get("completion_tokens") instanceof Long t) {
                        tokens = t;
                    }
                }
                double latency = (System.nanoTime() - start) / 1e6;
                if (!done || tokens < 0) {
                    return new One(0, 0, 0, done ? "no usage chunk" : "the stream ended without [DONE]");
                }
                return new One(ttft, latency, tokens, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new One(0, 0, 0, "interrupted");
        } catch (Exception e) {
            return new One(0, 0, 0, e.toString());
        }
    }

    private static boolean hasContent(Map<?, ?> chunk) {
        if (chunk.get("choices") instanceof List<?> choices && !choices.isEmpty()
                && choices.get(0) instanceof Map<?, ?> choice && choice.get("delta") instanceof Map<?, ?> delta) {
            return delta.get("content") instanceof String s && !s.isEmpty();
        }
        return false;
    }

    private static String quote(String s) {
        return new String(Exchanges.json(g -> g.writeString(s)), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "LoadTest" + Arrays.asList(url, clients, requests, maxTokens);
    }
}
