/**
 * Choosing the next token from logits, and spotting stop strings in streamed text.
 *
 * <p>{@link dev.bitnet.sampling.Sampler} is the one-method interface a generation loop calls.
 * {@link dev.bitnet.sampling.SamplerChain} composes {@link dev.bitnet.sampling.LogitsProcessor} stages (bias,
 * penalties, top-k, top-p, min-p, temperature) with a final {@link dev.bitnet.sampling.TokenSelector}, working on
 * a reused {@link dev.bitnet.sampling.Candidates} set; {@link dev.bitnet.sampling.Sampler#fromOptions} builds the
 * standard chain from {@link dev.bitnet.GenerationOptions}. {@link dev.bitnet.sampling.StopStringMatcher} holds
 * back streamed text until it cannot be part of a stop string.
 */
package dev.bitnet.sampling;
