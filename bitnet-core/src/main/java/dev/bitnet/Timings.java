package dev.bitnet;

/**
 * Where the time of one generation went.
 *
 * @param loadMillis                 loading the model (0 when it was already loaded)
 * @param promptMillis               evaluating the prompt (prefill)
 * @param promptTokensPerSecond      prompt tokens evaluated per second
 * @param generationMillis           generating the new tokens (decode)
 * @param generationTokensPerSecond  tokens generated per second
 */
public record Timings(double loadMillis, double promptMillis, double promptTokensPerSecond, double generationMillis,
                      double generationTokensPerSecond) {

    /**
     * Timings with the rates computed from counts and durations; a rate is 0 when its duration is not positive.
     */
    public static Timings of(double loadMillis, int promptTokens, double promptMillis, int generatedTokens,
                             double generationMillis) {
        return new Timings(loadMillis, promptMillis, rate(promptTokens, promptMillis), generationMillis,
                rate(generatedTokens, generationMillis));
    }

    private static double rate(int tokens, double millis) {
        return millis > 0 ? tokens * 1000.0 / millis : 0.0;
    }
}
