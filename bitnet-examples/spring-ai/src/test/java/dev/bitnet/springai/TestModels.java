package dev.bitnet.springai;

import dev.bitnet.BitNetModel;
import dev.bitnet.examples.demo.DemoModel;

import java.nio.file.Path;

/** The demo model, loaded once per test JVM and shared. */
final class TestModels {
    /** The demo model's end-of-text and end-of-turn ids (MODEL.md). */
    static final int EOS = 4094;
    static final int EOT = 4095;

    private static BitNetModel demo;

    private TestModels() {
    }

    static synchronized BitNetModel demo() {
        if (demo == null) {
            demo = BitNetModel.load(demoPath());
        }
        return demo;
    }

    static Path demoPath() {
        return DemoModel.extract().orElseThrow(() -> new IllegalStateException("the demo model is not on the class path"));
    }
}
