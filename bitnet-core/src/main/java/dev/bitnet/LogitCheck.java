package dev.bitnet;

import dev.bitnet.kernels.FloatMatrix;
import dev.bitnet.model.Weights;

/**
 * Checks the logits generation is about to sample from and, when they are not all finite, looks
 * through the weights the failing token touched to say which tensor is at fault. The check is one
 * pass over {@code vocab} floats per token; the diagnosis runs only on failure.
 */
final class LogitCheck {
    private LogitCheck() {
    }

    /** Throws {@link NonFiniteLogitsException} unless every logit is finite. */
    static void check(float[] logits, int vocab, BitNetModel model, int position, int token) {
        int bad = 0;
        int firstBad = -1;
        for (int i = 0; i < vocab; i++) {
            if (!Float.isFinite(logits[i])) {
                if (bad++ == 0) {
                    firstBad = i;
                }
            }
        }
        if (bad > 0) {
            throw new NonFiniteLogitsException(position, token, bad, vocab, diagnose(model, token, firstBad));
        }
    }

    private static String diagnose(BitNetModel model, int token, int badLogit) {
        // the rows read here live in the mapped file: keep the model from closing meanwhile
        CloseGuard guard = model.guard();
        if (!guard.enter()) {
            return "the model was closed before the weights could be inspected";
        }
        try {
            return diagnose(model.transformer().weights(), token, badLogit);
        } finally {
            guard.exit();
        }
    }

    private static String diagnose(Weights weights, int token, int badLogit) {
        FloatMatrix embedding = weights.embedding();
        if (token >= 0 && token < embedding.rows() && !finiteRow(embedding, token)) {
            return "the embedding row of token " + token + " (tensor " + embedding.name() + ") holds non-finite values";
        }
        FloatMatrix head = weights.output();
        if (badLogit >= 0 && badLogit < head.rows() && !finiteRow(head, badLogit)) {
            return "row " + badLogit + " of the LM head (tensor " + head.name() + ") holds non-finite values";
        }
        return "the hidden state overflowed inside the transformer (huge or non-finite values in the embedding, "
                + "ternary weights or their scales, or degenerate hyperparameters)";
    }

    private static boolean finiteRow(FloatMatrix m, int row) {
        float[] values = new float[m.cols()];
        m.row(row, values, 0);
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
