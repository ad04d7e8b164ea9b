package dev.bitnet.structured;

import dev.bitnet.sampling.Sampler;

import java.util.Objects;

/** A {@link Sampler} that applies a {@link JsonConstraint} to a copy of the logits before the wrapped one picks. */
final class ConstrainedSampler implements Sampler {
    private final JsonConstraint constraint;
    private final Sampler sampler;
    private float[] scratch = new float[0];

    ConstrainedSampler(JsonConstraint constraint, Sampler sampler) {
        this.constraint = Objects.requireNonNull(constraint, "constraint");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
    }

    @Override
    public int sample(float[] logits) {
        if (scratch.length != logits.length) {
            scratch = new float[logits.length];
        }
        System.arraycopy(logits, 0, scratch, 0, logits.length);
        constraint.apply(scratch);
        return sampler.sample(scratch);
    }

    @Override
    public void accept(int tokenId) {
        constraint.accept(tokenId);
        sampler.accept(tokenId);
    }

    @Override
    public void prime(int[] tokenIds) {
        sampler.prime(tokenIds);
    }
}
