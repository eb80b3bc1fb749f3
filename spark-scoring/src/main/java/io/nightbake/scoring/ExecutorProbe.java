package io.nightbake.scoring;

import java.io.IOException;
import java.io.Serializable;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * A tiny Spark job run before a night on a cluster touches any tenant: every task loads the classes the night's
 * tasks need (from the executor jar) and reads a token file the driver has just written under {@code nightbake.home},
 * and writes one next to it, so that a missing jar or a home the executors cannot see fails the night at once with a
 * clear message instead of failing every tenant.
 */
public final class ExecutorProbe {

    /** Classes the retrain and prebake tasks load: Nightbake's own modules, Tribuo and ONNX Runtime. */
    static final List<String> REQUIRED_CLASSES = List.of("io.nightbake.scoring.TenantScorer",
            "io.nightbake.retrain.pipeline.TenantRetrainer", "io.nightbake.config.TemplatePipeline",
            "io.nightbake.model.ModelVersion", "org.tribuo.Model", "ai.onnxruntime.OrtEnvironment");

    private ExecutorProbe() {
    }

    /** What one task found on its executor. */
    public record Report(String host, String missingClass, String homeProblem) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    /**
     * Runs {@code tasks} probe tasks and returns their reports. A task that cannot even be deserialized (the
     * executors lack the executor jar) fails the Spark job: that exception is what the caller gets.
     *
     * @param home the folder the night's tasks will read and write, exactly as they will be given it
     */
    public static List<Report> run(SparkSession spark, String home, int tasks) throws IOException {
        Path probeDir = Path.of(home).resolve(".probe");
        Files.createDirectories(probeDir);
        String token = UUID.randomUUID().toString();
        Path tokenFile = probeDir.resolve(token);
        Files.writeString(tokenFile, token, StandardCharsets.UTF_8);
        JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
        String previous = context.getLocalProperty("spark.job.description");
        context.setJobDescription("nightbake: executor check");
        try {
            List<Integer> slots = new ArrayList<>();
            for (int i = 0; i < Math.max(1, tasks); i++) {
                slots.add(i);
            }
            String file = tokenFile.toString();
            return context.parallelize(slots, slots.size()).map(i -> check(file, token)).collect();
        } finally {
            context.setJobDescription(previous);
            try (var files = Files.list(probeDir)) {
                for (Path p : (Iterable<Path>) files::iterator) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(probeDir);
        }
    }

    /** Runs on the executor. */
    static Report check(String tokenFile, String token) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            host = "unknown host";
        }
        host += " (executor working folder " + Path.of("").toAbsolutePath() + ")";
        String missing = null;
        for (String name : REQUIRED_CLASSES) {
            try {
                Class.forName(name, false, Thread.currentThread().getContextClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                missing = name;
                break;
            }
        }
        String problem = null;
        Path file = Path.of(tokenFile);
        try {
            if (!Files.isRegularFile(file)) {
                problem = "cannot see " + file.toAbsolutePath();
            } else if (!token.equals(Files.readString(file, StandardCharsets.UTF_8))) {
                problem = file.toAbsolutePath() + " holds another content than the driver wrote: not the same folder";
            } else {
                Files.writeString(file.resolveSibling(token + "-" + UUID.randomUUID()), token, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            problem = "cannot read or write " + file.toAbsolutePath().getParent() + ": " + e;
        }
        return new Report(host, missing, problem);
    }
}
