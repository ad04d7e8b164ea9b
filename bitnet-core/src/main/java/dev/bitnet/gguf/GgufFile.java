package dev.bitnet.gguf;

import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A GGUF file (version 2 or 3), mapped read-only into memory and validated on open.
 *
 * <p>Tensor data is never copied: {@link #data(GgufTensor)} returns a read-only slice of the mapping.
 * Those slices, like this object, stay usable until {@link #close()}; after that any access to them
 * throws {@link IllegalStateException}. Safe for concurrent reads from several threads.
 *
 * <p>The tensor type table follows {@code general.architecture}: files of the BitNet architectures
 * ({@code bitnet-b1.58}, {@code bitnet-25}, {@code bitnet}) use bitnet.cpp's ids (36 = I2_S,
 * 38/39 = TL1/TL2); others use upstream llama.cpp's, where id 36 is still read as I2_S because
 * upstream never assigned it, provided the bytes stored for the tensor match I2_S's size.
 */
public final class GgufFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GgufFile.class);

    private final @Nullable Path path;
    private final MemorySegment mapping;
    private final @Nullable Arena arena;
    private final int version;
    private final GgufMetadata metadata;
    private final List<GgufTensor> tensors;
    private final Map<String, GgufTensor> byName;
    private final int alignment;
    private final long dataOffset;
    private final AtomicBoolean closed = new AtomicBoolean();

    private GgufFile(@Nullable Path path, MemorySegment mapping, @Nullable Arena arena, GgufParser.Result parsed) {
        this.path = path;
        this.mapping = mapping;
        this.arena = arena;
        this.version = parsed.version();
        this.metadata = parsed.metadata();
        this.tensors = parsed.tensors();
        this.alignment = parsed.alignment();
        this.dataOffset = parsed.dataOffset();
        Map<String, GgufTensor> map = new LinkedHashMap<>();
        for (GgufTensor t : tensors) {
            map.put(t.name(), t);
        }
        this.byName = map;
    }

    /**
     * Maps {@code path} read-only and parses and validates its header, metadata and tensor infos.
     *
     * @throws ModelFormatException      if the file is not GGUF 2/3 or is corrupt, truncated or inconsistent
     * @throws UnsupportedModelException if a tensor has a type bitnet-java does not read
     * @throws UncheckedIOException      if the file cannot be opened or mapped
     */
    public static GgufFile open(Path path) {
        Objects.requireNonNull(path, "path");
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            GgufFile file = new GgufFile(path, mapping, arena, GgufParser.parse(path, mapping));
            LOG.debug("Opened {}: GGUF v{}, {} metadata keys, {} tensors, {} bytes", path, file.version,
                    file.metadata.size(), file.tensors.size(), mapping.byteSize());
            return file;
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("cannot read GGUF file " + path, e);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /**
     * Parses a GGUF image that is already in memory; closing the result does not free {@code data}.
     *
     * @param path the file the bytes came from, used in messages only (may be null)
     */
    static GgufFile of(@Nullable Path path, MemorySegment data) {
        return new GgufFile(path, data, null, GgufParser.parse(path, data));
    }

    /** The file's path as given to {@link #open(Path)}. */
    public Path path() {
        return Objects.requireNonNull(path, "this GGUF image was not read from a file");
    }

    /** Size of the file in bytes. */
    public long fileSize() {
        return mapping.byteSize();
    }

    /** The GGUF version, 2 or 3. */
    public int version() {
        return version;
    }

    /** The alignment of tensor data: {@code general.alignment}, or 32 when absent. */
    public int alignment() {
        return alignment;
    }

    /** Absolute offset of the data section; tensor offsets in the file are relative to it. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The key/value metadata. */
    public GgufMetadata metadata() {
        return metadata;
    }

    /** All tensors, in the order of the file's tensor infos. */
    public List<GgufTensor> tensors() {
        return tensors;
    }

    /** The tensor named {@code name}, if the file has one. */
    public Optional<GgufTensor> tensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * A read-only view of the tensor's bytes, exactly {@code tensor.byteSize()} long.
     *
     * @throws IllegalArgumentException if {@code tensor} is not one of this file's tensors
     * @throws IllegalStateException    if this file is closed
     */
    /**
     * Maps every page of the file into the process now (where the OS supports it) instead of on first
     * access, so the first forward pass does not pay for page faults. Returns whether it did.
     */
    public boolean populate() {
        return PagePrefetch.populate(mapping);
    }

    public MemorySegment data(GgufTensor tensor) {
        if (closed.get()) {
            throw new IllegalStateException("GGUF file " + path + " is closed");
        }
        if (!tensor.equals(byName.get(tensor.name()))) {
            throw new IllegalArgumentException("tensor " + tensor + " is not a tensor of " + path);
        }
        return mapping.asSlice(tensor.offset(), tensor.byteSize()).asReadOnly();
    }

    /** Unmaps the file. Idempotent; any segment from {@link #data} becomes inaccessible. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && arena != null) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensors.size() + " tensors]";
    }
}
