package dev.bitnet.sampling;

/** Picks the candidate with the highest logit; among equal logits the lowest token id. Stateless. */
public final class GreedySelector implements TokenSelector {
    @Override
    public int select(Candidates candidates) {
        int best = candidates.bestIndex();
        if (best < 0) {
            throw new IllegalStateException(nothingToPick(candidates));
        }
        return candidates.tokenId(best);
    }

    static String nothingToPick(Candidates candidates) {
        return candidates.size() == 0
                ? "no candidate token is left to sample from"
                : "every one of the " + candidates.size() + " candidate tokens has logit -Infinity (check the logit bias)";
    }
}
