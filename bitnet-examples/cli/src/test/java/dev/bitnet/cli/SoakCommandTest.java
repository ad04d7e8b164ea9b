package dev.bitnet.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A short soak: concurrent outputs equal single-threaded ones, closing under load is clean, the model file is released. */
class SoakCommandTest {
    @Test
    void shortSoakMatchesSingleThreadedRunsAndReleasesTheModel() {
        CliTest.Result r = CliTest.run("soak", "--model", CliTest.fixture("tiny-a/gguf/tiny-a-i2_s.gguf").toString(),
                "--sessions", "4", "--duration", "1", "--seed", "3", "--json");
        String json = r.out().strip();
        assertThat(json).as(r.err()).startsWith("{").endsWith("}")
                .contains("\"sessions\":4", "\"mismatches\":0", "\"errors\":0", "\"closeUnexpected\":0",
                        "\"watchdogReports\":0", "\"modelMappingsAfter\":0", "\"modelFilesAfter\":0");
    }

    @Test
    void durationTakesSecondsOrUnits() {
        assertThat(SoakCommand.seconds("90")).isEqualTo(90);
        assertThat(SoakCommand.seconds("10m")).isEqualTo(600);
        assertThat(SoakCommand.seconds("45s")).isEqualTo(45);
        assertThat(SoakCommand.seconds("1h")).isEqualTo(3600);
        assertThatThrownBy(() -> SoakCommand.seconds("ten")).isInstanceOf(UsageException.class);
    }
}
