package dev.bitnet.hub;

import java.util.List;
import java.util.Set;

/**
 * Which files of a repository make up the model that {@code hf://ORG/REPO} names: a Hugging Face
 * checkpoint ({@code config.json}, tokenizer files, {@code *.safetensors} and a shard index) when the
 * top level has one, else the repository's only GGUF file. Sub-folders are never taken.
 */
final class CheckpointFiles {
    private static final Set<String> SIDE_FILES = Set.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json");

    private CheckpointFiles() {
    }

    static List<String> select(List<String> files, String repo) throws HubException {
        List<String> top = files.stream().filter(f -> !f.contains("/")).toList();
        if (top.contains("config.json") && top.stream().anyMatch(f -> f.endsWith(".safetensors"))) {
            return top.stream().filter(f -> SIDE_FILES.contains(f) || f.endsWith(".safetensors")
                    || f.endsWith(".safetensors.index.json")).sorted().toList();
        }
        List<String> ggufs = top.stream().filter(f -> f.endsWith(".gguf")).sorted().toList();
        if (ggufs.size() == 1) {
            return ggufs;
        }
        if (ggufs.size() > 1) {
            throw new HubException(HubException.Kind.NOT_FOUND, repo + " holds " + ggufs.size() + " GGUF files: name one, e.g. hf://"
                    + repo + "/" + ggufs.get(0) + " (files: " + String.join(", ", ggufs.subList(0, Math.min(10, ggufs.size())))
                    + (ggufs.size() > 10 ? ", ..." : "") + ")");
        }
        throw new HubException(HubException.Kind.NOT_FOUND, repo + " has no model at its top level (config.json with *.safetensors,"
                + " or one .gguf file); name a file: hf://" + repo + "/PATH");
    }
}
