package dev.bitnet;

/**
 * The model produced logits that are NaN or infinite, so no token can be sampled. A trained model
 * never does this: the file holds bad values in a tensor that is too large to check at load (the
 * embedding, the LM head, the packed ternary weights) or hyperparameters that overflow the forward
 * pass. The message names the position, the token and, where it can be found, the tensor at fault.
 * Thrown by generation ({@link BitNetModel#generate}, {@link TokenStream}, {@link Chat}); the session
 * keeps the tokens up to and including {@link #position()}.
 */
public final class NonFiniteLogitsException extends BitNetException {
    private static final long serialVersionUID = 1L;

    private final int position;
    private final int token;
    private final int nonFinite;

    /**
     * @param position  the position of the token whose logits are bad
     * @param token     that token's id
     * @param nonFinite how many of the logits are NaN or infinite
     * @param vocab     how many logits there are
     * @param cause     what the model's weights show, in words (which tensor holds bad values)
     */
    public NonFiniteLogitsException(int position, int token, int nonFinite, int vocab, String cause) {
        super(nonFinite + " of the " + vocab + " logits after token " + token + " at position " + position
                + " are NaN or infinite: " + cause);
        this.position = position;
        this.token = token;
        this.nonFinite = nonFinite;
    }

    /** The position of the token whose logits are bad. */
    public int position() {
        return position;
    }

    /** The token at {@link #position()}. */
    public int token() {
        return token;
    }

    /** How many logits are NaN or infinite. */
    public int nonFiniteCount() {
        return nonFinite;
    }
}
