package dev.bitnet.safetensors;

import dev.bitnet.ModelFormatException;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming
 * each tensor's dtype, shape and byte range, then the raw little-endian data.
 *
 * <p>Everything the header claims is checked against the file before any tensor is handed out, so
 * {@link #data} slices are always in bounds and sized exactly for their dtype and shape. The mapping
 * lives until {@link #close()}; segments from {@link #data} must not be used after that.
 * Thread-safe for reading.
 */
public final class SafetensorsFile implements AutoCloseable {
    /** Largest header accepted (the reference implementation's limit); a bigger claim means a corrupt file. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final int LENGTH_BYTES = 8;

    private final Path path;
    private final Arena arena;
    private final MemorySegment mapped;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment mapped, SafetensorsHeader.Contents contents) {
        this.path = path;
        this.arena = arena;
        this.mapped = mapped;
        Map<String, SafetensorsTensor> byName = new LinkedHashMap<>();
        for (SafetensorsTensor t : contents.tensors()) {
            byName.put(t.name(), t);
        }
        this.tensors = byName;
        this.metadata = contents.metadata();
    }

    /**
     * Maps {@code path} and validates its header.
     *
     * @throws IOException          when the file cannot be opened or mapped
     * @throws ModelFormatException when the header length, the JSON or a tensor entry is invalid (the
     *                              message names the file, the tensor and the byte offset)
     * @throws dev.bitnet.UnsupportedModelException when a tensor has a dtype this reader does not know
     */
    public static SafetensorsFile open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = channel.size();
            long headerLength = readHeaderLength(path, channel, size);
            Arena arena = Arena.ofShared();
            try {
                MemorySegment mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                byte[] json = mapped.asSlice(LENGTH_BYTES, headerLength).toArray(ValueLayout.JAVA_BYTE);
                SafetensorsHeader.Contents contents = SafetensorsHeader.parse(path, json, LENGTH_BYTES,
                        size - LENGTH_BYTES - headerLength);
                return new SafetensorsFile(path, arena, mapped, contents);
            } catch (IOException | RuntimeException | Error e) {
                arena.close();
                throw e;
            }
        }
    }

    private static long readHeaderLength(Path path, FileChannel channel, long size) throws IOException {
        if (size < LENGTH_BYTES) {
            throw new ModelFormatException(path, 0, "file has " + size + " bytes, too few for the 8-byte safetensors header length");
        }
        ByteBuffer buf = ByteBuffer.allocate(LENGTH_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (buf.hasRemaining()) {
            if (channel.read(buf, buf.position()) < 0) {
                throw new ModelFormatException(path, buf.position(), "file ended inside the safetensors header length");
            }
        }
        long length = buf.getLong(0);
        long room = size - LENGTH_BYTES;
        if (length < 0 || length > room) {
            throw new ModelFormatException(path, 0, "safetensors header length " + Long.toUnsignedString(length)
                    + " exceeds the " + room + " bytes after it (truncated or not a safetensors file)");
        }
        if (length > MAX_HEADER_BYTES) {
            throw new ModelFormatException(path, 0, "safetensors header length " + length + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        return length;
    }

    /** The file this was mapped from. */
    public Path path() {
        return path;
    }

    /** The header's {@code __metadata__} strings (empty when absent). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Every tensor, in header order. */
    public List<SafetensorsTensor> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The tensor called {@code name}, if the file has one. */
    public Optional<SafetensorsTensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /**
     * The bytes of {@code tensor}, a read-only slice of the mapping valid until {@link #close()}.
     *
     * @throws IllegalArgumentException when the tensor was not read from this file
     * @throws IllegalStateException    when the file is closed
     */
    public MemorySegment data(SafetensorsTensor tensor) {
        if (!tensor.equals(tensors.get(tensor.name()))) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' of " + tensor.file() + " is not from " + path);
        }
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException(path + " is closed");
        }
        return mapped.asSlice(tensor.offset(), tensor.byteSize()).asReadOnly();
    }

    /** Unmaps the file. Idempotent. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]";
    }
}
