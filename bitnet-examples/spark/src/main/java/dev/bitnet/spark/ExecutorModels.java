package dev.bitnet.spark;

import dev.bitnet.BitNetModel;
import dev.bitnet.LoadOptions;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The models of this JVM: each {@link ModelSpec} is loaded once, on first use by a task, and shared by
 * every task the executor runs after it (a model is thread-safe and each row runs in a session of its
 * own). Models are memory-mapped, so a second task costs no second copy. They are closed when the JVM
 * shuts down.
 */
final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);
    private static final String HUB_SCHEME = "hf://";
    private static final Map<ModelSpec, BitNetModel> MODELS = new ConcurrentHashMap<>();
    private static volatile boolean hookInstalled;

    private ExecutorModels() {
    }

    /**
     * The model of {@code spec}, loading it if this JVM has not yet. Concurrent first calls load it once;
     * a failed load is not remembered, so a retried task tries again.
     */
    static BitNetModel get(ModelSpec spec) {
        BitNetModel model = MODELS.get(spec);
        if (model != null) {
            return model;
        }
        installHook();
        return MODELS.computeIfAbsent(spec, ExecutorModels::load);
    }

    private static BitNetModel load(ModelSpec spec) {
        String location = spec.location();
        LoadOptions.Builder options = LoadOptions.builder().threads(spec.threads());
        if (spec.contextLength() > 0) {
            options.contextLength(spec.contextLength());
        }
        // an hf:// reference resolves in this executor's own Hub cache (HF_HOME / HF_HUB_CACHE of its environment)
        BitNetModel model = isHubReference(location)
                ? BitNetModel.load(location, options.build())
                : BitNetModel.load(resolve(location).toString(), options.build());
        LOG.info("executor model {} loaded in {} ms ({} thread(s), kernel {})", location,
                Math.round(model.loadMillis()), model.threads(), model.kernelName());
        return model;
    }

    static boolean isHubReference(String location) {
        return location.regionMatches(true, 0, HUB_SCHEME, 0, HUB_SCHEME.length());
    }

    /**
     * The file of {@code location}: the path itself when it exists, else, for a relative name, the copy
     * Spark fetched to this JVM ({@code spark-submit --files model.gguf} or {@code SparkContext.addFile}).
     */
    static Path resolve(String location) {
        Path path = Path.of(location);
        if (Files.exists(path) || path.isAbsolute() || SparkEnv.get() == null) {
            return path;
        }
        Path shipped = Path.of(SparkFiles.get(location));
        return Files.exists(shipped) ? shipped : path;
    }

    private static synchronized void installHook() {
        if (hookInstalled) {
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorModels::closeAll, "bitnet-spark-models-close"));
        hookInstalled = true;
    }

    /** Closes and forgets every model of this JVM; a later {@link #get} loads again. */
    static void closeAll() {
        List<BitNetModel> models = new ArrayList<>(MODELS.values());
        MODELS.clear();
        for (BitNetModel m : models) {
            try {
                m.close();
            } catch (RuntimeException e) {
                LOG.warn("closing model {} failed: {}", m.path(), e.toString());
            }
        }
    }

    /** Models loaded in this JVM now (for tests and logs). */
    static int loaded() {
        return MODELS.size();
    }
}
