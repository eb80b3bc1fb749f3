package io.nightbake.batch;

import io.nightbake.scoring.SparkSessions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.stereotype.Component;

/**
 * The Spark session of the night, created on first use (a lookup-only process never starts Spark). By default
 * {@code local[N]} in-process, N = {@code nightbake.spark.cores} or one per core; {@code nightbake.spark.master} takes
 * any master URL Spark accepts (the driver runs in this process: client mode), and every
 * {@code nightbake.spark.conf.<key>} is passed to Spark as {@code spark.<key>}. On a cluster the executors get
 * Nightbake's code from the executor jar ({@code nightbake.spark.executor-jar}, by default {@code nightbake-executor.jar}
 * next to {@code nightbake.jar}), shipped with {@code spark.jars}.
 */
@Component
public class SparkProvider implements DisposableBean {

    public static final String MASTER = "nightbake.spark.master";
    public static final String CONF_PREFIX = "nightbake.spark.conf.";
    public static final String EXECUTOR_JAR = "nightbake.spark.executor-jar";
    public static final String EXECUTOR_JAR_NAME = "nightbake-executor.jar";

    private final int cores;
    private final String master;
    private final Map<String, String> conf;
    private final String executorJar;

    public SparkProvider(@Value("${nightbake.spark.cores:0}") int cores, @Value("${" + MASTER + ":}") String master,
                         @Value("${" + EXECUTOR_JAR + ":}") String executorJar, ConfigurableEnvironment environment) {
        this.cores = cores > 0 ? cores : Runtime.getRuntime().availableProcessors();
        this.master = master == null || master.isBlank() ? "local[" + this.cores + "]" : master.trim();
        this.conf = sparkConf(environment);
        this.executorJar = executorJar == null || executorJar.isBlank() ? defaultExecutorJar() : executorJar.trim();
    }

    public SparkSession session() {
        if (!isCluster()) {
            return SparkSessions.shared(master, conf);
        }
        Map<String, String> settings = new TreeMap<>(conf);
        if (executorJar != null) {
            // our jar first: the executors load Nightbake's classes from it, never from the driver's lib/
            settings.merge("spark.jars", executorJar, (given, ours) -> ours + "," + given);
        }
        return SparkSessions.shared(master, settings);
    }

    /** How many Spark tasks the tenants are packed into: the local cores, or the cluster's (executors' cores). */
    public int slots() {
        if (!isCluster()) {
            return cores;
        }
        return Math.max(1, session().sparkContext().defaultParallelism());
    }

    /** True when the executors are other JVMs (any master but {@code local[...]}). */
    public boolean isCluster() {
        return !SparkSessions.isLocal(master);
    }

    public String master() {
        return master;
    }

    /** The executor jar shipped to a cluster; null when none was configured or found. */
    public String executorJar() {
        return executorJar;
    }

    /** The Spark settings given as {@code nightbake.spark.conf.*}, keys as Spark spells them ({@code spark.*}). */
    public Map<String, String> conf() {
        return Map.copyOf(conf);
    }

    @Override
    public void destroy() {
        SparkSessions.stop();
    }

    /** Read from the property sources directly, so that keys keep their case ({@code spark.executor.extraJavaOptions}). */
    static Map<String, String> sparkConf(ConfigurableEnvironment environment) {
        Map<String, String> settings = new TreeMap<>();
        for (PropertySource<?> source : environment.getPropertySources()) {
            if (source instanceof EnumerablePropertySource<?> enumerable) {
                for (String name : enumerable.getPropertyNames()) {
                    if (name.startsWith(CONF_PREFIX) && name.length() > CONF_PREFIX.length()) {
                        String key = name.substring(CONF_PREFIX.length());
                        key = key.startsWith("spark.") ? key : "spark." + key;
                        // the first source wins, as in Spring's own resolution (command line over files)
                        settings.putIfAbsent(key, environment.getProperty(name));
                    }
                }
            }
        }
        return settings;
    }

    /** {@code nightbake-executor.jar} beside the running jar ({@code java -jar .../nightbake.jar}), if it is there. */
    private static String defaultExecutorJar() {
        for (String entry : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (entry.endsWith(".jar")) {
                Path sibling = Path.of(entry).toAbsolutePath().resolveSibling(EXECUTOR_JAR_NAME);
                if (Files.isRegularFile(sibling)) {
                    return sibling.toString();
                }
            }
        }
        return null;
    }
}
