package dev.bitnet.model;

import java.util.Locale;
import java.util.Optional;

/**
 * The transformer variants bitnet-java runs. They share one forward pass and differ in the FFN
 * activation, the presence of the BitNet sub-norms and the RoPE pairing.
 */
public enum Architecture {
    /**
     * Microsoft BitNet b1.58 2B-4T ({@code bitnet-b1.58}, also written {@code bitnet-25}): relu² FFN,
     * sub-norms before o_proj and down_proj, NeoX RoPE, tied LM head.
     */
    BITNET_B158("bitnet-b1.58", Activation.RELU_SQUARED, true, RopeStyle.NEOX),
    /** 1bitLLM BitNet b1.58 ({@code bitnet}): like {@link #BITNET_B158} with a SiLU FFN and optional per-tensor output scales. */
    BITNET("bitnet", Activation.SILU, true, RopeStyle.NEOX),
    /**
     * A LLaMA model with ternary linear layers (Falcon3-1.58bit, Llama3-8B-1.58): SiLU FFN, no sub-norms,
     * and Q/K rows permuted by the converter for interleaved RoPE.
     */
    LLAMA("llama", Activation.SILU, false, RopeStyle.INTERLEAVED);

    /** The FFN gate activation. */
    public enum Activation {
        /** relu(x)². */
        RELU_SQUARED,
        /** x · sigmoid(x). */
        SILU
    }

    /** How RoPE pairs the dimensions of a head. */
    public enum RopeStyle {
        /** "rotate half": dimension j pairs with j + d/2. */
        NEOX,
        /** adjacent dimensions 2j and 2j+1 pair. */
        INTERLEAVED
    }

    private final String ggufName;
    private final Activation defaultActivation;
    private final boolean subNorms;
    private final RopeStyle ropeStyle;

    Architecture(String ggufName, Activation defaultActivation, boolean subNorms, RopeStyle ropeStyle) {
        this.ggufName = ggufName;
        this.defaultActivation = defaultActivation;
        this.subNorms = subNorms;
        this.ropeStyle = ropeStyle;
    }

    /** The {@code general.architecture} value, which also prefixes the hyperparameter keys. */
    public String ggufName() {
        return ggufName;
    }

    public Activation defaultActivation() {
        return defaultActivation;
    }

    /** Whether each block has {@code attn_sub_norm} and {@code ffn_sub_norm}. */
    public boolean hasSubNorms() {
        return subNorms;
    }

    public RopeStyle ropeStyle() {
        return ropeStyle;
    }

    /** The architecture for a {@code general.architecture} value; {@code bitnet-25} is an older name of bitnet-b1.58. */
    public static Optional<Architecture> fromGguf(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "bitnet-b1.58", "bitnet-25" -> Optional.of(BITNET_B158);
            case "bitnet" -> Optional.of(BITNET);
            case "llama" -> Optional.of(LLAMA);
            default -> Optional.empty();
        };
    }
}
