/**
 * Models from the Hugging Face Hub: {@code hf://ORG/REPO[@REVISION][/PATH]} references, downloaded
 * with {@code java.net.http} into the cache layout that huggingface_hub and llama.cpp share, resumed
 * after interruptions, verified against their ETags, and found again offline. Entry points:
 * {@link dev.bitnet.hub.ModelLocator} (a reference or path to a local path) and
 * {@link dev.bitnet.hub.HubClient}.
 */
package dev.bitnet.hub;
