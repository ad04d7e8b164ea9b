package dev.bitnet.safetensors;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses and validates the JSON header of one safetensors file: a top-level object mapping each
 * tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the
 * data section), plus an optional {@code "__metadata__"} object of strings. Fields the format does
 * not define are skipped, as the reference reader does.
 */
final class SafetensorsHeader {
    /** The reserved key of the free-form string metadata. */
    static final String METADATA_KEY = "__metadata__";
    /** More tensors than any real checkpoint has; bounds the memory a hostile header can make us spend. */
    static final int MAX_TENSORS = 1 << 20;
    /** More dimensions than any real tensor has. */
    static final int MAX_RANK = 16;

    /** Shared: a {@link JsonFactory} is thread-safe once built. Duplicate names are errors, not silently last-wins. */
    static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /** The header's contents: tensors in header order, and the metadata. */
    record Contents(List<SafetensorsTensor> tensors, Map<String, String> metadata) {
    }

    private final Path path;
    private final long headerStart;
    private final long dataStart;
    private final long dataSize;

    private SafetensorsHeader(Path path, long headerStart, long dataStart, long dataSize) {
        this.path = path;
        this.headerStart = headerStart;
        this.dataStart = dataStart;
        this.dataSize = dataSize;
    }

    /**
     * @param path        the file, for error messages and the tensors' {@code file}
     * @param json        the header bytes
     * @param headerStart absolute offset of {@code json[0]} in the file
     * @param dataSize    bytes after the header; every tensor must lie inside them
     * @throws ModelFormatException       when the header is not valid JSON, or a tensor entry is malformed or
     *                                    does not fit the data section
     * @throws UnsupportedModelException when a tensor has a dtype this reader does not know
     */
    static Contents parse(Path path, byte[] json, long headerStart, long dataSize) {
        SafetensorsHeader h = new SafetensorsHeader(path, headerStart, headerStart + json.length, dataSize);
        try (JsonParser p = JSON.createParser(json)) {
            return h.read(p);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            long at = loc == null || loc.getByteOffset() < 0 ? headerStart : headerStart + loc.getByteOffset();
            throw new ModelFormatException(path, at, "invalid JSON in the safetensors header: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(path, headerStart, "cannot parse the safetensors header: " + e.getMessage(), e);
        }
    }

    private Contents read(JsonParser p) throws IOException {
        JsonToken first = p.nextToken();
        if (first == null) {
            throw new ModelFormatException(path, headerStart, "the safetensors header is empty");
        }
        if (first != JsonToken.START_OBJECT) {
            throw new ModelFormatException(path, headerStart, "the safetensors header is not a JSON object (starts with " + first + ")");
        }
        List<Entry> entries = new ArrayList<>();
        Map<String, String> metadata = Map.of();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            long at = location(p);
            p.nextToken();
            if (name.equals(METADATA_KEY)) {
                metadata = readMetadata(p, at);
            } else {
                if (entries.size() == MAX_TENSORS) {
                    throw new ModelFormatException(path, at, "the safetensors header lists more than " + MAX_TENSORS + " tensors");
                }
                entries.add(readEntry(p, name, at));
            }
        }
        JsonToken trailing = p.nextToken();
        if (trailing != null) {
            throw new ModelFormatException(path, location(p), "unexpected " + trailing + " after the safetensors header object");
        }
        checkOverlaps(entries);
        List<SafetensorsTensor> tensors = new ArrayList<>(entries.size());
        for (Entry e : entries) {
            tensors.add(e.tensor);
        }
        return new Contents(List.copyOf(tensors), metadata);
    }

    /** A validated tensor and where its entry sits in the header, for error messages. */
    private record Entry(SafetensorsTensor tensor, long begin, long end, long headerOffset) {
    }

    private Map<String, String> readMetadata(JsonParser p, long at) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw new ModelFormatException(path, at, METADATA_KEY + " is not a JSON object");
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new ModelFormatException(path, location(p), METADATA_KEY + " value of '" + key + "' is not a string");
            }
            metadata.put(key, p.getText());
        }
        return Map.copyOf(metadata);
    }

    private Entry readEntry(JsonParser p, String name, long at) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw error(name, at, "entry is not a JSON object");
        }
        String dtypeName = null;
        List<Long> shape = null;
        List<Long> offsets = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "dtype" -> {
                    if (value != JsonToken.VALUE_STRING) {
                        throw error(name, location(p), "dtype is not a string");
                    }
                    dtypeName = p.getText();
                }
                case "shape" -> shape = readCounts(p, name, "shape", MAX_RANK);
                case "data_offsets" -> offsets = readCounts(p, name, "data_offsets", 2);
                default -> p.skipChildren();
            }
        }
        if (dtypeName == null || shape == null || offsets == null) {
            String missing = dtypeName == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw error(name, at, "entry has no " + missing);
        }
        String dtypeText = dtypeName;
        SafetensorsDtype dtype = SafetensorsDtype.fromHeader(dtypeText).orElseThrow(() -> new UnsupportedModelException(path,
                "tensor '" + name + "' has dtype " + dtypeText + ", which bitnet-java does not read"));
        if (offsets.size() != 2) {
            throw error(name, at, "data_offsets must hold 2 numbers, got " + offsets.size());
        }
        long begin = offsets.get(0);
        long end = offsets.get(1);
        long elements;
        long bytes;
        try {
            elements = 1;
            for (long d : shape) {
                elements = Math.multiplyExact(elements, d);
            }
            bytes = Math.multiplyExact(elements, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw error(name, at, "shape " + shape + " is too large");
        }
        if (begin > end) {
            throw error(name, at, "data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (end > dataSize) {
            throw error(name, at, "data_offsets [" + begin + ", " + end + "] reach past the data section, which holds "
                    + dataSize + " bytes (file offset " + dataStart + " to " + (dataStart + dataSize) + ")");
        }
        if (end - begin != bytes) {
            throw error(name, at, "data_offsets [" + begin + ", " + end + "] span " + (end - begin) + " bytes, but "
                    + dtype + " " + shape + " takes " + bytes);
        }
        SafetensorsTensor tensor = new SafetensorsTensor(path, name, dtype, shape, dataStart + begin, bytes);
        return new Entry(tensor, begin, end, at);
    }

    /** A JSON array of at most {@code max} non-negative integers. */
    private List<Long> readCounts(JsonParser p, String name, String field, int max) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            throw error(name, location(p), field + " is not a JSON array");
        }
        List<Long> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                throw error(name, location(p), field + " holds " + p.currentToken() + ", expected non-negative integers");
            }
            if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER || p.getLongValue() < 0) {
                throw error(name, location(p), field + " holds " + p.getText() + ", expected a non-negative 64-bit integer");
            }
            if (values.size() == max) {
                throw error(name, location(p), field + " has more than " + max + " elements");
            }
            values.add(p.getLongValue());
        }
        return values;
    }

    private void checkOverlaps(List<Entry> entries) {
        List<Entry> byBegin = new ArrayList<>(entries);
        byBegin.removeIf(e -> e.begin == e.end);
        byBegin.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        for (int i = 1; i < byBegin.size(); i++) {
            Entry prev = byBegin.get(i - 1);
            Entry cur = byBegin.get(i);
            if (cur.begin < prev.end) {
                throw error(cur.tensor.name(), cur.headerOffset, "data_offsets [" + cur.begin + ", " + cur.end
                        + "] overlap those of tensor '" + prev.tensor.name() + "' [" + prev.begin + ", " + prev.end + "]");
            }
        }
    }

    private long location(JsonParser p) {
        long b = p.currentTokenLocation().getByteOffset();
        return b < 0 ? headerStart : headerStart + b;
    }

    private ModelFormatException error(String tensor, long at, String detail) {
        return new ModelFormatException(path, at, "tensor '" + tensor + "': " + detail);
    }
}
