package dev.bitnet.safetensors;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.bitnet.ModelFormatException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The tensors of a Hugging Face checkpoint, in one safetensors file or sharded over several with a
 * {@code model.safetensors.index.json} whose {@code weight_map} names the shard of each tensor.
 * Owns the mapped files until {@link #close()}. Thread-safe for reading.
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    /** The file name of an unsharded checkpoint. */
    public static final String SINGLE_FILE = "model.safetensors";
    /** The file name of a sharded checkpoint's index. */
    public static final String INDEX_FILE = "model.safetensors.index.json";
    /** Largest index accepted; real ones are a few hundred kilobytes. */
    static final long MAX_INDEX_BYTES = 100_000_000L;

    private final Path path;
    private final Map<Path, SafetensorsFile> files;
    private final Map<String, SafetensorsTensor> tensors;

    private SafetensorsCheckpoint(Path path, Map<Path, SafetensorsFile> files, Map<String, SafetensorsTensor> tensors) {
        this.path = path;
        this.files = files;
        this.tensors = tensors;
    }

    /**
     * Opens a checkpoint: a directory (holding {@value #SINGLE_FILE}, else {@value #INDEX_FILE}), a
     * {@code .json} shard index, or a single {@code .safetensors} file.
     *
     * @throws NoSuchFileException  when a directory holds neither file, or a file is missing
     * @throws IOException          when a file cannot be read or mapped
     * @throws ModelFormatException when a file or the index is invalid, or the index names a tensor
     *                              that its shard lacks
     */
    public static SafetensorsCheckpoint open(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        if (Files.isDirectory(path)) {
            Path single = path.resolve(SINGLE_FILE);
            if (Files.isRegularFile(single)) {
                return single(single);
            }
            Path index = path.resolve(INDEX_FILE);
            if (Files.isRegularFile(index)) {
                return sharded(index);
            }
            throw new NoSuchFileException(path.toString(), null, "directory has neither " + SINGLE_FILE + " nor " + INDEX_FILE);
        }
        Path name = path.getFileName();
        if (name != null && name.toString().endsWith(".json")) {
            return sharded(path);
        }
        return single(path);
    }

    private static SafetensorsCheckpoint single(Path file) throws IOException {
        SafetensorsFile f = SafetensorsFile.open(file);
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        for (SafetensorsTensor t : f.tensors()) {
            tensors.put(t.name(), t);
        }
        return new SafetensorsCheckpoint(file, Map.of(file, f), tensors);
    }

    private static SafetensorsCheckpoint sharded(Path index) throws IOException {
        Map<String, String> weightMap = readWeightMap(index);
        Path dir = index.toAbsolutePath().getParent();
        Map<Path, SafetensorsFile> files = new LinkedHashMap<>();
        try {
            Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                Path shard = dir.resolve(e.getValue());
                SafetensorsFile file = files.get(shard);
                if (file == null) {
                    file = SafetensorsFile.open(shard);
                    files.put(shard, file);
                }
                SafetensorsTensor t = file.tensor(e.getKey()).orElseThrow(() -> new ModelFormatException(shard, -1,
                        "tensor '" + e.getKey() + "' is listed in " + index.getFileName() + " for this shard but the shard lacks it"));
                tensors.put(t.name(), t);
            }
            return new SafetensorsCheckpoint(index, files, tensors);
        } catch (IOException | RuntimeException | Error e) {
            files.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** The index's {@code weight_map}: tensor name to shard file name (a plain name in the index's directory). */
    private static Map<String, String> readWeightMap(Path index) throws IOException {
        long size = Files.size(index);
        if (size > MAX_INDEX_BYTES) {
            throw new ModelFormatException(index, -1, "shard index has " + size + " bytes, more than the limit of " + MAX_INDEX_BYTES);
        }
        byte[] json = Files.readAllBytes(index);
        Map<String, String> weightMap = null;
        try (JsonParser p = SafetensorsHeader.JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ModelFormatException(index, 0, "shard index is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (!field.equals("weight_map")) {
                    p.skipChildren();
                    continue;
                }
                if (value != JsonToken.START_OBJECT) {
                    throw new ModelFormatException(index, offset(p), "weight_map is not a JSON object");
                }
                weightMap = new LinkedHashMap<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String tensor = p.currentName();
                    if (p.nextToken() != JsonToken.VALUE_STRING) {
                        throw new ModelFormatException(index, offset(p), "weight_map entry of '" + tensor + "' is not a string");
                    }
                    String shard = p.getText();
                    if (!isPlainFileName(shard)) {
                        throw new ModelFormatException(index, offset(p), "weight_map entry of '" + tensor + "' names '" + shard
                                + "', which is not a file name in the index's directory");
                    }
                    weightMap.put(tensor, shard);
                }
            }
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            long at = loc == null ? -1 : loc.getByteOffset();
            throw new ModelFormatException(index, at, "invalid JSON in the shard index: " + e.getOriginalMessage(), e);
        }
        if (weightMap == null || weightMap.isEmpty()) {
            throw new ModelFormatException(index, -1, "shard index has no weight_map entries");
        }
        return weightMap;
    }

    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    private static long offset(JsonParser p) {
        return p.currentTokenLocation().getByteOffset();
    }

    /** The directory entry, index or file this was opened from. */
    public Path path() {
        return path;
    }

    /** The mapped files, one per shard. */
    public List<Path> files() {
        return List.copyOf(files.keySet());
    }

    /** Every tensor of the checkpoint. */
    public List<SafetensorsTensor> tensors() {
        return List.copyOf(tensors.values());
    }

    /** The tensor called {@code name}, if the checkpoint has one. */
    public Optional<SafetensorsTensor> tensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    /**
     * The bytes of {@code tensor}, valid until {@link #close()}.
     *
     * @throws IllegalArgumentException when the tensor is not from this checkpoint
     */
    public MemorySegment data(SafetensorsTensor tensor) {
        SafetensorsFile file = files.get(tensor.file());
        if (file == null) {
            throw new IllegalArgumentException("tensor '" + tensor.name() + "' of " + tensor.file() + " is not from " + path);
        }
        return file.data(tensor);
    }

    /** Unmaps every file. Idempotent. */
    @Override
    public void close() {
        files.values().forEach(SafetensorsFile::close);
    }
}
