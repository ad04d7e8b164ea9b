package dev.bitnet;

/** Why a generation ended. */
public enum FinishReason {
    /** The model produced an end-of-generation token or one of the options' stop token ids. */
    STOP_TOKEN("stop"),
    /** One of the options' stop strings appeared in the text. */
    STOP_STRING("stop"),
    /** The options' token limit was reached. */
    MAX_TOKENS("length"),
    /** The caller cancelled the generation. */
    CANCELLED("cancelled");

    private final String jsonName;

    FinishReason(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name in JSON output ({@code finish_reason}): "stop", "length" or "cancelled", as OpenAI-style APIs use. */
    public String jsonName() {
        return jsonName;
    }
}
