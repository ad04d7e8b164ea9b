package dev.bitnet.sampling;

/**
 * Divides every logit by the temperature: below 1 sharpens the distribution, above 1 flattens it. A temperature
 * of 0 keeps only the best candidate (lowest id on ties), which makes the draw that follows greedy. Stateless.
 */
public final class Temperature implements LogitsProcessor {
    private final float temperature;

    /** @throws IllegalArgumentException if the temperature is negative, NaN or infinite */
    public Temperature(double temperature) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        this.temperature = (float) temperature;
    }

    @Override
    public void apply(Candidates candidates) {
        if (temperature == 0f) {
            candidates.keepTop(1);
            return;
        }
        for (int i = 0, n = candidates.size(); i < n; i++) {
            candidates.setLogit(i, candidates.logit(i) / temperature);
        }
    }
}
