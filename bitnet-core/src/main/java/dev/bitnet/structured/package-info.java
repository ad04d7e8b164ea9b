/**
 * Structured output: generation constrained to JSON, optionally to a JSON Schema.
 *
 * <p>{@link dev.bitnet.structured.ResponseFormat} says what shape is wanted and compiles a schema into a
 * grammar; {@link dev.bitnet.structured.JsonConstraint} tracks one generation through a byte-level pushdown
 * automaton and masks, at each step, the tokens that would leave the set of valid prefixes;
 * {@link dev.bitnet.structured.TokenVocabulary} holds what is precomputed once per vocabulary (token tries, the
 * tokens that are plain string content per UTF-8 state) so that a mask over 128256 tokens costs well under a
 * millisecond in most states.
 */
package dev.bitnet.structured;
