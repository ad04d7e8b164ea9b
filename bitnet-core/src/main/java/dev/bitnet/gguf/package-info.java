/**
 * Reading and writing GGUF files, the container of llama.cpp and bitnet.cpp models.
 *
 * <p>{@link dev.bitnet.gguf.GgufFile} maps a file read-only, checks every count, length, offset and
 * shape against the file before using it, and hands out typed metadata and zero-copy tensor views.
 * {@link dev.bitnet.gguf.GgufWriter} builds version 3 files, streaming tensor bytes so that large
 * models never have to sit in memory.
 */
package dev.bitnet.gguf;
