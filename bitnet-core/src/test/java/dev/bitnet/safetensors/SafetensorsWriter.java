package dev.bitnet.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/** Builds safetensors files for tests, including deliberately broken ones. */
public final class SafetensorsWriter {
    private final List<String> entries = new ArrayList<>();
    private final List<byte[]> blobs = new ArrayList<>();
    private Map<String, String> metadata = Map.of();
    private long offset;

    /** Adds a tensor whose data_offsets follow the previous tensor's. */
    public SafetensorsWriter add(String name, String dtype, long[] shape, byte[] data) {
        return addRaw(name, dtype, shape, offset, offset + data.length, data);
    }

    /** Adds a tensor with explicit data_offsets; {@code data} is appended to the data section as is. */
    public SafetensorsWriter addRaw(String name, String dtype, long[] shape, long begin, long end, byte[] data) {
        StringJoiner dims = new StringJoiner(",", "[", "]");
        for (long d : shape) {
            dims.add(Long.toString(d));
        }
        entries.add("\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + dims + ",\"data_offsets\":[" + begin + "," + end + "]}");
        blobs.add(data);
        offset += data.length;
        return this;
    }

    public SafetensorsWriter metadata(Map<String, String> metadata) {
        this.metadata = metadata;
        return this;
    }

    /** The header JSON built so far. */
    public String header() {
        StringJoiner json = new StringJoiner(",", "{", "}");
        if (!metadata.isEmpty()) {
            StringJoiner m = new StringJoiner(",", "{", "}");
            metadata.forEach((k, v) -> m.add("\"" + k + "\":\"" + v + "\""));
            json.add("\"__metadata__\":" + m);
        }
        entries.forEach(json::add);
        return json.toString();
    }

    /** The data section built so far. */
    public byte[] data() {
        ByteBuffer buf = ByteBuffer.allocate((int) offset);
        blobs.forEach(buf::put);
        return buf.array();
    }

    public Path write(Path file) throws IOException {
        return write(file, header(), data());
    }

    /** Writes a file with the given header text (padded with spaces to a multiple of 8, as writers do) and data. */
    public static Path write(Path file, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer buf = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(padded).put(json);
        for (int i = json.length; i < padded; i++) {
            buf.put((byte) ' ');
        }
        buf.put(data);
        return Files.write(file, buf.array());
    }

    /** Little-endian float32 bytes. */
    public static byte[] f32(float... values) {
        ByteBuffer buf = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buf.putFloat(v);
        }
        return buf.array();
    }
}
