package dev.bitnet.sampling;

/** The last step of a {@link SamplerChain}: picks one token from the candidates the stages left. */
@FunctionalInterface
public interface TokenSelector {
    /**
     * Picks a token.
     *
     * @return the chosen token id (not its position)
     * @throws IllegalStateException if no candidate can be picked (none left, or all at negative infinity)
     */
    int select(Candidates candidates);
}
