package dev.bitnet.structured;

import org.jetbrains.annotations.Nullable;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A tool a model may call: its name, what it does, and the JSON Schema of its arguments.
 *
 * @param name        what the model writes to call it: 1 to 64 characters, letters, digits, {@code _}, {@code -}
 *                    and {@code .} (the names OpenAI accepts)
 * @param description what it does, for the model to read; may be null
 * @param parameters  the JSON Schema of its arguments in the subset {@link ResponseFormat#jsonSchema} supports,
 *                    usually an object schema (OpenAI requires one; Spring AI also has tools taking a plain string);
 *                    null for a tool without arguments ({@code {}})
 */
public record ToolDefinition(String name, @Nullable String description, @Nullable String parameters) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    /** @throws IllegalArgumentException for a name that is empty, too long or has other characters */
    public ToolDefinition {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("tool name '" + name + "' must be 1 to 64 letters, digits, '_', '-' "
                    + "or '.'");
        }
    }
}
