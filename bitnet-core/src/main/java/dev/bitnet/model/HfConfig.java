package dev.bitnet.model;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.bitnet.ModelFormatException;
import dev.bitnet.UnsupportedModelException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What bitnet-java takes from a Hugging Face {@code config.json}: the hyperparameters, and how the
 * checkpoint stores its ternary projections (bitnet-format.md §4 and §6).
 *
 * @param model    the hyperparameters
 * @param encoding how the q/k/v/o/gate/up/down weights are stored
 */
record HfConfig(ModelConfig model, WeightEncoding encoding) {
    /** The file name inside a checkpoint directory. */
    static final String FILE = "config.json";
    /** Real configs are a few kilobytes; anything this large is not one. */
    static final long MAX_BYTES = 16L << 20;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    /** How a checkpoint stores its ternary projections. */
    enum WeightEncoding {
        /**
         * uint8 {@code [out/4, in]}, four 2-bit codes per byte, plus a one-element {@code weight_scale};
         * effective weight = ternary × weight_scale ({@code linear_class: autobitlinear}, offline).
         */
        PACKED_TIMES_SCALE,
        /** As {@link #PACKED_TIMES_SCALE}, but effective weight = ternary / weight_scale (the default {@code bitlinear}). */
        PACKED_DIVIDED_BY_SCALE,
        /**
         * Full-precision master weights {@code [out, in]}, ternarized per tensor by absmean, as the model
         * does on every training step ({@code quantization_mode: online}, or 1bitLLM's shadow weights).
         */
        MASTER_WEIGHTS
    }

    /**
     * Reads {@code dir/config.json}.
     *
     * @throws IOException               when the file cannot be read
     * @throws ModelFormatException      when it is not JSON, lacks a required key or holds inconsistent values
     * @throws UnsupportedModelException when it describes a model bitnet-java does not run
     */
    static HfConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        long size = Files.size(file);
        if (size > MAX_BYTES) {
            throw new ModelFormatException(file, -1, "has " + size + " bytes, more than a model config can hold (" + MAX_BYTES + ")");
        }
        Map<String, Object> root = parse(file, Files.readAllBytes(file));
        return new Reader(file, root, name(dir)).config();
    }

    private static String name(Path dir) {
        Path n = dir.toAbsolutePath().normalize().getFileName();
        return n == null ? dir.toString() : n.toString();
    }

    private static Map<String, Object> parse(Path file, byte[] json) {
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ModelFormatException(file, 0, "is not a JSON object");
            }
            Map<String, Object> root = object(p);
            if (p.nextToken() != null) {
                throw new ModelFormatException(file, p.currentTokenLocation().getByteOffset(), "has content after the top-level object");
            }
            return root;
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            throw new ModelFormatException(file, loc == null ? -1 : loc.getByteOffset(), "invalid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(file, -1, "cannot parse: " + e.getMessage(), e);
        }
    }

    /** Reads the object whose START_OBJECT is the current token; JSON null values are kept as null. */
    private static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> map = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            p.nextToken();
            map.put(key, value(p));
        }
        return map;
    }

    private static Object value(JsonParser p) throws IOException {
        return switch (p.currentToken()) {
            case START_OBJECT -> object(p);
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getText();
            case VALUE_NUMBER_INT -> p.getNumberValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            default -> throw new JsonParseException(p, "unexpected JSON token " + p.currentToken());
        };
    }

    /** Turns the parsed JSON into a config; each getter names the file and key when a value is bad. */
    private record Reader(Path file, Map<String, Object> root, String name) {
        HfConfig config() {
            String modelType = string(root, "model_type", null);
            if (modelType == null) {
                throw new ModelFormatException(file, -1, "has no model_type");
            }
            boolean oneBitLlm = root.get("architectures") instanceof List<?> list && list.contains("BitnetForCausalLM");
            Architecture arch = switch (modelType) {
                case "bitnet" -> Architecture.BITNET_B158;
                // 1bitLLM's checkpoints say llama but carry sub-norms and run their own BitNet modeling code
                case "llama" -> oneBitLlm ? Architecture.BITNET : Architecture.LLAMA;
                default -> throw new UnsupportedModelException(file, "model_type '" + modelType
                        + "' is not supported (expected bitnet, or llama with ternary weights)");
            };
            WeightEncoding encoding = encoding(oneBitLlm);
            checkNoBias("attention_bias");
            checkNoBias("mlp_bias");
            checkPlainRope();

            int hidden = integer("hidden_size");
            int heads = integer("num_attention_heads");
            int kvHeads = root.get("num_key_value_heads") == null ? heads : integer("num_key_value_heads");
            int headDim;
            if (root.get("head_dim") != null) {
                headDim = integer("head_dim");
            } else if (heads > 0 && hidden % heads == 0) {
                headDim = hidden / heads;
            } else {
                throw new ModelFormatException(file, -1, "hidden_size " + hidden + " is not a multiple of num_attention_heads "
                        + heads + ", and there is no head_dim");
            }
            float ropeTheta = ropeTheta(arch);
            boolean tied = root.get("tie_word_embeddings") != null && bool("tie_word_embeddings");
            int context = root.get("max_position_embeddings") == null ? 2048 : integer("max_position_embeddings");
            try {
                ModelConfig model = new ModelConfig(arch, activation(arch), name, integer("vocab_size"), context, hidden,
                        integer("intermediate_size"), integer("num_hidden_layers"), heads, kvHeads, headDim, headDim,
                        ropeTheta, number(root, "rms_norm_eps"), tied);
                return new HfConfig(model, encoding);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(file, -1, "inconsistent hyperparameters: " + e.getMessage(), e);
            }
        }

        private Architecture.Activation activation(Architecture arch) {
            String act = string(root, "hidden_act", null);
            if (act == null) {
                return arch.defaultActivation();
            }
            return switch (act.toLowerCase(Locale.ROOT)) {
                case "relu2" -> Architecture.Activation.RELU_SQUARED;
                case "silu", "swish" -> Architecture.Activation.SILU;
                default -> throw new UnsupportedModelException(file, "hidden_act '" + act + "' is not supported (expected relu2 or silu)");
            };
        }

        private WeightEncoding encoding(boolean oneBitLlm) {
            Object q = root.get("quantization_config");
            if (q == null) {
                if (oneBitLlm) {
                    return WeightEncoding.MASTER_WEIGHTS;
                }
                throw new UnsupportedModelException(file, "has no quantization_config: not a BitNet ternary checkpoint");
            }
            if (!(q instanceof Map<?, ?> raw)) {
                throw new ModelFormatException(file, -1, "quantization_config is not a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> qc = (Map<String, Object>) raw;
            String method = string(qc, "quant_method", "quantization_config.quant_method");
            if (method == null) {
                throw new ModelFormatException(file, -1, "has no quantization_config.quant_method");
            }
            if (!method.equals("bitnet")) {
                throw new UnsupportedModelException(file, "quantization_config.quant_method '" + method + "' is not supported (expected bitnet)");
            }
            Object useRmsNorm = qc.get("use_rms_norm");
            if (useRmsNorm != null && !(useRmsNorm instanceof Boolean)) {
                // the string "true" must not slip past the check below that the boolean true fails
                throw new ModelFormatException(file, -1, "quantization_config.use_rms_norm must be true or false, got "
                        + (useRmsNorm instanceof String str ? '"' + str + '"' : useRmsNorm));
            }
            if (Boolean.TRUE.equals(useRmsNorm)) {
                throw new UnsupportedModelException(file, "quantization_config.use_rms_norm (a norm inside every BitLinear) is not supported");
            }
            String linearClass = qc.get("linear_class") == null ? "bitlinear" : string(qc, "linear_class", "quantization_config.linear_class");
            String mode = qc.get("quantization_mode") == null ? "offline" : string(qc, "quantization_mode", "quantization_config.quantization_mode");
            return switch (linearClass + "/" + mode) {
                case "autobitlinear/offline" -> WeightEncoding.PACKED_TIMES_SCALE;
                case "autobitlinear/online" -> WeightEncoding.MASTER_WEIGHTS;
                case "bitlinear/offline" -> WeightEncoding.PACKED_DIVIDED_BY_SCALE;
                default -> throw new UnsupportedModelException(file, "quantization_config with linear_class '" + linearClass
                        + "' and quantization_mode '" + mode + "' is not supported");
            };
        }

        private void checkNoBias(String key) {
            if (root.get(key) != null && bool(key)) {
                throw new UnsupportedModelException(file, key + " is true: linear layers with biases are not supported");
            }
        }

        /** Only plain RoPE over the whole head: no scaling (YaRN, llama3, linear, ...) and no partial rotation. */
        private void checkPlainRope() {
            for (String key : List.of("rope_parameters", "rope_scaling")) {
                Object v = root.get(key);
                if (v == null) {
                    continue;
                }
                if (!(v instanceof Map<?, ?> params)) {
                    throw new ModelFormatException(file, -1, key + " is not a JSON object");
                }
                Object type = params.get("rope_type") != null ? params.get("rope_type") : params.get("type");
                if (type != null && !"default".equals(type)) {
                    throw new UnsupportedModelException(file, key + " has rope type '" + type + "'; only default RoPE is supported");
                }
                checkFullRotation(params.get("partial_rotary_factor"), key + ".partial_rotary_factor");
            }
            checkFullRotation(root.get("partial_rotary_factor"), "partial_rotary_factor");
        }

        private void checkFullRotation(Object factor, String key) {
            if (factor != null && !(factor instanceof Number n && n.doubleValue() == 1.0)) {
                throw new UnsupportedModelException(file, key + " is " + factor + "; only RoPE over the whole head is supported");
            }
        }

        /** {@code rope_theta}, or transformers 5's {@code rope_parameters.rope_theta}, or the model class default. */
        private float ropeTheta(Architecture arch) {
            if (root.get("rope_theta") != null) {
                return number(root, "rope_theta");
            }
            if (root.get("rope_parameters") instanceof Map<?, ?> params && params.get("rope_theta") != null) {
                @SuppressWarnings("unchecked")
                Map<String, Object> p = (Map<String, Object>) params;
                return number(p, "rope_theta");
            }
            return arch == Architecture.BITNET_B158 ? 500000f : 10000f;
        }

        private int integer(String key) {
            Object v = root.get(key);
            if (v == null) {
                throw new ModelFormatException(file, -1, "has no " + key);
            }
            if ((v instanceof Integer || v instanceof Long) && ((Number) v).longValue() == ((Number) v).intValue()) {
                return ((Number) v).intValue();
            }
            throw new ModelFormatException(file, -1, key + " must be a 32-bit integer, got " + v);
        }

        private float number(Map<String, Object> map, String key) {
            Object v = map.get(key);
            if (v == null) {
                throw new ModelFormatException(file, -1, "has no " + key);
            }
            if (!(v instanceof Number n)) {
                throw new ModelFormatException(file, -1, key + " must be a number, got " + v);
            }
            return n.floatValue();
        }

        private boolean bool(String key) {
            if (root.get(key) instanceof Boolean b) {
                return b;
            }
            throw new ModelFormatException(file, -1, key + " must be true or false, got " + root.get(key));
        }

        /** The string at {@code key}, or null when absent; {@code label} names it in errors (the key itself when null). */
        private String string(Map<String, Object> map, String key, String label) {
            Object v = map.get(key);
            if (v == null || v instanceof String) {
                return (String) v;
            }
            throw new ModelFormatException(file, -1, (label == null ? key : label) + " must be a string, got " + v);
        }
    }
}
