package dev.bitnet.spark;

import org.apache.spark.sql.SparkSession;

/** The tests' local[2] Spark: one session per test JVM, shared by the test classes, stopped when the JVM exits. */
final class TestSpark {
    private static SparkSession session;

    private TestSpark() {
    }

    static synchronized SparkSession session() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("bitnet-spark-test")
                    .config("spark.ui.enabled", "false")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            SparkSession s = session;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "bitnet-spark-test-stop"));
        }
        return session;
    }
}
